"""`#filter`: the filter line, with a history (up/down) and the grammar's completion (dimmed).

The history is walked like a shell's: up goes back, down comes forward to what was being
typed. The box's lower border says, dimmed, what the filter leaves out (terms still being
typed, runs whose tokens are unknown); problems are said aloud only on enter.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.suggester import Suggester
from textual.widgets import Input

from ..monitor.query import complete_last_term
from ..safetext import one_line

HISTORY_SIZE = 50


class HistoryInput(Input):
    """An Input that remembers what was entered; the screen's up/down keys walk it."""

    def __init__(self, history: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = list(history or [])[-HISTORY_SIZE:]
        self._back = 0  # how many entries back the box shows; 0: what is being typed
        self._typed = ""

    def remember(self, text: str) -> None:
        text = text.strip()
        if text:
            if text in self.history:
                self.history.remove(text)
            self.history = [*self.history, text][-HISTORY_SIZE:]
        self._back = 0

    def walk(self, step: int) -> None:
        """step -1: one older entry; +1: one newer (back to what was being typed)."""
        back = min(max(self._back - step, 0), len(self.history))
        if back == self._back:
            return
        if self._back == 0:
            self._typed = self.value
        self._back = back
        self.value = self.history[-back] if back else self._typed
        self.cursor_position = len(self.value)


class FilterSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_last_term(value)


class FilterBox(HistoryInput):
    def __init__(self, history: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(history, suggester=FilterSuggester(), **kwargs)

    def hint(self, text: str) -> None:
        """Dimmed, on the box's lower border: what the filter is not (yet) applying."""
        # Plain text (what the user typed is never markup), one line.
        self.border_subtitle = Content(one_line(text, 200)).stylize("dim") if text else None
