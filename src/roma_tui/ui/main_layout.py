"""The main screen's layout and state at a glance (a mixin of MainScreen): the header line,
the columns (chooser, wide mode), the status pane's size, and keys read-only mode refuses.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from ..settings import ConfigError, set_preference
from .cells import COLUMNS, OPTIONAL, SERVER_SORT
from .header_line import HeaderLine, Where
from .main_base import MainBase
from .status_pane import StatusPane

# Actions read-only mode refuses, and what each would have done (said when its key is pressed).
WRITES = {"cancel": "cancel", "cancel_marked": "cancel", "new": "create"}
PANE_MIN = 3  # rows the status pane keeps when shrunk from the keyboard


class MainLayout(MainBase):
    """Mixed into MainScreen (see MainBase for what it provides)."""

    def render_header(self) -> None:
        store = self.session.store
        connection = self.session.connection
        where = Where(
            profile=connection.profile.name,
            url=connection.base_url,
            shown=self.table.row_count,
            loaded=store.loaded,
            # Runs created here count until a list shows them: the total is older than they are.
            total=None if store.total is None else store.total + store.unlisted_created,
            has_more=store.has_more,
            filter_text=self.query_one("#filter", Input).value,
            sort_column=self.sort_column,
            sort_desc=self.sort_desc,
            sort_on_server=self.sort_column in SERVER_SORT,
            read_only=self.read_only,
            wide=self.wide,
            hidden=len(COLUMNS) - len(self.table.fitted) if self.table.fitted else 0,
            server=self.session.monitor.server_version,
            failing=self.last_error is not None,
        )
        self.query_one(HeaderLine).update(where, self.palette)

    # -- read-only -----------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """A key whose action read-only mode refuses says so instead of doing nothing."""
        if not self.read_only or isinstance(self.focused, Input):
            return
        for namespace, bindings in self._modal_binding_chain:
            if namespace is not self:
                continue
            for binding in bindings.key_to_bindings.get(event.key, ()):
                what = WRITES.get(binding.action)
                if what is not None:
                    event.stop()
                    self.flash(f"read-only: {what} is off ({self.read_only_why()})", "warning")
                    return

    def read_only_why(self) -> str:
        if self.read_only_reason:
            return f"set by {self.read_only_reason}"
        return "turned on from the command palette; ctrl+p turns it off"

    # -- layout: columns and the pane ----------------------------------------------------------

    def action_wide(self) -> None:
        self.wide = not self.wide
        self.table.wide = self.wide
        self.render_rows()

    def action_choose_columns(self) -> None:
        from .column_chooser import ColumnChooser  # a modal: loaded when first opened

        self.app.push_screen(ColumnChooser(self.chosen_columns), self.columns_chosen)

    def columns_chosen(self, chosen: tuple[str, ...] | None) -> None:
        if chosen is None:
            return
        self.chosen_columns = self.table.chosen = chosen
        hidden = [key for key in OPTIONAL if key not in chosen]
        self.session.connection.profile.hidden_columns = hidden
        self.render_rows()
        if self.roma.remember_choices:
            try:
                set_preference(self.session.connection.profile.name, "hidden_columns", hidden)
            except ConfigError as exc:
                self.flash(f"Columns not remembered: {exc}", "warning")

    @property
    def pane(self) -> StatusPane:
        return self.query_one("#status", StatusPane)

    def restore_pane(self) -> None:
        """The pane as it was left in this session (hidden, or a height set from the keys)."""
        layout = self.roma.pane_layout
        self.pane.set_class(layout.hidden, "-hidden")
        if layout.rows is not None:
            pane = self.pane
            pane.styles.height = layout.rows
            pane.styles.min_height, pane.styles.max_height = PANE_MIN, None

    def action_toggle_pane(self) -> None:
        layout = self.roma.pane_layout
        layout.hidden = not layout.hidden
        self.restore_pane()

    def action_pane_size(self, step: int) -> None:
        layout = self.roma.pane_layout
        room = self.query_one("#panes").size.height
        if layout.hidden:
            layout.hidden = False
            self.restore_pane()
            return
        current = layout.rows if layout.rows is not None else self.pane.outer_size.height
        # The table keeps its header and a few rows, whatever the pane asks.
        layout.rows = max(PANE_MIN, min(current + step, room - 4))
        self.restore_pane()
