"""Webhook delivery: when a run ends, POST the documented payload to `metadata.webhook_url`.

Runs in the server's background task, never in a request: a slow or dead receiver cannot
block the API. Three tries with backoff; the outcome is stored (delivered / failed).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from .engine import Engine

RETRY_DELAYS = (0.0, 1.0, 2.0, 4.0)


class WebhookSender:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sending: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None

    def send_pending(self) -> None:
        for row in self.engine.storage.pending_webhooks():
            if row.id in self._sending:
                continue
            self._sending.add(row.id)
            execution = self.engine.execution_json(row, with_dag=False)
            payload = {
                "execution_id": row.id,
                "status": row.status,
                "result": execution.get("result"),
                "metadata": {"webhook_token": row.metadata.get("webhook_token")},
            }
            task = asyncio.create_task(self._deliver(row.id, row.metadata["webhook_url"], payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, execution_id: str, url: str, payload: dict[str, Any]) -> None:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0, follow_redirects=False)
        state = "failed"
        for delay in RETRY_DELAYS:
            await asyncio.sleep(delay)
            try:
                response = await self._http.post(url, json=payload)
            except httpx.HTTPError:
                continue
            if response.status_code < 400:
                state = "delivered"
                break
        self.engine.storage.set_webhook_state(execution_id, state)
        self._sending.discard(execution_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.aclose()
