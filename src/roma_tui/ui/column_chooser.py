"""The column chooser: which of the table's optional columns are shown.

Space ticks or unticks a column, enter keeps the choice (the screen remembers it in the
profile's `hidden_columns`), esc leaves everything as it was.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import SelectionList, Static

from .cells import COLUMNS, OPTIONAL
from .modal import RomaModal, tcss

_LABELS = {column.key: column.label for column in COLUMNS}


class ColumnChooser(RomaModal[tuple[str, ...] | None]):
    DEFAULT_CSS = tcss("column_chooser.tcss")
    BINDINGS = [
        # Priority: the list would take enter as "tick this one".
        Binding("enter", "keep", "Keep these columns", priority=True, id="columns.keep"),
        Binding("escape", "close", "Close, change nothing", id="columns.close"),
    ]

    def __init__(self, shown: tuple[str, ...]) -> None:
        super().__init__()
        self.shown = shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Columns", classes="title")
            yield SelectionList[str](
                *[(_LABELS[key], key, key in self.shown) for key in OPTIONAL],
                id="columns",
            )
            yield Static(
                "space: show/hide · enter: keep (remembered for this profile) · esc: close. "
                "ID and Status always show; w shows every column.",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#columns", SelectionList).focus()

    def action_keep(self) -> None:
        chosen = set(self.query_one("#columns", SelectionList).selected)
        self.dismiss(tuple(key for key in OPTIONAL if key in chosen))

    def action_close(self) -> None:
        self.dismiss(None)
