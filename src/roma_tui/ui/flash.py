"""`#flash`: the one line for errors and notices, k9s-style, instead of a pile of toasts.

The same message again only raises its count ("×12"), so a failure that repeats is said once.
Errors stay until the next good answer clears them; notices and warnings fade after a few
seconds. Server text is passed as plain `Text` (never markup) and kept to one line.
"""

from __future__ import annotations

from typing import Any, Literal

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from ..safetext import one_line
from .modal import tcss

Kind = Literal["error", "warning", "notice"]
_GLYPHS = {"error": ("✖", "x"), "warning": ("⚠", "!"), "notice": ("ℹ", "i")}
NOTICE_SECONDS = 6.0  # a notice is read in this time; an error stays until it is over


class FlashLine(Static):
    DEFAULT_CSS = tcss("flash.tcss")

    def __init__(self, *, ascii: bool = False, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.ascii = ascii
        self.message: str | None = None
        self.count = 0
        self.kind: Kind = "error"
        self.style_name = "red"
        self._fade: Timer | None = None

    @property
    def text(self) -> str:
        """What the line says now ("" when it is hidden)."""
        return self.render_line_text().plain if self.message is not None else ""

    def say(
        self, message: str, *, style: str = "red", kind: Kind = "error", stays: bool = False
    ) -> None:
        """Show `message`; a notice or warning fades unless it `stays` (until the next one)."""
        if message == self.message and kind == self.kind:
            self.count += 1
        else:
            self.message, self.count = message, 1
        self.kind, self.style_name = kind, style
        if self._fade is not None:
            self._fade.stop()
            self._fade = None
        if kind != "error" and not stays:
            self._fade = self.set_timer(NOTICE_SECONDS, self.clear)
        self._paint()

    def clear(self, *, only: Kind | None = None) -> None:
        """Hide the line (`only="error"`: only if what it says is an error)."""
        if self.message is None or (only is not None and self.kind != only):
            return
        self.message, self.count = None, 0
        self.remove_class("-shown")
        self.update("")

    def render_line_text(self) -> Text:
        line = Text()
        glyph = _GLYPHS[self.kind][1 if self.ascii else 0]
        line.append(f"{glyph} ", style=f"bold {self.style_name}")
        if self.count > 1:
            line.append(f"×{self.count} " if not self.ascii else f"x{self.count} ", style="bold")
        line.append(one_line(self.message or "", 2000))
        return line

    def _paint(self) -> None:
        self.add_class("-shown")
        self.update(self.render_line_text())
