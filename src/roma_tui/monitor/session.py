"""One live session on one server: client, store, planner, monitor, cache and action log.

Built from a resolved `Connection`; the console holds one and replaces it to switch profile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ..api import RomaClient
from ..settings import Connection, cache_dir, data_dir
from .action_log import ActionLog
from .cache import FinishedCache
from .live import LiveMonitor
from .planner import PollPlanner
from .selection import Selection
from .store import ExecutionStore


@dataclass
class Session:
    connection: Connection
    client: RomaClient
    store: ExecutionStore
    planner: PollPlanner
    monitor: LiveMonitor
    actions: ActionLog
    selection: Selection = field(default_factory=Selection)  # marked and watched runs

    @classmethod
    def open(
        cls,
        connection: Connection,
        *,
        page_size: int = 50,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Session:
        profile = connection.profile
        planner = PollPlanner(clock=clock, interval=profile.poll_interval)
        client = RomaClient(
            connection.base_url,
            connection.api_key,
            timeout=15.0,
            max_retries=1,
            max_retry_wait=5.0,
            dialect=profile.dialect,
            allow_insecure=profile.allow_insecure,
            transport=transport,
            # Every attempt spends budget: polls, pages, user actions and retries alike.
            on_send=lambda _method, _path: planner.note_sent(),
        )
        store = ExecutionStore(page_size=page_size)
        cache = FinishedCache(cache_dir(), connection.base_url)
        return cls(
            connection,
            client,
            store,
            planner,
            LiveMonitor(client, store, planner, cache, profile=profile.name),
            ActionLog(data_dir() / "actions.jsonl"),
        )

    async def close(self) -> None:
        await self.client.aclose()
