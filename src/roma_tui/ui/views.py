"""The main screen's filter, saved views and `:` command line (a mixin of MainScreen).

While the user types, the filter applies what parses and leaves the rest (said dimmed on the
box's border); server terms wait until typing pauses, so `since:2h` does not fetch for `since:2`.
Enter keeps the filter: the terms that do not parse are said once in the flash line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from textual import on
from textual.timer import Timer
from textual.widgets import Input

from ..monitor.query import MatchContext, ParsedFilter, parse_filter
from ..monitor.table_rows import Shown
from ..settings import ConfigError
from ..settings.views import SavedView, load_history, load_views, save_history
from ..settings.views import delete_view as forget_view
from ..settings.views import save_view as store_view
from .cells import COLUMNS
from .command_line import CommandLine
from .filter_box import FilterBox, HistoryInput
from .flash import FlashLine
from .main_base import MainBase
from .screen_commands import find, named_commands

log = logging.getLogger(__name__)
QUICK_STATUS = {"1": None, "2": "running", "3": "completed", "4": "failed", "5": "cancelled"}
TYPING_PAUSE = 0.6  # seconds without a key before a typed server term is fetched


class FilterViews(MainBase):
    """Mixed into MainScreen (see MainBase for what it provides)."""

    _server_timer: Timer | None = None
    _hint = ""
    _views: dict[str, SavedView] | None = None
    _command_history: list[str] = []

    # -- the filter box ------------------------------------------------------------------------

    @property
    def profile_name(self) -> str:
        return self.session.connection.profile.name

    def make_filter_box(self) -> FilterBox:
        history = load_history(self.profile_name) if self.roma.remember_choices else []
        return FilterBox(
            history,
            placeholder="/ filter: words, is:runaway, status:failed, age>30m, duration>10m, "
            "tokens>100k, since:2h · ↑↓ history · enter keeps · esc clears",
            id="filter",
        )

    @property
    def filter_box(self) -> FilterBox:
        return self.query_one("#filter", FilterBox)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.apply_filter(event.value, typing=True)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        self.keep_filter(event.value)
        self.table.focus()

    def keep_filter(self, text: str, *, remember: bool = True) -> None:
        """Enter: apply everything now, say what does not parse (once), remember the line."""
        self.apply_filter(text)
        if self.filter.problems:
            self.flash("Filter: " + "; ".join(self.filter.problems), "warning")
        if not remember:
            return
        box = self.filter_box
        box.remember(text)
        if self.roma.remember_choices and text.strip():
            save_history(self.profile_name, box.history)

    def apply_filter(self, text: str, *, typing: bool = False) -> None:
        store = self.session.store
        self.filter = parse_filter(text, store.query)
        if self._server_timer is not None:
            self._server_timer.stop()
            self._server_timer = None
        if self.filter.server != store.query:
            if typing:
                self._server_timer = self.set_timer(TYPING_PAUSE, self._apply_server)
            else:
                self._apply_server()
        self.render_rows()

    def _apply_server(self) -> None:
        self._server_timer = None
        store = self.session.store
        if self.filter.server != store.query:
            store.set_query(self.filter.server)
            self.poll(manual=True)
            self.render_rows()

    def show_listed_filter(self, text: str, parsed: ParsedFilter) -> None:
        """Put back a filter the server has listed, as it was: not parsed again (`since:2h`
        would move with the clock) and nothing fetched."""
        if self._server_timer is not None:
            self._server_timer.stop()
            self._server_timer = None
        with self.filter_box.prevent(Input.Changed):
            self.filter_box.value = text
        self.filter = parsed

    def set_filter(self, text: str, *, remember: bool = True) -> str | None:
        """Put `text` in the box and keep it (the `:filter` command, views, quick keys)."""
        box = self.filter_box
        with box.prevent(Input.Changed):
            box.value = text
        self.keep_filter(text, remember=remember)
        return None

    def match_context(self) -> MatchContext:
        selection = self.session.selection
        return MatchContext(
            now=datetime.fromtimestamp(self.clock(), tz=UTC),
            runaway_s=self.paint.runaway_seconds,
            is_marked=selection.is_marked,
            is_watched=selection.is_watched,
        )

    def shown_runs(self) -> Shown:
        """The store's rows the filter keeps, sorted; the box's border says what it could not
        judge."""
        found = self.table_rows.rows(
            self.filter, self.match_context(), self.sort_column, self.sort_desc
        )
        notes = []
        if self.filter.problems:
            notes.append(f"not applied: {self.filter.problems[0]}")
        if found.tokens_unknown:
            runs = "run" if found.tokens_unknown == 1 else "runs"
            notes.append(f"tokens unknown for {found.tokens_unknown} {runs}")
        hint = " · ".join(notes)
        if hint != self._hint:
            self._hint = hint
            self.filter_box.hint(hint)
        return found

    def action_quick_status(self, key: str) -> None:
        words = [w for w in self.filter_box.value.split() if not w.startswith("status:")]
        if QUICK_STATUS[key]:
            words.append(f"status:{QUICK_STATUS[key]}")
        self.set_filter(" ".join(words), remember=False)  # a key, not something typed

    def _history_box(self) -> HistoryInput | None:
        focused = self.focused
        return focused if isinstance(focused, HistoryInput) else None

    def action_filter_previous(self) -> None:
        box = self._history_box()
        if box is not None:
            box.walk(-1)

    def action_filter_next(self) -> None:
        box = self._history_box()
        if box is not None:
            box.walk(1)

    # -- saved views ---------------------------------------------------------------------------

    @property
    def views(self) -> dict[str, SavedView]:
        if self._views is None:
            self._views = {}
            if self.roma.remember_choices:
                try:
                    self._views = load_views(self.profile_name)
                except ConfigError as exc:
                    log.warning("views not read: %s", exc)
        return self._views

    @property
    def sortable(self) -> list[str]:
        return [column.key for column in COLUMNS if column.key != "mark"]

    def _columns(self) -> tuple[str, ...] | None:
        # The column chooser's state, when the screen has one (read defensively).
        columns: Any = getattr(self, "visible_columns", None)
        if callable(columns):
            columns = columns()
        if isinstance(columns, (list, tuple)) and all(isinstance(c, str) for c in columns):
            return tuple(columns)
        return None

    def save_view(self, name: str) -> str | None:
        name = name.strip()
        if not name:
            return "Name the view: save-view NAME"
        view = SavedView(
            name, self.filter_box.value.strip(), self.sort_column, self.sort_desc, self._columns()
        )
        try:
            if self.roma.remember_choices:
                store_view(self.profile_name, view)
        except ConfigError as exc:
            return str(exc)
        self.views[name] = view
        self.notice(f"View {name} saved: {view.describe()}")
        return None

    def recall_view(self, name: str) -> str | None:
        view = self.views.get(name.strip())
        if view is None:
            known = ", ".join(sorted(self.views)) or "none yet: save one with V"
            return f"No view {name.strip()!r} (views: {known})"
        show_columns: Callable[[list[str]], object] | None = getattr(self, "show_columns", None)
        if view.columns and callable(show_columns):
            show_columns(list(view.columns))
        if view.sort in self.sortable:
            self.set_sort(view.sort, desc=view.descending)
        self.set_filter(view.filter)
        return None

    def delete_view(self, name: str) -> str | None:
        name = name.strip()
        if name not in self.views:
            return f"No view {name!r}"
        try:
            if self.roma.remember_choices:
                forget_view(self.profile_name, name)
        except ConfigError as exc:
            return str(exc)
        del self.views[name]
        self.notice(f"View {name} forgotten")
        return None

    def notice(self, message: str) -> None:
        self.query_one(FlashLine).say(
            message, style=self.palette.get("success", "green"), kind="notice"
        )

    # -- the `:` command line ------------------------------------------------------------------

    def action_command_line(self, text: str = "") -> None:
        for old in self.query(CommandLine):
            old.remove()
        line = CommandLine(
            named_commands(self),  # type: ignore[arg-type]  # self is a MainScreen
            self._command_history,
            value=text,
            id="command-line",
        )
        self.mount(line, after=self.filter_box)
        self.set_focus(line)

    def action_pick_view(self) -> None:
        self.action_command_line("view ")

    def action_save_view(self) -> None:
        self.action_command_line("save-view ")

    @on(CommandLine.Closed)
    def command_closed(self, event: CommandLine.Closed) -> None:
        for widget in self.query(CommandLine):
            self._command_history = widget.history
            widget.remove()
        self.table.focus()
        self.run_command(event.line)

    def run_command(self, text: str) -> None:
        text = text.strip().removeprefix(":").strip()
        if not text:
            return
        name, _, argument = text.partition(" ")
        commands = named_commands(self)  # type: ignore[arg-type]
        command = find(commands, name)
        if command is None:
            self.flash(f"Unknown command {name!r}: {', '.join(sorted(commands))}", "warning")
            return
        problem = command.run(argument.strip())
        if problem:
            self.flash(f":{command.name}: {problem}", "warning")
