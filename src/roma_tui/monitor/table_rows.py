"""The rows the executions table shows: the store's runs filtered and sorted, kept up to date at
the cost of what changed, not of what is loaded (the table may hold 50,000 runs).

The store says which ids were touched since the last look. Sort keys are cached per id; only
touched rows, and rows not finished (a duration grows with the clock), get new ones, and they are
merged back into the sorted order of the others (two sorted runs: Timsort merges them in one
pass). The filter runs again on every refresh, since it may depend on the clock, marks or
watches, but term by term over plain values, with each run's lowercased text kept per id.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from ..api import Execution
from .query import FilterMatch, MatchContext, ParsedFilter, haystack
from .store import ExecutionStore

# column -> ((execution, its progress, now) -> a key); missing values never meet present ones.
SortKeys = Callable[[str], Callable[[Execution, float | None, datetime], tuple[Any, ...]]]


class TableRows:
    def __init__(
        self, store: ExecutionStore, sort_key: SortKeys, server_sorted: Collection[str]
    ) -> None:
        self.store = store
        self.sort_key = sort_key
        self.server_sorted = server_sorted  # columns the server sorts: the store's order is it
        self._generation: int | None = None  # the store's, when the caches were last right
        self._sorted_by: tuple[str, bool] | None = None  # what `_sorted` and `_keys` are for
        self._keys: dict[str, tuple[Any, ...]] = {}
        self._sorted: list[str] = []
        self._texts: dict[str, str] = {}  # id -> lowercased text, kept as rows change

    def rows(
        self, parsed: ParsedFilter, context: MatchContext, column: str, desc: bool
    ) -> FilterMatch:
        """The runs to show, in the order to show them."""
        store = self.store
        touched = store.take_touched()
        texts = self._texts
        if store.generation != self._generation:  # new here, or a new query: start over
            self._generation = store.generation
            self._sorted_by = None
            texts.clear()
            touched = set(store.order)
        for execution_id in touched:
            row = store.get(execution_id)
            if row is None:
                texts.pop(execution_id, None)
            else:
                texts[execution_id] = _text(row)
        if column in self.server_sorted:
            self._sorted_by = None  # touched rows are not followed while the server sorts
            order: list[str] = store.order
        else:
            order = self._client_sorted(column, desc, touched, context.now)
        return parsed.apply(store.rows(order), context, texts)

    def _client_sorted(
        self, column: str, desc: bool, touched: set[str], now: datetime
    ) -> list[str]:
        store = self.store
        keys = self._keys
        if self._sorted_by != (column, desc):
            self._sorted_by = (column, desc)
            keys.clear()
            self._add_keys(store.rows(), column, desc, now)
            self._sorted = sorted(keys, key=keys.__getitem__, reverse=desc)
            return self._sorted
        dirty = touched | store.running_set()
        if not dirty:
            return self._sorted
        kept = [i for i in self._sorted if i not in dirty]
        for execution_id in dirty:
            keys.pop(execution_id, None)
        moved = store.rows([i for i in dirty if i in store])
        self._add_keys(moved, column, desc, now)
        ids = [e.execution_id for e in moved]
        ids.sort(key=keys.__getitem__, reverse=desc)
        kept += ids
        kept.sort(key=keys.__getitem__, reverse=desc)  # two sorted runs: merged in one pass
        self._sorted = kept
        return kept

    def _add_keys(self, rows: list[Execution], column: str, desc: bool, now: datetime) -> None:
        """Each row's key: the column's value, then newest first among equals (in either
        direction), then the id."""
        value = self.sort_key(column)
        statuses, stamps = self.store.statuses, self.store.created_stamps
        sign = 1.0 if desc else -1.0
        keys = self._keys
        for row in rows:
            status = statuses.get(row.execution_id)
            keys[row.execution_id] = (
                value(row, status.progress if status is not None else None, now),
                sign * stamps.get(row.execution_id, 0.0),
                row.execution_id,
            )


def _text(row: Execution) -> str:
    return haystack(row.execution_id, row.initial_goal, row.config_profile)
