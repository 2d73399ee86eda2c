"""Rows of a whole-list read that the client read before, kept with what they became.

The open-source server has no paging order the console can use, so every poll reads its whole
list (up to 10,000 runs) and most rows are the same as last time. Normalising and validating
a row costs ~30 us, comparing it with the same row of the last read ~3 us: an unchanged row
is handed back as the very `Execution` it became before (which the store then takes as
unchanged at a glance). Rows are compared by their `repr`, not `==`: in Python 1 == 1.0 ==
True, in an answer they are three values (`true` is no task count, `1.0` shows as 1.0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from .models import Execution

Seen = dict[str, tuple[str, Execution]]  # id -> (the row as read, as its repr; its Execution)


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
            # Compared by repr: it tells every JSON value apart (== does not: 1 == 1.0 == True).
            text = repr(row) if isinstance(key, str) else ""
            seen = self._last.get(key) if isinstance(key, str) else None
            if seen is not None and seen[0] == text:
                execution = seen[1]
            else:
                try:
                    execution = Execution.model_validate(normalise(row))
                except ValidationError:
                    continue
            if isinstance(key, str):
                self._reading[key] = (text, execution)
            kept.append(execution)
        return kept, len(rows) - len(kept)

    def finish(self) -> None:
        """The read ended: its rows are what the next one is compared with."""
        self._last, self._reading = self._reading, {}
