"""`#executions`: the executions table, painted a line at a time (Textual's line API).

Textual's DataTable costs ~0.15 ms per row added and O(n) per row removed; measured here, a
filter keystroke over 10,000 loaded runs took 0.45 s and a client-side sort 2.5 s. This table
keeps only the order of row keys: cells are built at paint time for the rows on screen, so
showing, filtering and sorting cost what sorting a list of keys costs, and live cells (durations)
are always current. The cursor follows its run's key, never a row number.

Only what changed is painted: a cursor move that does not scroll repaints its two lines, a
refresh that leaves the same runs on screen repaints the lines whose run changed, and a painted
line is kept per run and row style while the run's `signature` (what its cells are made of, the
clock included) is the same (building one line of cells costs ~1 ms).

Columns fit the window (`cells.fit_columns`): the goal takes the room that is left. Wide mode
shows every column at full width and scrolls sideways a page at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .cells import COLUMN_KEYS, COLUMNS, OPTIONAL, Column, fit_columns
from .modal import tcss

GAP = 1  # a space before each cell
_INDEX = {key: i for i, key in enumerate(COLUMN_KEYS)}


class ExecutionsTable(ScrollView, can_focus=True):
    DEFAULT_CSS = tcss("executions_table.tcss")
    COMPONENT_CLASSES = {"executions--header", "executions--cursor", "executions--odd"}
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "to_end(-1)", "First run", show=False, id="table.first"),
        Binding("end,G", "to_end(1)", "Last run (loads more)", show=False, id="table.last"),
        Binding("enter", "select", "Whole result", show=False, id="table.select"),
        Binding("left,h", "page_x(-1)", "Scroll left a page", show=False, id="table.left"),
        Binding("right,l", "page_x(1)", "Scroll right a page", show=False, id="table.right"),
    ]

    class Highlighted(Message):
        """The cursor is on another run (or the same run at another row)."""

        def __init__(self, key: str | None, row: int) -> None:
            super().__init__()
            self.key, self.row = key, row

    class Selected(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class HeaderClicked(Message):
        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(
        self,
        cells: Callable[[str], tuple[Text, ...]],
        *,
        signature: Callable[[str], object] = lambda _key: None,
        ascii: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cells = cells  # key -> the row's cells, asked only for rows on screen
        self.signature = signature  # key -> what its cells depend on (None: always paint)
        self.ascii = ascii
        self._order: list[str] = []
        # Painted lines per (run, row style), with the signature they were painted at; emptied
        # when the columns change.
        self._painted: dict[tuple[str, Style], tuple[object, Strip]] = {}
        self.cursor_row = 0
        # What the columns are fitted from (the screen sets them; `fit` applies them).
        self.chosen: tuple[str, ...] = OPTIONAL
        self.wide = False
        self.sort: tuple[str, bool] = ("created", True)  # (column, descending)
        self.status_width = len("Status")
        self.goal_width = 50
        self.fitted: tuple[tuple[Column, int], ...] = ()
        self._line_width = 0

    # -- reading -------------------------------------------------------------------------------

    @property
    def shown_ids(self) -> list[str]:
        return list(self._order)

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def current_id(self) -> str | None:
        if 0 <= self.cursor_row < len(self._order):
            return self._order[self.cursor_row]
        return None

    @property
    def rows_on_screen(self) -> int:
        """Rows that fit under the header, above a horizontal scrollbar if one is shown."""
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def columns_on_screen(self) -> list[str]:
        return [column.key for column, _ in self.fitted]

    def visible_ids(self) -> list[str]:
        top = int(self.scroll_y)
        return self._order[top : top + self.rows_on_screen]

    def refresh_ids(self, keys: list[str]) -> None:
        """Repaint just these rows' lines (when they are on screen)."""
        wanted = set(keys)
        width = self.size.width
        for y, key in enumerate(self.visible_ids(), start=1):
            if key in wanted:
                self.refresh(Region(0, y, width, 1))

    # -- writing -------------------------------------------------------------------------------

    def fit(self) -> None:
        """Lay the columns out again for the window's width (and the settings above)."""
        self._fit()
        self.refresh()

    def _fit(self) -> bool:
        """Fit the columns; True when they changed (then every line must be painted again)."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return False
        fitted = fit_columns(
            self.chosen,
            width,
            status_width=self.status_width,
            goal_width=self.goal_width,
            wide=self.wide,
            sort_key=self.sort[0],
        )
        changed = fitted != self.fitted
        if changed:
            self.fitted = fitted
            self._painted.clear()
        self._line_width = sum(w + GAP for _, w in self.fitted)
        self.virtual_size = Size(self._line_width, len(self._order) + 1)
        if not self.wide:
            self.scroll_to(x=0, animate=False, force=True)
        return changed

    def show(self, keys: list[str]) -> None:
        """Display these runs, in this order; the cursor stays on its run if it is still here.
        The table keeps `keys` (no copy): the caller hands over a list of its own.

        When the window shows the same runs with the cursor on the same line (a poll that
        changed rows elsewhere), only the lines whose runs changed are painted again.
        """
        keep = self.current_id
        before = (self.visible_ids(), self.cursor_row, int(self.scroll_y))
        self._order = keys
        relaid = self._fit()
        row = self._row_of(keep)
        if row is not None:
            self._move(row, announce=False, repaint=False)
        else:
            last = max(0, len(self._order) - 1)
            self._move(min(self.cursor_row, last), announce=True, repaint=False)
        if relaid or before != (self.visible_ids(), self.cursor_row, int(self.scroll_y)):
            self.refresh()
        else:
            self._repaint_changed()

    def _repaint_changed(self) -> None:
        """The header (its sort arrow) and the lines on screen whose run's signature moved on."""
        width = self.size.width
        self.refresh(Region(0, 0, width, 1))
        top = int(self.scroll_y)
        for y, key in enumerate(self.visible_ids(), start=1):
            if self._kept(key, self._row_style(top + y - 1), self.signature(key)) is None:
                self.refresh(Region(0, y, width, 1))

    def _repaint_row(self, row: int) -> None:
        top = int(self.scroll_y)
        if 0 <= row - top < self.rows_on_screen:
            self.refresh(Region(0, row - top + 1, self.size.width, 1))

    def keep_cursor_on(self, key: str | None) -> None:
        row = self._row_of(key)
        if row is not None:
            self._move(row, announce=True)

    def _row_of(self, key: str | None) -> int | None:
        """The row of a run: one scan in C (50,000 rows: ~0.3 ms), where keeping an index
        would cost a dict of every row after each refresh."""
        if key is None:
            return None
        try:
            return self._order.index(key)
        except ValueError:
            return None

    def move_cursor(self, *, row: int) -> None:
        self._move(row, announce=True)

    def _move(self, row: int, *, announce: bool, repaint: bool = True) -> None:
        row = max(0, min(row, len(self._order) - 1)) if self._order else 0
        old, top = self.cursor_row, int(self.scroll_y)
        changed = row != old
        self.cursor_row = row
        self._scroll_to_cursor()
        # Again once the layout is done: a horizontal scrollbar that appears with new rows
        # takes a line, and the cursor row must not end up under it.
        self.call_after_refresh(self._scroll_to_cursor)
        if repaint:
            if int(self.scroll_y) == top:  # no scroll: two lines change, the cursor's
                self._repaint_row(old)
                self._repaint_row(row)
            else:
                self.refresh()
        if announce or changed:
            self.post_message(self.Highlighted(self.current_id, row))

    def on_resize(self) -> None:
        self.fit()
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        visible = self.rows_on_screen
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, force=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, force=True)

    # -- keys and mouse ------------------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self._move(self.cursor_row + step, announce=False)

    def action_page(self, step: int) -> None:
        self._move(self.cursor_row + step * max(1, self.rows_on_screen - 1), announce=False)

    def action_page_x(self, step: int) -> None:
        """Sideways by a page (less a few cells, so the eye keeps its place)."""
        page = max(1, self.scrollable_content_region.width - 4)
        self.scroll_to(x=max(0, int(self.scroll_x) + step * page), animate=False, force=True)

    def action_to_end(self, step: int) -> None:
        self._move(0 if step < 0 else len(self._order) - 1, announce=False)

    def action_select(self) -> None:
        if self.current_id is not None:
            self.post_message(self.Selected(self.current_id))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x + int(self.scroll_x)
            for column, width in self.fitted:
                x -= width + GAP
                if x < 0:
                    self.post_message(self.HeaderClicked(column.key))
                    return
            return
        row = int(self.scroll_y) + event.y - 1
        if 0 <= row < len(self._order):
            if row == self.cursor_row and event.chain > 1:
                self.action_select()
            self._move(row, announce=False)

    # -- painting ------------------------------------------------------------------------------

    def header_cells(self) -> tuple[Text, ...]:
        """Labels; the sorted column's carries ▼/▲ (v/^ in ASCII)."""
        key, desc = self.sort
        arrows = ("v", "^") if self.ascii else ("▼", "▲")
        cells = []
        for column in COLUMNS:
            label = column.label
            if column.key == key:
                label += " " + (arrows[0] if desc else arrows[1])
            cells.append(Text(label))
        return tuple(cells)

    def _line(self, cells: tuple[Text, ...], style: Style) -> Strip:
        line = Text(style=style, no_wrap=True, end="")
        for column, width in self.fitted:
            piece = cells[_INDEX[column.key]].copy()
            piece.truncate(width, overflow="ellipsis", pad=True)
            line.append(" " * GAP)
            line.append_text(piece)
        # Every segment gets a style: Textual's NO_COLOR filter fails on a segment without one.
        blank = Style()
        return Strip(
            [
                Segment(text, seg_style or blank)
                for text, seg_style, _ in line.render(self.app.console, end="")
            ]
        )

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        if y == 0:
            style = self.get_component_rich_style("executions--header")
            cells = self.header_cells()
        else:
            row = int(self.scroll_y) + y - 1
            if row >= len(self._order):
                return Strip.blank(width, self.rich_style)
            style = self._row_style(row)
            strip = self._row_line(self._order[row], style)
            return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, style)
        strip = self._line(cells, style)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, style)

    def _row_style(self, row: int) -> Style:
        if row == self.cursor_row:
            return self.get_component_rich_style("executions--cursor")
        if row % 2:
            return self.get_component_rich_style("executions--odd")
        return self.rich_style

    def _kept(self, key: str, style: Style, signature: object) -> Strip | None:
        """The line painted for this run in this style, if what its cells are made of is the
        same (a None signature is never the same: always paint)."""
        kept = self._painted.get((key, style))
        if kept is None or signature is None or kept[0] != signature:
            return None
        return kept[1]

    def _row_line(self, key: str, style: Style) -> Strip:
        signature = self.signature(key)
        strip = self._kept(key, style, signature)
        if strip is not None:
            return strip
        strip = self._line(self.cells(key), style)
        if len(self._painted) > 1_000:  # a few windows' worth; old rows are not coming back
            self._painted.clear()
        self._painted[(key, style)] = (signature, strip)
        return strip
