"""The rows the executions table shows: the store's runs filtered and sorted, kept up to date at
the cost of what changed, not of what is loaded (the table may hold 50,000 runs).

The store says which ids were touched since the last look. Sort keys are cached per id; only
touched rows, and rows not finished (a duration grows with the clock), get new ones, and only
those whose key changed move: a few by bisection, many by one merge with the others (two sorted
runs: Timsort merges them in one pass). The filter runs again on every refresh, since it may
depend on the clock, marks or watches, but term by term over plain values, with each run's
lowercased text kept per id.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..api import Execution
from .query import MatchContext, ParsedFilter, run_text
from .store import ExecutionStore

# column -> ((execution, its progress, now) -> a key); missing values never meet present ones.
SortKeys = Callable[[str], Callable[[Execution, float | None, datetime], tuple[Any, ...]]]
Key = tuple[tuple[Any, ...], float, str]  # (the column's key, created for ties, id)
MERGE_ABOVE = 500  # moved rows above which one merge beats a bisection each


@dataclass(frozen=True)
class Shown:
    ids: list[str]  # the runs to show, in order
    # Their rows; None when every loaded run is shown (nothing filtered): the store has them,
    # and a refresh need not read 50,000 of them.
    rows: list[Execution] | None
    tokens_unknown: int = 0  # runs a `tokens>` term left out: the server did not say


class TableRows:
    def __init__(
        self, store: ExecutionStore, sort_key: SortKeys, server_sorted: Collection[str]
    ) -> None:
        self.store = store
        self.sort_key = sort_key
        self.server_sorted = server_sorted  # columns the server sorts: the store's order is it
        self._generation: int | None = None  # the store's, when the caches were last right
        self._sorted_by: tuple[str, bool] | None = None  # what `_ascending` and `_keys` are for
        self._keys: dict[str, Key] = {}
        self._ascending: list[str] = []  # by key, ascending (read backwards when descending)
        self._texts: dict[str, str] = {}  # id -> lowercased text, kept as rows change

    def rows(self, parsed: ParsedFilter, context: MatchContext, column: str, desc: bool) -> Shown:
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
                texts[execution_id] = run_text(row)
        if column in self.server_sorted:
            self._sorted_by = None  # touched rows are not followed while the server sorts
            order: list[str] = store.order
        else:
            order = self._client_sorted(column, desc, touched, context.now)
        if not parsed.client_side:
            return Shown(list(order), None)
        # Words only a run's text can match narrow the ids first: most rows are never read.
        order, rest = parsed.narrow_by_text(order, texts)
        found = rest.apply(store.rows(order), context, texts)
        return Shown([e.execution_id for e in found.rows], found.rows, found.tokens_unknown)

    def _client_sorted(
        self, column: str, desc: bool, touched: set[str], now: datetime
    ) -> list[str]:
        store = self.store
        keys = self._keys
        if self._sorted_by != (column, desc):
            self._sorted_by = (column, desc)
            keys.clear()
            keys.update(self._keys_of(store.rows(), column, desc, now))
            self._ascending = sorted(keys, key=keys.__getitem__)
        else:
            present = [i for i in touched | store.running_set() if i in store]
            fresh = dict(self._keys_of(store.rows(present), column, desc, now))
            moves = [
                (i, keys.get(i), fresh.get(i))
                for i in touched | fresh.keys()
                if keys.get(i) != fresh.get(i)
            ]
            if len(moves) > MERGE_ABOVE:
                self._merge(moves)
            elif moves:
                self._insert(moves)
        return self._ascending[::-1] if desc else self._ascending

    def _insert(self, moves: list[tuple[str, Key | None, Key | None]]) -> None:
        """A few rows moved: each is taken out and put back by bisection (O(log n) compares
        and one memmove in C each)."""
        ascending, keys = self._ascending, self._keys
        for _, old, _ in moves:
            if old is not None:
                del ascending[bisect_left(ascending, old, key=keys.__getitem__)]
        for execution_id, _, new in moves:
            if new is None:
                del keys[execution_id]
            else:
                keys[execution_id] = new
        for execution_id, _, new in moves:
            if new is not None:
                insort(ascending, execution_id, key=keys.__getitem__)

    def _merge(self, moves: list[tuple[str, Key | None, Key | None]]) -> None:
        """Many rows moved: the others keep their order and the moved ones, sorted, are merged
        in (two sorted runs: Timsort merges them in one pass)."""
        keys = self._keys
        moved = {execution_id for execution_id, _, _ in moves}
        kept = [i for i in self._ascending if i not in moved]
        back = []
        for execution_id, _, new in moves:
            if new is None:
                del keys[execution_id]
            else:
                keys[execution_id] = new
                back.append(execution_id)
        back.sort(key=keys.__getitem__)
        kept += back
        kept.sort(key=keys.__getitem__)
        self._ascending = kept

    def _keys_of(
        self, rows: list[Execution], column: str, desc: bool, now: datetime
    ) -> Iterator[tuple[str, Key]]:
        """Each row's key: the column's value, then newest first among equals (in either
        direction: the list is read backwards for descending), then the id."""
        value = self.sort_key(column)
        statuses, stamps = self.store.statuses, self.store.created.by_id
        sign = 1.0 if desc else -1.0
        for row in rows:
            status = statuses.get(row.execution_id)
            yield (
                row.execution_id,
                (
                    value(row, status.progress if status is not None else None, now),
                    sign * stamps.get(row.execution_id, 0.0),
                    row.execution_id,
                ),
            )
