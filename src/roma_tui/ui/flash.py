"""`#flash`: one line for the latest problem, k9s-style, instead of a pile of toasts.

The same message again only raises its count ("×12"), so a failure that repeats is said once.
Server text is passed as plain `Text` (never markup) and kept to one line.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from ..safetext import one_line
from .modal import tcss


class FlashLine(Static):
    DEFAULT_CSS = tcss("flash.tcss")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.message: str | None = None
        self.count = 0
        self.style_name = "error"

    def say(self, message: str, *, style: str = "red") -> None:
        if message == self.message:
            self.count += 1
        else:
            self.message, self.count = message, 1
        self.style_name = style
        self._paint()

    def clear(self) -> None:
        if self.message is not None:
            self.message, self.count = None, 0
            self.remove_class("-shown")
            self.update("")

    def _paint(self) -> None:
        line = Text()
        line.append("✖ ", style=f"bold {self.style_name}")
        if self.count > 1:
            line.append(f"×{self.count} ", style="bold")
        line.append(one_line(self.message or "", 2000))
        self.add_class("-shown")
        self.update(line)
