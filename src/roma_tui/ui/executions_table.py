"""`#executions`: the executions table, updated by difference so the cursor stays on its run.

`show()` takes the rows to display in order; it adds what is new, updates only cells that
changed (update_width=False: widening 1,000 cells costs seconds), removes what is gone, and sorts
once, all inside one batch. The cursor follows its execution's row key, not its row number.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from .cells import COLUMNS

# Above this share of rows changing membership, a clear and re-add is cheaper than diffing
# (each remove_row is O(n)).
_REBUILD_SHARE = 0.3


class ExecutionsTable(DataTable):
    DEFAULT_CSS = """
    ExecutionsTable { height: 1fr; }
    """
    # Rows, not columns: home/end (and g/G, as in less and k9s) go to the first/last run.
    BINDINGS = [
        Binding("home,g", "scroll_top", "First run", show=False),
        Binding("end,G", "scroll_bottom", "Last run (loads more)", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._order: list[str] = []

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def current_id(self) -> str | None:
        if not self._order or self.cursor_row < 0 or self.row_count == 0:
            return None
        try:
            return self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        except (RowDoesNotExist, IndexError):
            return None

    @property
    def shown_ids(self) -> list[str]:
        return list(self._order)

    def show(self, rows: Sequence[tuple[str, tuple[Text, ...]]]) -> None:
        """Display exactly `rows` (key, cells), in this order, keeping the cursor on its run."""
        keep = self.current_id
        wanted = dict(rows)
        order = [key for key, _ in rows]
        gone = [key for key in self._cells if key not in wanted]
        new = [key for key in order if key not in self._cells]
        with self.app.batch_update():
            if len(gone) + len(new) > max(20, _REBUILD_SHARE * max(len(self._cells), 1)):
                self.clear()
                self._cells.clear()
                for key in order:
                    self.add_row(*wanted[key], key=key)
                    self._cells[key] = wanted[key]
            else:
                for key in gone:
                    self.remove_row(key)
                    del self._cells[key]
                for key in order:
                    cells = wanted[key]
                    old = self._cells.get(key)
                    if old is None:
                        self.add_row(*cells, key=key)
                    else:
                        for (column, _), before, after in zip(COLUMNS, old, cells, strict=True):
                            if before != after:
                                self.update_cell(key, column, after)
                    self._cells[key] = cells
            if order != [row.key.value for row in self.ordered_rows]:
                rank = {key: index for index, key in enumerate(order)}
                self.sort("id", key=lambda cell: rank.get(str(cell), len(rank)))
            self._order = order
            self.keep_cursor_on(keep)

    def keep_cursor_on(self, key: str | None) -> None:
        if key is None or key not in self._cells:
            return
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False)

    def visible_ids(self, keys: list[str]) -> list[str]:
        """Those of `keys` whose rows are on screen now (live cells off screen can wait)."""
        top = int(self.scroll_y)
        bottom = top + self.size.height
        visible = []
        for key in keys:
            try:
                index = self.get_row_index(key)
            except RowDoesNotExist:
                continue
            if top - 1 <= index <= bottom:
                visible.append(key)
        return visible

    def update_row_cells(self, key: str, cells: tuple[Text, ...]) -> None:
        """Live cells (duration, runaway mark) of one row; nothing else moves."""
        old = self._cells.get(key)
        if old is None:
            return
        for (column, _), before, after in zip(COLUMNS, old, cells, strict=True):
            if before != after:
                self.update_cell(key, column, after)
        self._cells[key] = cells
