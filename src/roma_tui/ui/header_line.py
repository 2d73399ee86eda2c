"""`#header`: one line that always says where you are.

Profile and server, the runs shown of the total the server reported, the filter, the sort and
its direction, wide mode, and a READ-ONLY badge when writes are off. Server and user text are
cleaned and passed as plain `Text`, never markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widget import Widget

from ..safetext import one_line
from .cells import COLUMNS
from .modal import tcss

_LABELS = {column.key: column.label for column in COLUMNS}


@dataclass(frozen=True)
class Where:
    profile: str
    url: str
    shown: int
    loaded: int
    total: int | None  # as the server reported it for the query; None: it did not say
    has_more: bool
    filter_text: str
    sort_column: str
    sort_desc: bool
    sort_on_server: bool
    read_only: bool
    wide: bool = False
    hidden: int = 0  # columns the window (or the chooser) leaves out
    server: str | None = None  # what the server says it is, e.g. "ROMA 0.1.0" (upstream /health)
    failing: bool = False  # the last poll failed (the flash line says why)


def runs_count(where: Where) -> str:
    """ "38 of 412 runs"; when the server gave no total, what is loaded (and "+" if more)."""
    if where.total is not None:
        return f"{where.shown} of {where.total} runs"
    if where.loaded == 0 and where.has_more:  # no list has come in yet
        return "no runs loaded" if where.failing else "loading runs…"
    more = "+" if where.has_more else ""
    return f"{where.shown} of {where.loaded}{more} loaded runs"


def header_line(
    where: Where, *, palette: Mapping[str, str], ascii: bool = False, width: int | None = None
) -> Text:
    """The line; when it is wider than `width`, the server's URL and the hints give way."""
    full = _line(where, palette, ascii, compact=False)
    if width is None or full.cell_len <= width:
        return full
    return _line(where, palette, ascii, compact=True)


def _line(where: Where, palette: Mapping[str, str], ascii: bool, *, compact: bool) -> Text:
    bar = "|" if ascii else "│"
    line = Text(no_wrap=True, overflow="ellipsis")
    if where.read_only:
        line.append(" READ-ONLY ", style=f"bold reverse {palette.get('warning', 'yellow')}")
        line.append(" ")
    line.append(f" {one_line(where.profile, 20)} ", style="bold reverse")
    line.append(f" {bar} " if compact else f" {one_line(where.url, 40)} {bar} ", style="dim")
    if where.server and not compact:
        line.append(f"{one_line(where.server, 30)} {bar} ", style="dim")
    line.append(runs_count(where), style="bold")
    line.append(f" {bar} ")
    filter_text = one_line(where.filter_text, 60).strip()
    if filter_text:
        line.append("filter ", style="dim")
        line.append(filter_text, style="bold")
    else:
        line.append("no filter", style="dim")
    line.append(f" {bar} ")
    arrow = ("v" if where.sort_desc else "^") if ascii else ("▼" if where.sort_desc else "▲")
    line.append("sort ", style="dim")
    line.append(f"{_LABELS.get(where.sort_column, where.sort_column)} {arrow}", style="bold")
    line.append(" (server)" if where.sort_on_server and not compact else "", style="dim")
    if where.wide:
        line.append(f" {bar} ")
        line.append("WIDE", style="bold")
        line.append("" if compact else " (w: fit)", style="dim")
    elif where.hidden:
        line.append(f" {bar} ")
        line.append(f"+{where.hidden} cols" if compact else f"{where.hidden} columns hidden")
        line.append(" (w)" if compact else " (w: wide)", style="dim")
    return line


class HeaderLine(Widget):
    """One line, repainted only when what it says changes; laid out for the width it has."""

    DEFAULT_CSS = tcss("header_line.tcss")

    def __init__(self, *, ascii: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ascii = ascii
        self._where: Where | None = None
        self._palette: Mapping[str, str] = {}

    def update(self, where: Where, palette: Mapping[str, str]) -> None:
        if (where, dict(palette)) != (self._where, self._palette):
            self._where, self._palette = where, dict(palette)
            self.refresh()

    @property
    def text(self) -> str:
        return self.line().plain

    def line(self) -> Text:
        if self._where is None:
            return Text()
        width = self.size.width or None
        return header_line(self._where, palette=self._palette, ascii=self.ascii, width=width)

    def render(self) -> Text:
        return self.line()
