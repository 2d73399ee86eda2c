"""`L`: the local log of cancels and creates this machine sent."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ..monitor.action_log import LoggedAction
from ..safetext import one_line
from .modal import RomaModal, tcss


class ActionLogScreen(RomaModal[None]):
    DEFAULT_CSS = tcss("action_log_screen.tcss")
    BINDINGS = [Binding("escape,q", "close", "Close", id="action_log.close")]

    def __init__(self, entries: list[LoggedAction], path: str) -> None:
        super().__init__()
        self.entries, self.path = entries, path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                f" Actions sent from this machine ({self.path}) · esc closes", markup=False
            )
            table: DataTable = DataTable(cursor_type="row", id="action-log")
            table.add_columns(
                "When (UTC)", "Action", "Execution", "Outcome", "Request ID", "Message"
            )
            for entry in reversed(self.entries):
                cells = (
                    entry.at,
                    entry.action,
                    entry.execution_id,
                    entry.outcome,
                    entry.request_id or "-",
                    one_line(entry.message or "", 60),
                )
                table.add_row(*(Text(c) for c in cells))  # Text: never parsed as markup
            yield table

    def action_close(self) -> None:
        self.dismiss(None)
