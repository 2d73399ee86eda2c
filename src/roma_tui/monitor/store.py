"""The store of executions the console shows, with change detection.

Rows are keyed by execution id, so a list that shifts between pages never shows a run twice; a
run is dropped only when a fresh answer proves it left the query (never because it slid onto a
page we have not re-read). A finished run never goes back to running.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from ..api import Dag, Execution, ExecutionPage, Status
from ..api.models import FINISHED_STATUSES, ExecutionStatus
from .creation_times import CreationTimes

NaN = float("nan")  # compares false with everything: a run with no creation time is in no span
INF = float("inf")

# The fields whose change the table shows (or sorts by).
TRACKED = (
    "status",
    "created_at",
    "status_raw",
    "initial_goal",
    "config_profile",
    "max_depth",
    "updated_at",
    "completed_at",
    "failed_at",
    "cancelled_at",
    "error",
    "result",
    "metadata",
    "total_tasks",
    "completed_tasks",
    "failed_tasks",
    "task_counts",
    "error_type",
)
# All tracked fields but metadata, read in one C call: most rows of a refresh are unchanged, and
# comparing these tuples is what tells so (a pydantic model's own == costs ~4 us a row).
_PLAIN = attrgetter(*(name for name in TRACKED if name != "metadata"))


@dataclass(frozen=True)
class ListQuery:
    """The server-side part of the table's query (filters and sort the API offers)."""

    status: str | None = None
    profile: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    sort: str = "created_at"
    order: str = "desc"

    def params(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "profile": self.profile,
            "created_after": self.created_after,
            "created_before": self.created_before,
            "sort": self.sort,
            "order": self.order,
        }


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: dict[str, set[str]] = field(default_factory=dict)  # id -> names of changed fields
    gone: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)  # ran, and now completed/failed/cancelled

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.gone)


def _diff(old: Execution, new: Execution) -> set[str]:
    return {name for name in TRACKED if getattr(old, name) != getattr(new, name)}


def _kind(execution: Execution) -> tuple[ExecutionStatus, str | None]:
    status = execution.status
    return status, execution.status_raw if status is ExecutionStatus.UNKNOWN else None


def _same_metadata(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is new
    return bool(old.__dict__ == new.__dict__ and old.__pydantic_extra__ == new.__pydantic_extra__)


def _creation_sign(query: ListQuery) -> float:
    """-1: the server lists by creation, newest first; 1: oldest first; 0: not by creation
    (how `CreationTimes` keeps the times, and what a top page's absences prove)."""
    if query.sort != "created_at":
        return 0.0
    return -1.0 if query.order == "desc" else 1.0


@dataclass
class _Listed:
    """What the server listed for one query, as loaded: kept while another query's first page
    is on its way, to be put back if it never comes (see `restore_listed`)."""

    query: ListQuery
    rows: dict[str, Execution]
    order: list[str]
    unfinished: set[str]
    created_here: set[str]
    created: CreationTimes
    status_kinds: Counter[tuple[ExecutionStatus, str | None]]
    total: int | None
    has_more: bool


class ExecutionStore:
    def __init__(self, query: ListQuery | None = None, page_size: int = 50) -> None:
        self.query = query or ListQuery()
        self.page_size = page_size
        self._rows: dict[str, Execution] = {}
        self._order: list[str] = []  # as the server sorted them
        self.total: int | None = None
        self.has_more = True
        self.unreadable = 0
        self.regressions = 0  # finished runs a server reported as running again (ignored)
        self.focused_status: Status | None = None
        self.focused_dag: Dag | None = None
        self.focused_dag_id: str | None = None  # whose DAG `focused_dag` is
        # The latest Status fetched per run (progress, step). A row that moved on since (the
        # list says finished) makes it stale: it is dropped, so no pane shows an old state.
        self.statuses: dict[str, Status] = {}
        # Kept as rows come and go, so nothing that runs every second scans every row.
        self._unfinished: set[str] = set()
        # Runs the user created here that no list has shown yet: absence proves nothing of them.
        self._created_here: set[str] = set()
        # Ids whose row or status changed since the table last looked (`take_touched`), and a
        # number that moves when everything loaded was replaced (a new query).
        self._touched: set[str] = set()
        self.generation = 0
        self.created = CreationTimes(_creation_sign(self.query))
        # How many loaded runs have each (status, server's word when unknown): what the status
        # column must fit, without a pass over every row.
        self.status_kinds: Counter[tuple[ExecutionStatus, str | None]] = Counter()
        self._listed = False  # a first page of this query has come in
        self._before: _Listed | None = None  # the last listed query's rows, while it has not

    # -- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, execution_id: object) -> bool:
        return execution_id in self._rows

    def get(self, execution_id: str) -> Execution | None:
        return self._rows.get(execution_id)

    def rows(self, ids: list[str] | None = None) -> list[Execution]:
        """These runs (all, in the server's order, by default); every id must be loaded."""
        return list(map(self._rows.__getitem__, self._order if ids is None else ids))

    @property
    def order(self) -> list[str]:
        """Ids as the server sorted them (read-only: do not change it)."""
        return self._order

    def has_running(self) -> bool:
        return any(self._rows[i].status in ("running", "pending") for i in self._unfinished)

    def running_set(self) -> set[str]:
        """Runs not finished (running, pending, or a status we do not know)."""
        return self._unfinished

    def take_touched(self) -> set[str]:
        """Ids added, changed, dropped or given a new status since the last call."""
        touched, self._touched = self._touched, set()
        return touched

    @property
    def unlisted_created(self) -> int:
        """Runs created here that no list has shown yet (the server's total is older)."""
        return len(self._created_here)

    @property
    def loaded(self) -> int:
        return len(self._order)

    # -- writing -------------------------------------------------------------------------------

    def set_query(self, query: ListQuery) -> None:
        """A new server-side query: everything loaded so far belongs to the old one, which is
        kept aside until the new one's first page is in (the last one the server listed)."""
        if query == self.query:
            return
        if self._listed:
            self._before = _Listed(
                self.query,
                self._rows,
                self._order,
                self._unfinished,
                self._created_here,
                self.created,
                self.status_kinds,
                self.total,
                self.has_more,
            )
        self.query, self._listed = query, False
        self._rows, self._order, self._unfinished, self._created_here = {}, [], set(), set()
        self.created = CreationTimes(_creation_sign(query))
        self.status_kinds = Counter()
        self._touched.clear()
        self.generation += 1
        self.total, self.has_more = None, True

    def restore_listed(self) -> ListQuery | None:
        """Back to the last query the server listed, with its rows as they were, while the
        current one has had no page (its fetch failed): the last good data stays on screen.
        Returns that query, or None when there is nothing to go back to."""
        before = self._before
        if before is None or self._listed:
            return None
        self._before, self._listed = None, True
        self.query, self._rows, self._order = before.query, before.rows, before.order
        self._unfinished, self._created_here = before.unfinished, before.created_here
        self.created, self.status_kinds = before.created, before.status_kinds
        self.total, self.has_more = before.total, before.has_more
        self._touched.clear()
        self.generation += 1
        return self.query

    def _store(self, execution: Execution) -> None:
        old = self._rows.get(execution.execution_id)
        if old is not None:
            self._count_out(old)
        self.status_kinds[_kind(execution)] += 1
        self._rows[execution.execution_id] = execution
        self._touched.add(execution.execution_id)
        if execution.status in FINISHED_STATUSES:
            self._unfinished.discard(execution.execution_id)
        else:
            self._unfinished.add(execution.execution_id)
        created = execution.created_at
        self.created.set(execution.execution_id, None if created is None else created.timestamp())

    def _drop(self, execution_id: str) -> None:
        old = self._rows.pop(execution_id, None)
        if old is not None:
            self._count_out(old)
        self._unfinished.discard(execution_id)
        self._created_here.discard(execution_id)
        self.created.drop(execution_id)
        self._touched.add(execution_id)

    def _count_out(self, execution: Execution) -> None:
        kind = _kind(execution)
        self.status_kinds[kind] -= 1
        if self.status_kinds[kind] <= 0:
            del self.status_kinds[kind]

    def _put(self, execution: Execution, changes: Changes) -> None:
        # Runs for every row of every answer (a whole list upstream): plain lookups and
        # comparisons, no property calls, on the path of a row that did not change.
        execution_id = execution.execution_id
        old = self._rows.get(execution_id)
        finished = execution.status in FINISHED_STATUSES
        if self.statuses:
            status = self.statuses.get(execution_id)
            if (
                status is not None
                and status.status != execution.status
                and not (status.status in FINISHED_STATUSES and not finished)
            ):
                del self.statuses[execution_id]  # the row is newer than this status
                self._touched.add(execution_id)
        if old is None:
            self._store(execution)
            changes.added.append(execution_id)
            return
        if old is execution:
            return  # the client handed back the row it read last time: unchanged (RowMemo)
        if old.status in FINISHED_STATUSES and not finished:
            self.regressions += 1  # a status going backwards: keep what we saw finish
            return
        if old.dag is not None and execution.dag is None:
            execution = execution.model_copy(update={"dag": old.dag})
        if _PLAIN(old) == _PLAIN(execution) and _same_metadata(old.metadata, execution.metadata):
            # Same on screen: keep the newest answer (its untracked fields) without touching
            # the row, so nothing of it is repainted or sorted again.
            self._rows[execution_id] = execution
            return
        self._store(execution)
        fields = _diff(old, execution)
        changes.changed[execution_id] = fields
        if "status" in fields and finished:
            changes.finished.append(execution_id)

    def apply_page(self, page: ExecutionPage, offset: int) -> Changes:
        """Rows of the page at `offset`. Offset 0 is the refresh of the top of the table."""
        changes = Changes()
        self.unreadable = page.unreadable
        fresh = [e for e in page.data if e.execution_id]
        for execution in fresh:
            self._put(execution, changes)
        fresh_ids = list(dict.fromkeys(e.execution_id for e in fresh))  # once each
        self._created_here.difference_update(fresh_ids)
        if offset == 0:
            self._refresh_top(fresh, fresh_ids, changes, page)
            self._listed, self._before = True, None
        else:
            added = set(changes.added)
            self._order += [i for i in fresh_ids if i in added]
        self.total = page.pagination.total
        # A refresh of the top says nothing about pages below it that were loaded already.
        if offset > 0 or len(self._order) <= len(fresh):
            self.has_more = page.pagination.has_more
        return changes

    def _refresh_top(
        self, fresh: list[Execution], fresh_ids: list[str], changes: Changes, page: ExecutionPage
    ) -> None:
        """Put the top page's runs first and drop the loaded runs it proves gone. Only the
        part of the order this page covers is read: a poll of 100 rows costs the same with
        50,000 loaded. A page cut from a list read in part (`partial`) proves nothing gone,
        nor does it a run created here that no list has shown yet (a server may lag)."""
        seen = set(fresh_ids)
        # The page's runs that were loaded before: the covered part ends after the last.
        loaded_before = len(fresh_ids) - len(changes.added)
        far: list[str] = []  # gone, from past the covered part
        gone: list[str] = []
        if page.partial:
            covered = self._covered_end(seen, loaded_before, None)
        elif not page.pagination.has_more:  # the whole list is this page: the rest left it
            covered = len(self._order)
            gone = [i for i in self._order if i not in seen]
        else:
            span = self._covered_span(fresh)
            covered = self._covered_end(seen, loaded_before, span)
            if span is not None:
                # Runs that sorted inside the span this page covers but are absent left the
                # query (a run without a creation time proves nothing).
                low, high = span
                stamps = self.created.by_id
                gone = [
                    i
                    for i in self._order[:covered]
                    if i not in seen and low <= stamps.get(i, NaN) <= high
                ]
                in_page = sum(1 for i in seen if low <= stamps.get(i, NaN) <= high)
                if self.created.count_within(low, high) > in_page + len(gone):
                    # A run further down lies inside the span too: one out of the order by
                    # creation (kept there while no top page could prove it gone). Rare.
                    far = [i for i in self._order[covered:] if low <= stamps.get(i, NaN) <= high]
                    gone += far
        gone = [i for i in gone if i not in self._created_here]
        for execution_id in gone:
            self._drop(execution_id)
        changes.gone = gone
        dropped = set(gone)
        kept = [i for i in self._order[:covered] if i not in seen and i not in dropped]
        rest = self._order[covered:]
        if far:
            rest = [i for i in rest if i not in dropped]
        self._order = fresh_ids + kept + rest

    def _covered_end(
        self, seen: set[str], loaded_before: int, span: tuple[float, float] | None
    ) -> int:
        """Where the part of the order a top page covers ends: past every run of the page that
        was loaded before and, when the order is by creation, past the runs created within its
        span (the order is the server's, by creation: they sit together at the top)."""
        stamps = self.created.by_id
        found = 0
        for index, execution_id in enumerate(self._order):
            if execution_id in seen:
                found += 1
            elif found >= loaded_before:
                if span is None:
                    return index
                stamp = stamps.get(execution_id)
                if stamp is not None and not span[0] <= stamp <= span[1]:
                    return index
        return len(self._order)

    def _covered_span(self, fresh: list[Execution]) -> tuple[float, float] | None:
        """The creation times (POSIX seconds) a top page covers: from its oldest run up when
        newest come first (a run created since that is still in the query would be on it), or
        from its newest down when oldest come first; None when absence proves nothing."""
        sign = _creation_sign(self.query)
        if not sign:  # other sort keys move as runs progress: never infer absence from them
            return None
        values = [e.created_at.timestamp() for e in fresh if e.created_at is not None]
        if not values:
            return None
        # A run created at the very time of the page's last row may just be past its limit:
        # the span stops short of it.
        if sign < 0:  # newest first
            return math.nextafter(min(values), INF), INF
        return -INF, math.nextafter(max(values), -INF)

    def apply_execution(self, execution: Execution) -> Changes:
        changes = Changes()
        if execution.execution_id in self._rows:
            self._put(execution, changes)
        return changes

    def apply_status(self, status: Status) -> Changes:
        """A focused run's status: fold what the row shows into the row."""
        self.focused_status = status
        self.statuses[status.execution_id] = status
        self._touched.add(status.execution_id)  # its progress may sort or show differently
        row = self._rows.get(status.execution_id)
        if row is None:
            return Changes()
        update: dict[str, Any] = {"status": status.status, "status_raw": status.status_raw}
        for name in (
            "updated_at",
            "completed_at",
            "failed_at",
            "cancelled_at",
            "error",
            "metadata",
        ):
            value = getattr(status, name)
            if value is not None:
                update[name] = value
        if status.result is not None:
            update["result"] = status.result
        return self.apply_execution(row.model_copy(update=update))

    def progress(self, execution_id: str) -> float | None:
        """The percentage its last Status said, or None (unknown, never 0)."""
        status = self.statuses.get(execution_id)
        return status.progress if status else None

    def show_dag(self, execution_id: str, dag: Dag) -> None:
        self.focused_dag, self.focused_dag_id = dag, execution_id

    def dag_of(self, execution_id: str) -> Dag | None:
        return self.focused_dag if execution_id == self.focused_dag_id else None

    def add_created(self, execution: Execution) -> Changes:
        """A run the user just created: at the top, before the next list shows it."""
        changes = Changes()
        self._put(execution, changes)
        if execution.execution_id not in self._order:
            self._order.insert(0, execution.execution_id)
            self._created_here.add(execution.execution_id)
        return changes
