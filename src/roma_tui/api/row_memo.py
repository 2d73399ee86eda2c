"""Rows of a whole-list read that the client read before, kept with what they became.

The open-source server has no paging order the console can use, so every poll reads its whole
list (up to 10,000 runs) and most rows are the same as last time. Normalising and validating
a row costs ~30 us, comparing it with the same row of the last read ~4 us: an unchanged row is
handed back as the very `Execution` it became before (which the store then takes as unchanged
at a glance).
"""

from __future__ import annotations

import marshal
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from .models import Execution

Seen = dict[str, tuple[bytes, Execution]]  # id -> (the row as read, serialised; its Execution)


def _as_sent(row: dict[str, Any]) -> bytes | None:
    """The row as bytes that tell every JSON value apart (`==` does not: 1 == 1.0 == True, and
    `true` is no task count). Marshal's format 2 writes no back-references, so equal rows give
    equal bytes; it is C, 10x faster than `repr`. None: too deep to write (never reused)."""
    try:
        return marshal.dumps(row, 2)
    except ValueError:
        return None


def _validated(row: Any, normalise: Callable[[Any], Any]) -> Execution | None:
    try:
        return Execution.model_validate(normalise(row))
    except ValidationError:
        return None


class RowMemo:
    def __init__(self) -> None:
        self._last: Seen = {}  # the last whole read that ended
        self._reading: Seen = {}  # the read under way

    def start(self) -> None:
        """A whole-list read begins: what it does not send again is forgotten when it ends."""
        self._reading = {}

    def read(self, rows: list[Any], normalise: Callable[[Any], Any]) -> tuple[list[Execution], int]:
        """The rows (as the server sent them) that validate once normalised, as Executions,
        and how many did not (one bad row must not lose the others). A row the same as in the
        last read is neither normalised nor validated again."""
        kept: list[Execution] = []
        for row in rows:
            key = row.get("execution_id") if isinstance(row, dict) else None
            if not isinstance(key, str) or (sent := _as_sent(row)) is None:
                execution = _validated(row, normalise)
            else:
                seen = self._last.get(key)
                if seen is not None and seen[0] == sent:
                    execution = seen[1]
                else:
                    execution = _validated(row, normalise)
                if execution is not None:
                    self._reading[key] = (sent, execution)
            if execution is not None:
                kept.append(execution)
        return kept, len(rows) - len(kept)

    def finish(self) -> None:
        """The read ended: its rows are what the next one is compared with."""
        self._last, self._reading = self._reading, {}
