"""The disk cache of finished executions: they never change again, so they are read once.

One JSON file per run under platformdirs' cache dir, in a folder per server. Writes go to a
temporary file renamed into place, so a crash never leaves half a file; a file that does not
parse is removed and treated as absent. The cache is bounded: past `max_bytes`, the least
recently used files go. A cache that cannot be used (a full disk, a folder that is a file) is
"no cache": the failure is logged once and every call answers as if the run were not cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from ..api import Execution, Status

log = logging.getLogger(__name__)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class FinishedCache:
    def __init__(self, root: Path, server_url: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        server = hashlib.sha256(server_url.encode()).hexdigest()[:16]
        self.folder = root / "finished" / server
        self.max_bytes = max_bytes
        self.broken: str | None = None  # why the cache is off, once it failed

    def _off(self, exc: OSError) -> None:
        if self.broken is None:
            log.warning("finished-run cache off (%s): %s", self.folder, exc)
        self.broken = f"{type(exc).__name__}: {exc}"

    def _path(self, execution_id: str) -> Path:
        safe = hashlib.sha256(execution_id.encode()).hexdigest()[:32]
        return self.folder / f"{safe}.json"

    def get(self, execution_id: str) -> tuple[Execution | None, Status | None]:
        if self.broken:
            return None, None
        try:
            return self._get(execution_id)
        except OSError as exc:
            self._off(exc)
            return None, None

    def _get(self, execution_id: str) -> tuple[Execution | None, Status | None]:
        path = self._path(execution_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            execution = (
                Execution.model_validate(data["execution"]) if data.get("execution") else None
            )
            status = Status.model_validate(data["status"]) if data.get("status") else None
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            path.unlink(missing_ok=True)  # half-written or foreign: forget it
            return None, None
        os.utime(path)  # recently used
        return execution, status

    def put(self, execution: Execution | None = None, status: Status | None = None) -> bool:
        """Keep a finished run (with its DAG) and/or its final status. Unfinished: ignored."""
        if self.broken:
            return False
        try:
            return self._put(execution, status)
        except OSError as exc:
            self._off(exc)
            return False

    def _put(self, execution: Execution | None, status: Status | None) -> bool:
        item = execution or status
        if item is None or not item.is_finished:
            return False
        if execution is not None and execution.dag is None:
            execution = None  # not whole yet: the DAG is what is worth keeping
        old_execution, old_status = self.get(item.execution_id)
        execution, status = execution or old_execution, status or old_status
        if execution is None and status is None:
            return False
        data = {
            "execution": execution.model_dump(mode="json", by_alias=True) if execution else None,
            "status": status.model_dump(mode="json", by_alias=True) if status else None,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(tmp, self._path(item.execution_id))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._trim()
        return True

    def _trim(self) -> None:
        files = []
        for path in self.folder.glob("*.json"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
