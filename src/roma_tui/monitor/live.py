"""The live loop's one step: carry out a poll plan with the client, feed store and planner.

No timers here: the caller (the console, a benchmark) asks the planner when, then calls `poll`.
Failures never raise out of `poll`: they are returned, and the planner backs off.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from ..api import (
    ApiConnectionError,
    Dag,
    Dialect,
    Execution,
    RateLimitError,
    RomaClient,
    RomaError,
    Status,
)
from .cache import FinishedCache
from .failures import Failure, FailureKind, classify
from .planner import DAG, LIST, STATUS, OnScreen, PollPlan, PollPlanner
from .store import Changes, ExecutionStore

log = logging.getLogger(__name__)
MAX_PAGE = 100  # the hosted API's largest page


@dataclass
class PollResult:
    changes: Changes = field(default_factory=Changes)
    error: RomaError | None = None
    failure: Failure | None = None  # what the error means (set with `error`, or alone)
    fetched: list[str] = field(default_factory=list)


def _merge(into: Changes, more: Changes) -> None:
    into.added += more.added
    into.gone += more.gone
    into.finished += more.finished
    for key, names in more.changed.items():
        into.changed.setdefault(key, set()).update(names)


class LiveMonitor:
    def __init__(
        self,
        client: RomaClient,
        store: ExecutionStore,
        planner: PollPlanner,
        cache: FinishedCache | None = None,
        profile: str = "default",
    ) -> None:
        self.client, self.store, self.planner, self.cache = client, store, planner, cache
        self.profile = profile
        self.server_version: str | None = None  # what the server says it is (upstream /health)
        self._health_asked = False

    @property
    def server_version_unasked(self) -> bool:
        """A self-hosted server whose `/health` this session has not asked yet."""
        return not self._health_asked and self.client.dialect is Dialect.UPSTREAM

    async def ask_server_version(self) -> str | None:
        """Once per session, on a self-hosted ROMA server: its `/health` (outside the rate
        limit there, yet counted here like every request). None when it does not say."""
        if not self.server_version_unasked:
            return self.server_version
        self._health_asked = True
        try:
            health = await self.client.health()
        except RomaError as error:
            log.info("no /health from the server: %s", error)
            return None
        if health.version:
            state = "" if health.status in (None, "healthy") else f", {health.status}"
            self.server_version = f"ROMA {health.version}{state}"
        return self.server_version

    def _retry_at(self, error: RomaError) -> float | None:
        if isinstance(error, RateLimitError):
            rl = self.client.rate_limit
            if rl is not None and rl.retry_after is not None:
                return self.planner.clock() + rl.retry_after
            if error.reset_at is not None:
                return error.reset_at.timestamp()
        return None

    def classify(self, error: BaseException) -> Failure:
        return classify(
            error,
            self.client.base_url.removesuffix("/api/v1"),
            self.profile,
            answered_before=self.planner.answered,
        )

    def note_failure(self, error: BaseException, *, list_fresh: bool = False) -> Failure:
        """Tell the planner what a failed request means; return it for the screen.

        `list_fresh`: the list came in this round and a detail after it failed (the focused
        run's status or DAG): the table is live, so a passing fault neither backs polling off
        nor makes the console stale. A 429 or a refused key still does.
        """
        failure = self.classify(error)
        self.planner.observe(self.client.rate_limit)
        if failure.kind is FailureKind.AUTH:
            self.planner.halt(failure.reason)
        if list_fresh and failure.kind in (FailureKind.TRANSIENT, FailureKind.LOCAL):
            self.planner.poll_succeeded()
            return failure
        retry_at = self._retry_at(error) if isinstance(error, RomaError) else None
        self.planner.poll_failed(
            failure.reason,
            retry_at=retry_at,
            not_an_api=failure.kind is FailureKind.NOT_ROMA,
            reached_server=not isinstance(error, ApiConnectionError) or error.reached_server,
        )
        return failure

    async def poll(self, plan: PollPlan, screen: OnScreen) -> PollResult:
        """Carry out `plan`. Never raises: a failure is returned and the planner backs off."""
        result = PollResult()
        self.planner.poll_started()
        try:
            for kind in plan.fetch:
                if kind == LIST:
                    _merge(result.changes, await self._refresh_list())
                elif kind == STATUS and screen.focused_id:
                    _merge(result.changes, await self._fetch_status(screen.focused_id))
                elif kind == DAG and screen.focused_id:
                    await self._fetch_dag(screen.focused_id)
                result.fetched.append(kind)
                self.planner.observe(self.client.rate_limit)
        except Exception as error:  # the poll loop must survive whatever happened
            if not isinstance(error, RomaError | OSError):
                log.exception("poll failed unexpectedly")
            result.failure = self.note_failure(error, list_fresh=LIST in result.fetched)
            result.error = error if isinstance(error, RomaError) else None
        else:
            self.planner.poll_succeeded()
        return result

    async def _refresh_list(self) -> Changes:
        limit = min(MAX_PAGE, max(self.store.page_size, self.store.loaded))
        page = await self.client.list_executions(limit=limit, offset=0, **self.store.query.params())
        return self.store.apply_page(page, 0)

    async def _fetch_status(self, execution_id: str) -> Changes:
        status = await self.client.get_status(execution_id)
        if self.cache is not None and status.is_finished:
            await asyncio.to_thread(self.cache.put, status=status)
        return self.store.apply_status(status)

    async def _fetch_dag(self, execution_id: str) -> Dag:
        dag = await self.client.get_dag(execution_id)
        self.store.show_dag(execution_id, dag)
        return dag

    # -- the user's own actions (they may use the reserve) -------------------------------------

    async def load_more(self) -> Changes:
        """The next page, when the cursor nears the end of the table (within the budget)."""
        if not self.store.has_more or not self.planner.may_page():
            return Changes()
        page = await self.client.list_executions(
            limit=min(MAX_PAGE, self.store.page_size),
            offset=self.store.loaded,
            **self.store.query.params(),
        )
        self.planner.observe(self.client.rate_limit)
        return self.store.apply_page(page, self.store.loaded)

    async def next_page(self) -> PollResult:
        """`load_more` for the console: a failure is returned (and backs off), never raised."""
        result = PollResult()
        try:
            result.changes = await self.load_more()
        except (RomaError, OSError) as error:
            result.failure = self.note_failure(error)
        return result

    async def focus(self, execution_id: str) -> PollResult:
        """The status of the run the cursor settled on, now. A failure is returned, never
        raised; `changes.finished` names the run when this fetch, not a poll, saw it end."""
        result = PollResult()
        row = self.store.get(execution_id)
        was_running = row is not None and not row.is_finished
        try:
            status, _ = await self.open(execution_id, with_dag=False)
        except (RomaError, OSError) as error:
            result.failure = self.note_failure(error)
            return result
        if was_running and status.is_finished:
            result.changes.finished.append(execution_id)
        return result

    async def open(self, execution_id: str, *, with_dag: bool) -> tuple[Status, Dag | None]:
        """A run's status (and DAG): from the disk cache when it is finished, else fetched."""
        # Cache files can be megabytes (a big DAG): read and write them off the event loop.
        execution, status = (
            await asyncio.to_thread(self.cache.get, execution_id) if self.cache else (None, None)
        )
        if status is not None and (not with_dag or execution is not None):
            self.store.focused_status = status
            dag = execution.dag if execution else None
            if dag is not None:
                self.store.show_dag(execution_id, dag)
            return status, dag
        full: Execution | None = None
        if with_dag:
            full, status = await self.client.read_run(execution_id)
        else:
            status = await self.client.get_status(execution_id)
        self.planner.observe(self.client.rate_limit)
        self.store.apply_status(status)
        if full is None:
            if self.cache is not None and status.is_finished:
                await asyncio.to_thread(self.cache.put, status=status)
            return status, None
        dag = full.dag or await self.client.get_dag(execution_id)
        self.store.show_dag(execution_id, dag)
        if self.cache is not None and full.is_finished:
            await asyncio.to_thread(
                self.cache.put, execution=full.model_copy(update={"dag": dag}), status=status
            )
        return status, dag

    async def create(self, goal: str, **options: object) -> Execution:
        execution = await self.client.create_execution(goal, **options)  # type: ignore[arg-type]
        self.planner.observe(self.client.rate_limit)
        self.store.add_created(execution)
        return execution
