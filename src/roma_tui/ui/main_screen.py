"""The console's main screen: the filter, `#executions`, `#status`, the budget bar.

Data flows one way: the poll worker updates the session's store, then `render_rows` shows it.
Polls never overlap (one worker, then `set_timer` for the next, when the planner says) and are
skipped while a modal is open.
"""

from __future__ import annotations

import logging

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Input

from .. import startup_gc
from ..api import Execution
from ..monitor.failures import Failure
from ..monitor.live import PollResult
from ..monitor.planner import OnScreen
from ..monitor.query import ParsedFilter, parse_filter
from ..monitor.session import Session
from ..monitor.store import ListQuery
from ..monitor.table_rows import TableRows
from .budget_bar import BudgetBar
from .cells import COLUMNS, OPTIONAL, SERVER_SORT, sort_key
from .executions_table import ExecutionsTable
from .flash import FlashLine, Kind
from .footer import KeysFooter
from .header_line import HeaderLine
from .main_layout import MainLayout
from .main_paint import MainPaint
from .run_actions import RunActions
from .status_pane import StatusPane
from .views import QUICK_STATUS, FilterViews

log = logging.getLogger(__name__)
SORTABLE = [column.key for column in COLUMNS if column.key != "mark"]
PAGE_AHEAD = 5  # rows from the end at which the next page loads


class MainScreen(MainLayout, RunActions, FilterViews):
    # Each binding has an id: `[keymap]` in config.toml remaps it ("main.cancel" = "x").
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="main.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="main.clear_filter"),
        Binding("s", "cycle_sort", "Sort", show=False, id="main.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="main.reverse_sort"),
        *[
            Binding(
                k,
                f"quick_status('{k}')",
                f"Show {v or 'all'}",
                show=False,
                id=f"main.show_{v or 'all'}",
            )
            for k, v in QUICK_STATUS.items()
        ],
        Binding("space", "mark", "Mark", show=False, id="main.mark"),
        Binding("c", "cancel", "Cancel", id="main.cancel"),
        Binding("C", "cancel_marked", "Cancel marked", show=False, id="main.cancel_marked"),
        Binding("n", "new", "New", id="main.new"),
        Binding("enter", "view", "Whole result", show=False, id="main.view"),
        Binding("d", "dag", "DAG", id="main.dag"),
        Binding("L", "action_log", "Action log", show=False, id="main.action_log"),
        # Hides or shows the status pane (small terminals: more rows for the table).
        Binding("p", "toggle_pane", "Pane (hide/show)", show=False, id="main.pane"),
        Binding("ctrl+r", "refresh", "Refresh", id="main.refresh"),
        Binding("question_mark", "help", "Help", id="main.help"),
        Binding("q", "app.quit", "Quit", id="main.quit"),
        # Filters, views and the command line (ui/views.py).
        Binding(
            "colon", "command_line", "Command line", key_display=":", show=False, id="main.command"
        ),
        Binding("v", "pick_view", "Views", show=False, id="main.views"),
        Binding("V", "save_view", "Save view", show=False, id="main.save_view"),
        Binding(
            "up", "filter_previous", "Previous filter/command", show=False, id="main.history_back"
        ),
        Binding(
            "down", "filter_next", "Next filter/command", show=False, id="main.history_forward"
        ),
        # Raw views and copying: the server's JSON, the clipboard (OSC 52), the pager.
        Binding("r", "raw", "Raw JSON", show=False, id="main.raw"),
        Binding("y", "copy_id", "Copy run id", show=False, id="main.copy_id"),
        Binding("Y", "copy_json", "Copy run JSON", show=False, id="main.copy_json"),
        Binding("o", "pager", "Open in $PAGER", show=False, id="main.pager"),
        # Layout: the columns, wide mode, the pane's height.
        Binding("w", "wide", "Wide (every column)", show=False, id="main.wide"),
        Binding("O", "choose_columns", "Columns (show/hide)", show=False, id="main.columns"),
        Binding(
            "plus,right_square_bracket",
            "pane_size(2)",
            "Pane taller",
            show=False,
            key_display="+, ]",
            id="main.pane_taller",
        ),
        Binding(
            "minus,left_square_bracket",
            "pane_size(-2)",
            "Pane shorter",
            show=False,
            key_display="-, [",
            id="main.pane_shorter",
        ),
    ]
    # Hides create and cancel; flipping it (command palette) repaints the footer, header and bar.
    read_only: reactive[bool] = reactive(False, init=False)
    # The table has the focus from the start (Textual's default, "*", would give it to the
    # filter box first: one more focus change, footer rebuild and restyle per start).
    AUTO_FOCUS = "#executions"

    def __init__(
        self,
        session: Session,
        *,
        read_only: bool,
        ascii: bool,
        bell: bool,
        read_only_reason: str | None = None,
    ) -> None:
        super().__init__()
        # Who set read-only ("--read-only", "profile work"): then nothing here turns it off.
        self.read_only_reason = read_only_reason if read_only else None
        self.session = session
        self.paint = MainPaint(
            session, ascii=ascii, palette=lambda: self.palette, clock=lambda: self.clock()
        )
        self.set_reactive(MainScreen.read_only, read_only)
        self.ascii = ascii
        self.bell = bell
        self.sort_column, self.sort_desc = "created", True
        self.filter = parse_filter("")
        self.table_rows = TableRows(session.store, sort_key, SERVER_SORT)
        self.last_error: str | None = None
        self._poll_timer: Timer | None = None
        self._focus_timer: Timer | None = None
        self._paging = False
        self._painted_minute = -1
        # The filter text and sort of the last list the server gave (see back_to_listed).
        self._listed_view: tuple[str, ParsedFilter, str, bool] | None = None
        hidden = set(session.connection.profile.hidden_columns)
        self.chosen_columns = tuple(key for key in OPTIONAL if key not in hidden)
        self.wide = False

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderLine(ascii=self.ascii, id="header")
        yield self.make_filter_box()
        with Vertical(id="panes"):
            yield ExecutionsTable(
                self.paint.cells, signature=self.paint.signature, ascii=self.ascii, id="executions"
            )
            yield StatusPane(id="status")
        yield FlashLine(ascii=self.ascii, id="flash")
        yield BudgetBar(id="budget")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.table.chosen = self.chosen_columns
        self.restore_pane()
        self.table.focus()
        self.set_interval(1.0, self.tick)
        self.app.theme_changed_signal.subscribe(self, self.theme_changed)
        self.poll(manual=True)

    def watch_read_only(self) -> None:
        self.refresh_bindings()
        self.render_budget()
        self.render_header()

    def theme_changed(self, _theme: Theme) -> None:
        self.render_rows()  # rows are painted with the new theme's palette

    async def on_unmount(self) -> None:
        await self.session.close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden, not only disabled: read-only means there is no way to do it.
        return not (self.read_only and action in ("cancel", "cancel_marked", "new"))

    # -- what is on screen ---------------------------------------------------------------------

    def current(self) -> Execution | None:
        key = self.table.current_id
        return self.session.store.get(key) if key else None

    def on_screen(self) -> OnScreen:
        current = self.current()
        store = self.session.store
        return OnScreen(
            list_visible=True,
            focused_id=current.execution_id if current else None,
            focused_running=bool(current and not current.is_finished),
            any_running=store.has_running(),
        )

    def render_rows(self) -> None:
        shown = self.shown_runs()
        table = self.table
        table.status_width = self.paint.status_width(shown.rows)
        if self.wide:
            rows = shown.rows if shown.rows is not None else self.session.store.rows()
            table.goal_width = self.paint.goal_width(rows)
        table.show(shown.ids)
        self.render_status()
        self.render_budget()
        self.render_header()

    def render_status(self) -> None:
        self.query_one(StatusPane).show(self.paint.status(self.current()))

    def render_budget(self) -> None:
        self.query_one(BudgetBar).update(
            *self.paint.budget(error=self.last_error, read_only=self.read_only)
        )

    def tick(self) -> None:
        """Once a second: repaint only what time changes (idle costs next to nothing).

        Durations of running rows on screen, the "created ... ago" column once a minute, the
        pane of a running run, and the countdown; each is left alone when its text is the same.
        """
        if self.app.screen is not self:
            return
        store = self.session.store
        minute = int(self.clock() // 60)
        if minute != self._painted_minute:
            self._painted_minute = minute
            self.table.refresh()
        else:
            running = [k for k in self.table.visible_ids() if k in store.running_set()]
            self.table.refresh_ids(running)
        current = self.current()
        if current is not None and not current.is_finished:
            self.render_status()
        self.render_budget()

    # -- polling -------------------------------------------------------------------------------

    def schedule_poll(self) -> None:
        plan = self.session.planner.plan(self.on_screen())
        if self._poll_timer is not None:
            self._poll_timer.stop()
        wait = plan.at - self.clock()
        self._poll_timer = self.set_timer(max(0.05, wait), self.poll)
        self.render_budget()

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def poll(self, manual: bool = False) -> None:
        if self.app.screen is not self and not manual:
            # Nothing repaints under a modal: look again in a second, fetch nothing.
            self._poll_timer = self.set_timer(1.0, self.poll)
            return
        try:
            await self._poll_once(manual)
        finally:
            self.schedule_poll()  # whatever happened, the next poll is planned

    async def _poll_once(self, manual: bool) -> None:
        screen = self.on_screen()
        planner = self.session.planner
        plan = planner.user_plan(screen) if manual else planner.plan(screen)
        if plan is None:
            reset = planner.view().reset_at
            when = f" at {reset.astimezone().strftime('%H:%M')}" if reset else ""
            why = f"the rate limit is spent until the reset{when}"
            if not self.back_to_listed(why):
                self.flash(f"The rate limit is spent until the reset{when}; showing the last data.")
            return
        if plan.fetch:
            self.apply(await self.session.monitor.poll(plan, screen))

    def apply(self, result: PollResult) -> None:
        if result.failure is None and self.session.monitor.server_version_unasked:
            self.ask_server_version()  # once, and only on a self-hosted server
        if result.failure is not None:
            self.note_failure(result.failure)
            self.back_to_listed(result.failure.message)
        elif self.filter.server == self.session.store.query:  # not a term still being typed
            self._listed_view = (
                self.filter_box.value,
                self.filter,
                self.sort_column,
                self.sort_desc,
            )
        if result.failure is None and self.last_error is not None:
            # The failure is over; a notice said since (a filter problem) stays until the next.
            self.last_error = None
            self.query_one(FlashLine).clear(only="error")
        for execution_id in result.changes.finished:
            self.announce_finished(execution_id)
        self.render_rows()
        self.call_after_refresh(startup_gc.resume)  # the first answer is on screen

    def back_to_listed(self, why: str) -> bool:
        """A new filter or sort whose first page could not be fetched: the last list the
        server gave comes back with the filter and sort it had (the last good data stays on
        screen), and the flash line says the change was not made. False: nothing to undo."""
        wanted = self.filter_box.value
        if self._listed_view is None or self.session.store.restore_listed() is None:
            return False
        text, parsed, column, desc = self._listed_view
        changes = [f"filter {wanted!r}"] if wanted != text else []
        if (column, desc) != (self.sort_column, self.sort_desc):
            changes.append("the new sort")
        change = " and ".join(changes) or "the change"
        self.sort_column, self.sort_desc = column, desc
        self.table.sort = (column, desc)
        self.show_listed_filter(text, parsed)
        why = why.rstrip(".")
        self.flash(f"Not applied, {change}: {why}. Showing the last list the server gave.")
        return True

    @work(group="health", exclusive=True, exit_on_error=False)
    async def ask_server_version(self) -> None:
        had = self.session.monitor.server_version
        if await self.session.monitor.ask_server_version() != had:
            self.render_header()

    def note_failure(self, failure: Failure) -> None:
        """Say a failure in the one flash line (repeats only count up) and the log."""
        if failure.message != self.last_error:
            log.warning("request failed (%s): %s", failure.kind, failure.message)
        self.last_error = failure.message
        self.flash(failure.message)
        self.render_budget()

    def flash(self, message: str, kind: Kind = "error", *, stays: bool = False) -> None:
        """Say it in the flash line: errors, warnings and notices (never a toast)."""
        style = {"error": "error", "warning": "warning", "notice": "accent"}[kind]
        colour = self.palette.get(style) or {"accent": "cyan"}.get(style, "red")
        self.query_one(FlashLine).say(message, style=colour, kind=kind, stays=stays)

    # -- cursor and paging ---------------------------------------------------------------------

    @on(ExecutionsTable.Highlighted)
    def row_highlighted(self, event: ExecutionsTable.Highlighted) -> None:
        self.render_status()
        near_end = event.row >= self.table.row_count - PAGE_AHEAD
        # Only past a first page that loaded: an empty or failed table must not page (each
        # repaint of an empty table lands here again).
        if near_end and not self._paging and self.session.store.loaded and not self.last_error:
            self.load_more()
        if self._focus_timer is not None:
            self._focus_timer.stop()
        self._focus_timer = self.set_timer(0.4, self.focus_settled)  # debounce: keys repeat

    @work(group="paging", exclusive=True, exit_on_error=False)
    async def load_more(self) -> None:
        if not self.session.store.has_more:
            return
        self._paging = True
        try:
            result = await self.session.monitor.next_page()
        finally:
            self._paging = False
        if result.failure is not None:
            # Said once in the flash line; the planner's backoff keeps paging from looping.
            self.note_failure(result.failure)
            return
        self.render_rows()

    # -- filter and sort -----------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        # Now, not on the next tick: what is typed right after `/` belongs to the filter.
        self.set_focus(self.query_one("#filter", Input))

    def action_clear_filter(self) -> None:
        if self.query_one("#filter", Input).value:
            self.set_filter("", remember=False)  # at once: clearing is not typing
        self.table.focus()

    def action_cycle_sort(self) -> None:
        """The next column on screen (a sort by a column out of sight would say nothing)."""
        order = [key for key in self.table.columns_on_screen if key in SORTABLE] or SORTABLE
        index = order.index(self.sort_column) if self.sort_column in order else -1
        self.set_sort(order[(index + 1) % len(order)], desc=True)

    def action_reverse_sort(self) -> None:
        self.set_sort(self.sort_column, desc=not self.sort_desc)

    @on(ExecutionsTable.HeaderClicked)
    def header_clicked(self, event: ExecutionsTable.HeaderClicked) -> None:
        column = event.column
        if column in SORTABLE:
            same = column == self.sort_column
            self.set_sort(column, desc=not self.sort_desc if same else True)

    def set_sort(self, column: str, *, desc: bool) -> None:
        self.sort_column, self.sort_desc = column, desc
        store = self.session.store
        field = SERVER_SORT.get(column, "created_at")
        order = "desc" if desc or column not in SERVER_SORT else "asc"
        query = ListQuery(**{**store.query.params(), "sort": field, "order": order})
        self.table.sort = (column, desc)  # the header line and the column's arrow say it
        if query != store.query:
            store.set_query(query)
            self.filter = parse_filter(self.query_one("#filter", Input).value, query)
            self.poll(manual=True)
        self.render_rows()

    def action_refresh(self) -> None:
        self.poll(manual=True)
