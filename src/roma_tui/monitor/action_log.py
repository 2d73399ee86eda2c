"""The local log of every cancel sent: when, which run, the outcome and the request ID.

JSON lines under platformdirs' data dir, so on-call staff can show what they did and when.
Never holds a key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class LoggedAction:
    at: str
    action: str  # "cancel", "create"
    execution_id: str
    outcome: str  # "cancelled", "already finished", "not permitted", "failed", "created"
    request_id: str | None
    server: str
    message: str | None = None


class ActionLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(
        self,
        action: str,
        execution_id: str,
        outcome: str,
        request_id: str | None,
        server: str,
        message: str | None = None,
    ) -> LoggedAction:
        entry = LoggedAction(
            datetime.now(UTC).isoformat(timespec="seconds"),
            action,
            execution_id,
            outcome,
            request_id,
            server,
            message,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(asdict(entry)) + "\n")
        except OSError:
            pass  # the log is a convenience; an unwritable disk must not stop a cancel
        return entry

    def recent(self, limit: int = 200) -> list[LoggedAction]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()[-limit:]
        except OSError:
            return []
        entries = []
        for line in lines:
            try:
                entries.append(LoggedAction(**json.loads(line)))
            except (ValueError, TypeError):
                continue
        return entries
