"""SQLite persistence of the sandbox (WAL mode): executions, idempotent replies, server state.

Every acknowledged write is committed before the response is sent, so a server killed with
SIGKILL and started again has every execution it acknowledged; a write whose answer cannot be
made is rolled back (`transaction`). A database locked by another process fails fast
(`is_busy`) instead of holding the server.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .simulation import Plan

_SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    goal        TEXT NOT NULL,
    profile     TEXT NOT NULL,
    max_depth   INTEGER NOT NULL,
    overrides   TEXT NOT NULL,
    metadata    TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL,
    finished_at REAL,
    frozen_at   REAL,
    error       TEXT,
    plan        TEXT NOT NULL,
    webhook     TEXT
);
CREATE INDEX IF NOT EXISTS executions_created ON executions (created_at);
CREATE INDEX IF NOT EXISTS executions_status ON executions (status);
CREATE TABLE IF NOT EXISTS idempotency (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS server_state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# How long a statement waits for another process's lock before giving up (the server answers
# 503 then; it never waits long, so a locked file cannot pile requests up behind it).
BUSY_TIMEOUT = 0.5
OPEN_TIMEOUT = 2.0

SORT_COLUMNS = {"created_at": "created_at", "updated_at": "updated_at", "status": "status"}


@dataclass
class Row:
    id: str
    owner: str
    goal: str
    profile: str
    max_depth: int
    overrides: dict[str, Any]
    metadata: dict[str, Any]
    status: str
    created_at: float
    updated_at: float
    finished_at: float | None
    frozen_at: float | None  # elapsed seconds at which the DAG stopped (cancel, fail, timeout)
    error: str | None
    plan: Plan
    webhook: str | None


class StorageError(RuntimeError):
    """The database cannot be opened or used; the message says which file and why."""


def is_busy(exc: BaseException) -> bool:
    """Whether SQLite gave up waiting for another connection's lock."""
    text = str(exc)
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def unusable(path: Path | str, exc: Exception) -> StorageError:
    """The one-line error that says why the database at `path` cannot be used."""
    where = f"cannot use the sandbox database {path}"
    if Path(path).is_dir():
        return StorageError(f"{where}: it is a directory; give a file path with --db")
    folder = Path(path).parent
    if folder.exists() and not folder.is_dir():
        return StorageError(f"{where}: {folder} is a file, not a folder")
    if isinstance(exc, sqlite3.Error) and is_busy(exc):
        return StorageError(f"{where}: it is locked by another process (another sandbox on it?)")
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
        return StorageError(
            f"{where}: it is not a SQLite database (corrupt, or another kind of file); "
            "move it away or give another --db"
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StorageError(f"{where}: {reason}")


class Storage:
    """One SQLite connection shared by the server's threads, behind a (re-entrant) lock."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._plans: dict[str, Plan] = {}
        self._new_plans: list[str] | None = None  # ids inserted in the open transaction
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=OPEN_TIMEOUT
            )
        except (OSError, sqlite3.Error) as exc:
            raise unusable(path, exc) from None
        try:
            with self._lock:
                self._db.execute("PRAGMA journal_mode=WAL")
                # WAL: durable against a killed process.
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(_SCHEMA)
                self._db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        except sqlite3.Error as exc:
            self._db.close()
            raise unusable(path, exc) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together, or not at all (an exception rolls it back)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            added: list[str] = []
            self._new_plans = added
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                for execution_id in added:
                    self._plans.pop(execution_id, None)
                raise
            finally:
                self._new_plans = None

    def _row(self, values: tuple[Any, ...]) -> Row:
        (
            id_,
            owner,
            goal,
            profile,
            depth,
            overrides,
            metadata,
            status,
            created,
            updated,
            finished,
            frozen,
            error,
            plan_json,
            webhook,
        ) = values
        plan = self._plans.get(id_)
        if plan is None:
            plan = self._plans[id_] = Plan.from_json(json.loads(plan_json))
        return Row(
            id_,
            owner,
            goal,
            profile,
            depth,
            json.loads(overrides),
            json.loads(metadata),
            status,
            created,
            updated,
            finished,
            frozen,
            error,
            plan,
            webhook,
        )

    def insert(self, row: Row) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO executions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    row.id,
                    row.owner,
                    row.goal,
                    row.profile,
                    row.max_depth,
                    json.dumps(row.overrides),
                    json.dumps(row.metadata),
                    row.status,
                    row.created_at,
                    row.updated_at,
                    row.finished_at,
                    row.frozen_at,
                    row.error,
                    json.dumps(row.plan.to_json()),
                    row.webhook,
                ),
            )
            self._plans[row.id] = row.plan
            if self._new_plans is not None:
                self._new_plans.append(row.id)

    def get(self, execution_id: str) -> Row | None:
        with self._lock:
            found = self._db.execute(
                "SELECT * FROM executions WHERE id = ?", (execution_id,)
            ).fetchone()
        return self._row(found) if found else None

    def finish(
        self,
        execution_id: str,
        status: str,
        at: float,
        frozen_at: float,
        error: str | None,
        webhook: str | None,
    ) -> bool:
        """Move a running execution to a final state; False if it was not running any more."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE executions SET status=?, updated_at=?, finished_at=?, frozen_at=?, "
                "error=?, webhook=? WHERE id=? AND status='running'",
                (status, at, at, frozen_at, error, webhook, execution_id),
            )
        return cursor.rowcount == 1

    def set_webhook_state(self, execution_id: str, state: str) -> None:
        with self._lock:
            self._db.execute("UPDATE executions SET webhook=? WHERE id=?", (state, execution_id))

    def running(self) -> list[Row]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM executions WHERE status='running'").fetchall()
        return [self._row(r) for r in rows]

    def pending_webhooks(self) -> list[Row]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM executions WHERE webhook='pending'").fetchall()
        return [self._row(r) for r in rows]

    def count_running(self, owner: str) -> int:
        with self._lock:
            return self._db.execute(
                "SELECT COUNT(*) FROM executions WHERE status='running' AND owner=?", (owner,)
            ).fetchone()[0]

    def page(
        self,
        *,
        limit: int,
        offset: int,
        status: str | None,
        profile: str | None,
        created_after: float | None,
        created_before: float | None,
        sort: str,
        order: str,
    ) -> tuple[list[Row], int]:
        where, args = [], []
        for clause, value in (
            ("status = ?", status),
            ("profile = ?", profile),
            ("created_at > ?", created_after),
            ("created_at < ?", created_before),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        condition = f"WHERE {' AND '.join(where)}" if where else ""
        direction = "ASC" if order == "asc" else "DESC"
        with self._lock:
            total = self._db.execute(
                f"SELECT COUNT(*) FROM executions {condition}", args
            ).fetchone()[0]
            rows = self._db.execute(
                f"SELECT * FROM executions {condition} "
                f"ORDER BY {SORT_COLUMNS[sort]} {direction}, id {direction} LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [self._row(r) for r in rows], total

    # -- idempotency and server state --------------------------------------------------------

    def idempotent_reply(self, scope: str, key: str, since: float) -> tuple[str, int, str] | None:
        with self._lock:
            found = self._db.execute(
                "SELECT fingerprint, status, body FROM idempotency "
                "WHERE scope=? AND key=? AND created_at >= ?",
                (scope, key, since),
            ).fetchone()
        return tuple(found) if found else None

    def remember_reply(
        self, scope: str, key: str, fingerprint: str, status: int, body: str, at: float
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO idempotency VALUES (?,?,?,?,?,?)",
                (scope, key, fingerprint, status, body, at),
            )

    def get_state(self, name: str) -> str | None:
        with self._lock:
            found = self._db.execute(
                "SELECT value FROM server_state WHERE name=?", (name,)
            ).fetchone()
        return found[0] if found else None

    def set_state(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO server_state VALUES (?, ?)", (name, value))
