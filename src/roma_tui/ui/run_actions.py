"""The console's actions on runs (mark, cancel one or many, create, view, raw JSON, copy, pager,
DAG, jump, say when a watched run ends, the status of the run looked at) and the screens its
keys open.

A mixin of MainScreen (it uses the screen's session, table and rendering); kept apart so the
screen module stays about layout, polling, filter and sort.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.notifications import SeverityLevel
from textual.widgets import Input

from ..api import Dialect, RomaError
from ..monitor.cancelling import cancel_runs
from ..safetext import one_line
from .clipboard import copy, page
from .confirm import ConfirmCancel
from .executions_table import ExecutionsTable
from .help import COMMAND_PALETTE, MAIN_HELP, PALETTE_HELP, HelpScreen, binding_rows, keys_of
from .main_base import MainBase
from .status_pane import whole_text

if TYPE_CHECKING:
    from ..api import Execution
    from .new_run import NewRun

log = logging.getLogger(__name__)
KEPT_ANSWERS = 8  # runs whose last whole answer is kept for `r`/`Y` (each may be megabytes)


class RunActions(MainBase):
    """Mixed into MainScreen (see MainBase for what it provides)."""

    unsent: NewRun | None = None  # a new run that failed to be created: `n` offers it again
    _answers: dict[str, Execution] | None = None

    @property
    def answers(self) -> dict[str, Execution]:
        """The server's last whole answer per run (`GET /executions/{id}`, read on demand),
        the most recent last."""
        if self._answers is None:
            self._answers = {}
        return self._answers

    def action_mark(self) -> None:
        current = self.current()
        if current is None:
            return
        self.session.selection.toggle_mark(current.execution_id)
        self.table.move_cursor(row=self.table.cursor_row + 1)  # repaints the mark too

    def action_cancel(self) -> None:
        current = self.current()
        if current is None:
            return
        if current.is_finished:
            self.flash(f"{current.execution_id} is already {current.status.value}.", "notice")
            return
        ids = [current.execution_id]
        meta = current.metadata
        tokens = meta.tokens_used if meta is not None else None
        spent = f"Spent so far: {tokens:,} tokens." if tokens is not None else ""
        dialog = ConfirmCancel([current], cost=spent)
        self.app.push_screen(dialog, lambda yes: self._confirmed(yes, ids))
        if self.session.client.dialect is Dialect.UPSTREAM:
            self.fetch_cost(dialog, current.execution_id)

    @work(group="cost", exclusive=True, exit_on_error=False)
    async def fetch_cost(self, dialog: ConfirmCancel, execution_id: str) -> None:
        """Tokens and cost so far, for judging a runaway (upstream `/costs`; the user's own
        action, so it may use the reserve)."""
        dialog.show_cost("Reading what it has spent so far…")
        try:
            cost = await self.session.client.get_costs(execution_id)
        except RomaError as error:
            dialog.show_cost(f"What it has spent is unknown: {error}")
            return
        if not cost.known:
            dialog.show_cost("The server has recorded no tokens or cost for this run yet.")
            return
        parts = [f"{cost.tokens:,} tokens" if cost.tokens is not None else ""]
        parts.append(f"${cost.cost_usd:,.4f}" if cost.cost_usd is not None else "")
        dialog.show_cost("Spent so far: " + ", ".join(p for p in parts if p) + ".")

    def action_cancel_marked(self) -> None:
        store = self.session.store
        marked = self.session.selection.marked
        runs = [run for i in marked if (run := store.get(i)) is not None]
        if not runs:
            self.flash("No marked runs: mark them with space first.", "warning")
            return
        ids = [r.execution_id for r in runs]
        self.app.push_screen(ConfirmCancel(runs), lambda yes: self._confirmed(yes, ids))

    def _confirmed(self, yes: bool | None, ids: list[str]) -> None:
        if yes:
            self.send_cancels(ids)

    @work(group="cancel", exit_on_error=False)
    async def send_cancels(self, ids: list[str]) -> None:
        session = self.session
        outcomes = await cancel_runs(session.client, ids, session.actions)
        for outcome in outcomes:
            log.info("cancel %s: %s", outcome.execution_id, outcome.outcome)
        session.selection.unmark(o.execution_id for o in outcomes)
        # "cancel refused: ... (request ...)": never readable as the run's own state.
        # One line in the flash line; L (the action log) has every outcome.
        failed = [o for o in outcomes if not o.ok]
        if len(outcomes) == 1:
            said = f"Cancel {outcomes[0].execution_id}: {outcomes[0].summary()}"
        else:
            cancelled = sum(o.outcome == "cancelled" for o in outcomes)
            said = f"Cancel: {len(ids)} sent, {cancelled} cancelled"
            if len(outcomes) - len(failed) > cancelled:  # "already completed" and the like
                said += f", {len(outcomes) - len(failed) - cancelled} had already ended"
            if failed:
                named = ", ".join(o.execution_id for o in failed[:3])
                said += f", {len(failed)} not ({named}{', …' if len(failed) > 3 else ''})"
            said += " (L: log)"
        # A cancel that did not happen stays said until something else is: it must be seen.
        self.flash(said, "warning" if failed else "notice", stays=bool(failed))
        self.poll(manual=True)

    def action_new(self) -> None:
        from .new_run import NewExecutionForm  # the form's widgets load when it first opens

        self.app.push_screen(NewExecutionForm(self.unsent), self._create)

    def _create(self, request: NewRun | None) -> None:
        if request is not None:
            self.create_run(request)

    @work(group="create", exit_on_error=False)
    async def create_run(self, request: NewRun) -> None:
        session = self.session
        try:
            execution = await session.monitor.create(request.goal, **request.options)
        except RomaError as error:
            self.unsent = request  # `n` opens the form with it again
            self.flash(f"Not created: {error} (n: try again, the form keeps what you typed)")
            return
        self.unsent = None
        session.actions.record(
            "create",
            execution.execution_id,
            "created",
            session.client.last_request_id,
            session.connection.base_url,
        )
        session.selection.watch(execution.execution_id)
        self.render_rows()
        self.schedule_poll()  # something runs now: an idle poll plan is out of date
        self.table.keep_cursor_on(execution.execution_id)
        self.flash(f"New run {execution.execution_id} started.", "notice")

    # -- the run the user looks at ------------------------------------------------------------

    def focus_settled(self) -> None:
        current = self.current()
        if current is None:
            return
        self.session.selection.watch(current.execution_id)
        if not current.is_finished and self.session.planner.may_spend_now(user=False):
            self.fetch_status(current.execution_id)
            self.schedule_poll()  # the focused run's status joins the next poll

    @work(group="focus", exclusive=True, exit_on_error=False)
    async def fetch_status(self, execution_id: str) -> None:
        result = await self.session.monitor.focus(execution_id)
        if result.failure is not None:
            self.note_failure(result.failure)
            return
        for finished in result.changes.finished:
            self.announce_finished(finished)
        self.render_rows()

    def announce_finished(self, execution_id: str) -> None:
        execution = self.session.store.get(execution_id)
        if execution is None or not self.session.selection.is_watched(execution_id):
            return
        severity: SeverityLevel = "information" if execution.status == "completed" else "error"
        self.app.notify(
            f"{execution_id}: {one_line(execution.initial_goal, 50)}",
            title=f"Run {execution.status.value}",
            severity=severity,
        )
        if self.bell:
            self.app.bell()

    @on(ExecutionsTable.Selected)
    def action_view(self) -> None:
        current = self.current()
        if current is None:
            return
        from .viewer import TextViewer  # with Textual's TextArea: loaded when first opened

        text = whole_text(current, self.session.store.statuses.get(current.execution_id))
        self.app.push_screen(TextViewer(current.execution_id, text))

    # -- raw JSON, copying, the pager ---------------------------------------------------------

    def copied(self, text: str, what: str) -> None:
        said, sent = copy(self.app, text, what)
        self.flash(said, "notice" if sent else "warning")

    def action_raw(self) -> None:
        current = self.current()
        if current is not None:
            self.show_raw(current.execution_id)

    @work(group="raw", exclusive=True, exit_on_error=False)
    async def show_raw(self, execution_id: str) -> None:
        from .raw_view import RawJsonView, execution_json

        answer, source = await self.whole_answer(execution_id)
        if answer is not None:
            self.app.push_screen(RawJsonView(execution_id, execution_json(answer), source))

    async def whole_answer(self, execution_id: str) -> tuple[Execution | None, str]:
        """The run as `GET /executions/{id}` tells it, and where that came from.

        A finished run's answer does not change: it is read once. A running one is read again
        at each ask (the user's own request, so it may use the reserve); when it cannot be
        read, the last answer or the list's row stands in, and the source says so.
        """
        answers = self.answers
        kept = answers.get(execution_id)
        asked = f"GET /executions/{execution_id}"
        if kept is not None and kept.is_finished:
            return kept, f"{asked} · fetched before (the run is over)"
        why = "the rate limit is spent"
        if self.session.planner.may_spend_now(user=True):
            try:
                answer = await self.session.client.get_execution(execution_id)
            except RomaError as error:
                why = f"it could not be read: {one_line(error, 120)}"
            else:
                answers.pop(execution_id, None)
                answers[execution_id] = answer
                while len(answers) > KEPT_ANSWERS:
                    answers.pop(next(iter(answers)))
                return answer, f"{asked} · fetched at {datetime.now().strftime('%H:%M:%S')}"
        if kept is not None:
            return kept, f"{asked} · an earlier answer ({why})"
        row = self.session.store.get(execution_id)
        if row is None:
            self.flash(f"No raw JSON for {execution_id}: {why}.")
            return None, ""
        return row, f"{execution_id} · the list's row ({why})"

    def action_copy_id(self) -> None:
        current = self.current()
        if current is not None:
            self.copied(current.execution_id, "the run id")

    def action_copy_json(self) -> None:
        current = self.current()
        if current is not None:
            self.copy_json(current.execution_id)

    @work(group="raw", exclusive=True, exit_on_error=False)
    async def copy_json(self, execution_id: str) -> None:
        from .raw_view import execution_json

        answer, source = await self.whole_answer(execution_id)
        if answer is not None:
            what = "the run's JSON" if source.startswith("GET") else "the list's row as JSON"
            self.copied(execution_json(answer), what)

    def action_pager(self) -> None:
        current = self.current()
        if current is None:
            return
        text = whole_text(current, self.session.store.statuses.get(current.execution_id))
        problem = page(self.app, text)
        if problem is not None:
            self.flash(problem)

    def action_dag(self) -> None:
        # Imported here: the explorer and the graph library are not needed for the first page.
        from .dag_screen import DagScreen

        current = self.current()
        if current is not None:
            self.app.push_screen(
                DagScreen(self.session, current, ascii=self.ascii, palette=self.palette)
            )

    @work(group="jump", exclusive=True, exit_on_error=False)
    async def jump_to(self, execution_id: str) -> None:
        """Put the cursor on a run; fetch it first when it is not loaded."""
        store = self.session.store
        if execution_id not in store:
            try:
                execution = await self.session.client.get_execution(execution_id)
            except RomaError as error:
                self.flash(f"Cannot open {execution_id}: {error}")
                return
            store.add_created(execution.model_copy(update={"dag": None}))
        if execution_id not in self.table.shown_ids:
            self.query_one("#filter", Input).value = ""  # the filter hid it
            self.apply_filter("")
        self.render_rows()
        self.table.keep_cursor_on(execution_id)
        self.table.focus()

    # -- the screens the keys open ------------------------------------------------------------

    def action_action_log(self) -> None:
        from .action_log_screen import ActionLogScreen

        actions = self.session.actions
        self.app.push_screen(ActionLogScreen(actions.recent(), str(actions.path)))

    def action_help(self) -> None:
        keymap = self.roma.keymap
        palette = keys_of(COMMAND_PALETTE, keymap)
        rows = binding_rows(self.BINDINGS, self.table.BINDINGS, self.app.BINDINGS, keymap=keymap)
        # The palette once, with what it offers (the app's own binding says only "Commands").
        rows = [row for row in rows if row[0] != palette] + [(palette, PALETTE_HELP)]
        self.app.push_screen(HelpScreen(rows, extra=MAIN_HELP))
