"""`TextLines`: a long text, wrapped to the width and painted a line at a time, with find.

Only the rows on screen are ever turned into styled text, so a 5 MB answer scrolls like a short
one: wrapping keeps (line, start, end) per row, not copies of the text. The text is cleaned once
(`safetext.clean`) and shown as plain `Text`: never parsed as markup, no escape reaches the
terminal. Matches of a find are highlighted where they show, the current one more strongly.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from rich.cells import chop_cells
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..safetext import clean

MIN_WIDTH = 8


def inert(text: str) -> str:
    """`clean(text)`, skipped when nothing in it needs cleaning: a printable text has no
    control, escape or bidi character, and the check is ~15x faster on megabytes."""
    if text.replace("\n", "").replace("\t", "").isprintable():
        return text
    return clean(text)


class TextLines(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    TextLines { height: 1fr; overflow-y: scroll; overflow-x: hidden; background: $surface; }
    """
    COMPONENT_CLASSES = {"text-lines--match", "text-lines--current"}

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lines = inert(text).expandtabs(4).split("\n")
        self.rows: list[tuple[int, int, int]] = []  # (line, start, end) of each screen row
        self._first_row: list[int] = []  # the first row of each line
        self._width = 0
        self.needle = ""
        self.matches: list[tuple[int, int]] = []  # (line, start) of each match, in order
        self.current = -1  # index in `matches` of the match shown, -1 for none
        self._by_line: dict[int, list[int]] = {}  # line -> indexes in `matches`
        self._lowered: list[str] | None = None  # for case-insensitive finds, made on first use
        self._base = Style()
        self._match_styles = (Style(reverse=True), Style(reverse=True, bold=True))

    # -- wrapping ------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.wrap(self.scrollable_content_region.width)

    def wrap(self, width: int) -> None:
        width = max(width, MIN_WIDTH)
        if width == self._width:
            return
        top = self.top()
        self._width = width
        rows: list[tuple[int, int, int]] = []
        first: list[int] = []
        for index, line in enumerate(self.lines):
            first.append(len(rows))
            # A character takes at most two cells: a line of half the width always fits.
            if 2 * len(line) <= width or (len(line) <= width and line.isascii()):
                rows.append((index, 0, len(line)))
            elif line.isascii():
                rows.extend(
                    (index, s, min(s + width, len(line))) for s in range(0, len(line), width)
                )
            else:  # wide characters take two cells: cut by cells, not characters
                start = 0
                for chunk in chop_cells(line, width) or [""]:
                    rows.append((index, start, start + len(chunk)))
                    start += len(chunk)
        self.rows, self._first_row = rows, first
        self.virtual_size = Size(width, len(rows))
        self.scroll_to(y=self.row_of(*top), animate=False, immediate=True)
        self.refresh()

    def top(self) -> tuple[int, int]:
        """(line, column) at the top of the view."""
        if not self.rows:
            return (0, 0)
        line, start, _ = self.rows[min(self.scroll_offset.y, len(self.rows) - 1)]
        return (line, start)

    def row_of(self, line: int, column: int) -> int:
        """The screen row showing `column` of `line`."""
        if not self._first_row:
            return 0
        first = self._first_row[line]
        last = self._first_row[line + 1] if line + 1 < len(self._first_row) else len(self.rows)
        starts = [self.rows[r][1] for r in range(first, last)]
        return first + max(0, bisect_right(starts, column) - 1)

    # -- painting ------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles are worked out once per paint, not once per row (each walks the DOM).
        self._base = self.rich_style
        self._match_styles = (self._style(current=False), self._style(current=True))
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self._base
        if index >= len(self.rows):
            return Strip.blank(width, base)
        line, start, end = self.rows[index]
        text = Text(self.lines[line][start:end], style=base, no_wrap=True, end="")
        for found in self._by_line.get(line, ()):
            m_start = self.matches[found][1]
            m_end = m_start + len(self.needle)
            if m_end > start and m_start < end:
                text.stylize(
                    self._match_styles[found == self.current],
                    max(m_start, start) - start,
                    min(m_end, end) - start,
                )
        strip = Strip(text.render(self.app.console), text.cell_len)
        return strip.crop_extend(0, width, base)

    def _style(self, *, current: bool) -> Style:
        name = "text-lines--current" if current else "text-lines--match"
        style = self.get_component_rich_style(name, partial=True)
        # Without a theme rule the highlight must still show: reverse video, bold when current.
        return style if style else Style(reverse=True, bold=current, underline=current)

    # -- find ----------------------------------------------------------------------------------

    def find(self, needle: str) -> int:
        """Every place `needle` occurs (ignoring case); shows the first at or below the top.
        Returns how many there are."""
        self.needle = needle
        self.matches, self._by_line, self.current = [], {}, -1
        if needle:
            if self._lowered is None:
                # A line whose lower case changes its length (rare letters) is searched as is:
                # the offsets must stay those of the text shown.
                self._lowered = [
                    low if len(low := line.lower()) == len(line) else line for line in self.lines
                ]
            wanted = needle.lower()
            for line, lowered in enumerate(self._lowered):
                at = lowered.find(wanted)
                while at != -1:
                    self._by_line.setdefault(line, []).append(len(self.matches))
                    self.matches.append((line, at))
                    at = lowered.find(wanted, at + len(wanted))
        if self.matches:
            top = self.top()
            after = [i for i, m in enumerate(self.matches) if m >= top]
            self.show_match(after[0] if after else 0)
        self.refresh()
        return len(self.matches)

    def step(self, delta: int) -> None:
        """The next (1) or previous (-1) match, round the end."""
        if self.matches:
            self.show_match((self.current + delta) % len(self.matches))

    def show_match(self, index: int) -> None:
        self.current = index
        line, column = self.matches[index]
        row = self.row_of(line, column)
        height = self.scrollable_content_region.height
        if not self.scroll_offset.y <= row < self.scroll_offset.y + height:
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True)
        self.refresh()
