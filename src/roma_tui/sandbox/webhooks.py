"""Webhook delivery: when a run ends, POST the documented payload to `metadata.webhook_url`.

Runs in the server's background task, never in a request: a slow or dead receiver cannot
block the API. Three tries with backoff; the outcome is stored (delivered / failed). Whatever
goes wrong in a delivery ends as "failed" in the log and the database, never as a task whose
exception nobody reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

if TYPE_CHECKING:
    from .engine import Engine

RETRY_DELAYS = (0.0, 1.0, 2.0, 4.0)
log = logging.getLogger("roma_tui.sandbox.webhooks")
T = TypeVar("T")
Delivery = tuple[str, str, dict[str, Any]]  # execution id, URL, payload


class RunDb(Protocol):
    """Runs database work where it may block (the API's database thread)."""

    def __call__(self, work: Callable[[], T]) -> Awaitable[T]: ...


class WebhookSender:
    def __init__(self, engine: Engine, run_db: RunDb | None = None) -> None:
        self.engine = engine
        self._run_db = run_db
        self._sending: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None

    def collect(self) -> list[Delivery]:
        """The webhooks waiting to be sent (reads the database: call it where that may block)."""
        found = []
        for row in self.engine.storage.pending_webhooks():
            if row.id in self._sending:
                continue
            execution = self.engine.execution_json(row, with_dag=False)
            payload = {
                "execution_id": row.id,
                "status": row.status,
                "result": execution.get("result"),
                "metadata": {"webhook_token": row.metadata.get("webhook_token")},
            }
            found.append((row.id, str(row.metadata.get("webhook_url")), payload))
        return found

    def start(self, deliveries: Iterable[Delivery]) -> None:
        for execution_id, url, payload in deliveries:
            if execution_id in self._sending:
                continue
            self._sending.add(execution_id)
            task = asyncio.create_task(self._deliver(execution_id, url, payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def send_pending(self) -> None:
        self.start(self.collect())

    async def _deliver(self, execution_id: str, url: str, payload: dict[str, Any]) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0, follow_redirects=False)
        state, reason = "failed", "no answer"
        try:
            for delay in RETRY_DELAYS:
                await asyncio.sleep(delay)
                try:
                    response = await self._http.post(url, json=payload)
                except httpx.HTTPError as exc:
                    reason = type(exc).__name__
                    continue
                if response.status_code < 400:
                    state = "delivered"
                    break
                reason = f"HTTP {response.status_code}"
        except Exception as exc:  # a URL httpx refuses, say: the webhook failed, not the task
            reason = f"{type(exc).__name__}: {exc}"
        if state == "failed":
            log.warning("webhook of %s failed (%s)", execution_id, reason)
        try:
            await self._store(execution_id, state)
        except Exception as exc:
            log.warning("webhook state of %s not stored: %s", execution_id, exc)
        finally:
            self._sending.discard(execution_id)

    async def _store(self, execution_id: str, state: str) -> None:
        def store() -> None:
            self.engine.storage.set_webhook_state(execution_id, state)

        if self._run_db is None:
            store()
        else:
            await self._run_db(store)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.aclose()
