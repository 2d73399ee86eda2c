"""The DAG explorer: browse an execution's graph with the keyboard, live while it runs.

Layouts of big graphs run in a thread worker behind a loading indicator, so the UI never
freezes. Polling here uses the session's planner with the DAG on screen, so it stays within the
same budget as the table; every request goes through `session.monitor`. Whatever a poll meets
(a server error, a broken cache, a bug), the next one is planned, and a failure that repeats is
said once in the header, with a count.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import networkx as nx
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, LoadingIndicator, Static

from ..api import (
    AuthenticationError,
    Dag,
    Execution,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RomaError,
)
from ..dag import GraphReport, build_graph, compute_layout, critical_path, subtree
from ..dag.graph import node_of, same_shape
from ..dag.layout import DagLayout
from ..dag.render import Painter, fold_mark, labels_for
from ..heap import give_back_freed_memory
from ..monitor.planner import DAG, OnScreen
from ..monitor.session import Session
from .dag_header import Failures, HeaderFacts, describe, header_text
from .dag_keys import MOVE_BINDINGS, SCREEN_BINDINGS, DagFooter, help_rows
from .dag_navigation import DagNavigation
from .dag_view import COMPACT, GRAPH, TREE, DagView, run_styles
from .help import HelpScreen
from .inspector import NodeContext, NodeInspector

if TYPE_CHECKING:
    from .app import RomaApp

log = logging.getLogger(__name__)

BIG_GRAPH = 1500  # nodes above which the layout runs in a thread worker
FALLBACK_WAIT = 30.0  # seconds to the next poll when even planning it failed
# Errors that asking again will not mend: the DAG screen says them and stops trying.
FINAL_ERRORS = (AuthenticationError, PermissionDeniedError, NotFoundError, InvalidRequestError)


class DagScreen(DagNavigation, Screen[None]):
    BINDINGS = SCREEN_BINDINGS

    def __init__(
        self, session: Session, execution: Execution, *, ascii: bool, palette: dict[str, str]
    ) -> None:
        super().__init__()
        self.session, self.execution = session, execution
        self.ascii, self.palette = ascii, palette
        self.full_graph: nx.DiGraph | None = None
        self.report = GraphReport()
        self.hidden: set[str] = set()
        self.show_critical = False
        self._poll_timer: Timer | None = None
        self.failures = Failures()  # said once, counted in a row
        self._sent_total: int | None = None  # the node count the server's stats claim
        self._note: str | None = None  # a passing word under the header ("Laying out…")

    def compose(self) -> ComposeResult:
        yield Static(id="dag-header", markup=False)
        yield LoadingIndicator(id="dag-loading")
        yield DagView(id="dag")
        yield Input(
            placeholder="find a node by id or text · enter searches · esc closes", id="dag-find"
        )
        yield DagFooter()

    @property
    def view(self) -> DagView:
        return self.query_one(DagView)

    def say(self, message: str) -> None:
        self.app.notify(message, timeout=2)

    def on_mount(self) -> None:
        self.query_one("#dag-find").display = False
        view = self.view
        view.ascii = self.ascii
        view.run_styles = run_styles(self.palette)
        view.display = False
        self.load()

    # -- loading and live updates --------------------------------------------------------------

    @property
    def run_ended(self) -> bool:
        return self.execution.is_finished

    @work(group="dag-load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """The run's status and DAG through the monitor (from the disk cache when finished)."""
        try:
            status, dag = await self.session.monitor.open(
                self.execution.execution_id, with_dag=True
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any failure is said, and tried again
            self.query_one("#dag-loading").display = False
            self._load_failed(error)
            return
        self.failures.clear()
        if status.execution_id == self.execution.execution_id:
            self.execution = self.execution.model_copy(update={"status": status.status})
        self.accept(dag or Dag())
        self.schedule_poll()

    def _load_failed(self, error: Exception) -> None:
        if not isinstance(error, RomaError):
            log.error("loading the DAG failed", exc_info=error)
        # The planner backs off for every screen, this one included (and stops on a bad key).
        self.session.monitor.note_failure(error)
        self._note_failure(f"Could not load the DAG: {describe(error)}")
        if isinstance(error, FINAL_ERRORS):
            return  # asking again will not mend it: said once, no retry
        planner = self.session.planner
        try:
            wait = planner.plan(self._on_screen()).at - self._now()
        except Exception:
            log.exception("planning the DAG load's retry failed")
            wait = FALLBACK_WAIT
        self._set_poll_timer(wait, self.load)

    def accept(self, dag: Dag) -> None:
        self._sent_total = dag.stats.total_nodes if dag.stats is not None else None
        if len(dag.nodes) > BIG_GRAPH:  # reading a big graph takes a noticeable moment too
            self.query_one("#dag-loading").display = True
            self.prepare_in_thread(dag)
        else:
            self._accept_graph(*build_graph(dag))

    @work(thread=True, group="dag-prepare", exclusive=True, exit_on_error=False)
    def prepare_in_thread(self, dag: Dag) -> None:
        graph, report = build_graph(dag)
        self.app.call_from_thread(self._accept_graph, graph, report)

    def _accept_graph(self, graph: nx.DiGraph, report: GraphReport) -> None:
        # Compared with the graph laid out last, not kept as a sorted copy (20,000 nodes: 1.6 MiB).
        same = self.full_graph is not None and same_shape(self.full_graph, graph)
        self.full_graph, self.report = graph, report
        if same and self.view.dag_layout is not None:
            # Same shape: only statuses changed; keep the layout, repaint the labels.
            self.relayout(keep=self.view.dag_layout)
            return
        self.relayout()

    def _visible_graph(self) -> nx.DiGraph:
        graph = self.full_graph if self.full_graph is not None else nx.DiGraph()
        if not self.hidden:
            return graph
        return graph.subgraph(n for n in graph if n not in self.hidden).copy()

    def relayout(self, keep: DagLayout | None = None) -> None:
        """Lay out the visible graph (or reuse `keep`); big graphs in a thread worker."""
        graph = self._visible_graph()
        if graph.number_of_nodes() > BIG_GRAPH:
            self.query_one("#dag-loading").display = True
            if keep is None:
                self._header(f"Laying out {graph.number_of_nodes():,} nodes…")
            self.layout_in_thread(graph, keep)
        else:
            self.show_layout(graph, *self._lay_out(graph, keep))

    def _lay_out(self, graph: nx.DiGraph, keep: DagLayout | None) -> tuple[DagLayout, Painter]:
        labels = labels_for(graph, ascii=self.ascii, run_ended=self.run_ended)
        folded = dict(self.view.folded)  # a box is as wide as its label and its fold mark

        def sized(n: str) -> str:
            return (
                f"{labels[n]} {fold_mark(folded[n], ascii=self.ascii)}"
                if n in folded
                else labels[n]
            )

        layout = keep or compute_layout(graph, sized)
        painter = Painter(graph, layout, ascii=self.ascii, run_ended=self.run_ended, labels=labels)
        return layout, painter

    @work(thread=True, group="dag-layout", exclusive=True, exit_on_error=False)
    def layout_in_thread(self, graph: nx.DiGraph, keep: DagLayout | None) -> None:
        layout, painter = self._lay_out(graph, keep)  # indexing 20,000 nodes: ~0.3 s
        self.app.call_from_thread(self.show_layout, graph, layout, painter)
        # The previous graph is let go once it is shown: give back what reading and laying out
        # freed (~7 MiB at 20,000 nodes), here rather than on the UI thread.
        give_back_freed_memory()

    def show_layout(self, graph: nx.DiGraph, layout: DagLayout, painter: Painter) -> None:
        self.query_one("#dag-loading").display = False
        view = self.view
        view.display = True
        view.folded = (
            {n: len(subtree(self.full_graph, n)) for n in view.folded if n in graph}
            if self.full_graph is not None
            else {}
        )
        view.highlight = set(critical_path(graph)) if self.show_critical else set()
        view.show(graph, layout, self.hidden, painter)
        if not view.has_focus and self.query_one("#dag-find").display is False:
            view.focus()
        self._header()

    def _now(self) -> float:
        return cast("RomaApp", self.app).clock()

    def _set_poll_timer(
        self, wait: float, callback: Callable[[], object], *, fetches: bool = True
    ) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        wait = max(0.5, wait)
        self._poll_timer = self.set_timer(wait, callback)
        if fetches and self.failures.message is not None:  # say when the next try comes
            self.failures.next_try = self._now() + wait
            self._header()

    def schedule_poll(self) -> None:
        """Plan the next poll with the session's planner (none once the run has ended)."""
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        if self.run_ended:
            return
        try:
            wait = self.session.planner.plan(self._on_screen()).at - self._now()
        except Exception:  # a poll is planned whatever happened
            log.exception("planning the DAG poll failed")
            wait = FALLBACK_WAIT
        self._set_poll_timer(wait, self.poll)

    def _on_screen(self) -> OnScreen:
        return OnScreen(
            list_visible=False,
            focused_id=self.execution.execution_id,
            focused_running=not self.run_ended,
            dag_open=True,
            any_running=not self.run_ended,
        )

    @work(group="dag-poll", exclusive=True, exit_on_error=False)
    async def poll(self) -> None:
        if self.app.screen is not self:  # under the inspector: fetch nothing, look again soon
            self._set_poll_timer(1.0, self.poll, fetches=False)
            return
        cancelled = False
        try:
            await self._poll_once()
        except asyncio.CancelledError:  # the screen is closing: no next poll
            cancelled = True
            raise
        except Exception as error:  # say it, back off, and poll again
            log.error("DAG poll failed", exc_info=error)
            self.session.monitor.note_failure(error)
            self._note_failure(f"Showing the last DAG: {describe(error)}")
        finally:
            if not cancelled:
                self.schedule_poll()

    async def _poll_once(self) -> None:
        screen = self._on_screen()
        result = await self.session.monitor.poll(self.session.planner.plan(screen), screen)
        if result.failure is not None:
            self._note_failure(f"Showing the last DAG: {result.failure.message}")
            return
        self.failures.clear()
        store = self.session.store
        status = store.focused_status
        ended_now = False
        if status is not None and status.execution_id == self.execution.execution_id:
            ended_now = status.is_finished and not self.run_ended
            self.execution = self.execution.model_copy(update={"status": status.status})
        if DAG in result.fetched and store.focused_dag is not None:
            self.accept(store.focused_dag)
        elif ended_now:
            self.load()  # it ended between two DAG fetches: read its final DAG once
        else:
            self._header()

    def _note_failure(self, message: str) -> None:
        """Say a failure once: the same one again only counts up in the header."""
        if self.failures.note(message):
            log.warning("%s", message)
        self._header()

    def on_resize(self) -> None:
        self._header(self._note)  # the header is condensed to the width

    def _header(self, note: str | None = None) -> None:
        self._note = note
        view = self.view
        facts = HeaderFacts(
            execution=self.execution,
            graph=self.full_graph,
            mode=view.mode,
            layout=view.dag_layout,
            folded_away=len(self.hidden),
            problems=self.report.messages(),
            sent_total=self._sent_total,
            failure=self.failures.line(),
            note=note,
        )
        width = self.size.width or self.app.size.width
        text = header_text(facts, ascii=self.ascii, palette=self.palette, width=width)
        self.query_one("#dag-header", Static).update(text)

    # -- folding, fitting, inspecting, finding (moving: DagNavigation) ------------------------

    def action_critical_path(self) -> None:
        self.show_critical = not self.show_critical
        view = self.view
        graph = view.dag_graph
        marked = set(critical_path(graph)) if self.show_critical and graph else set()
        view.mark_critical(marked, self.hidden)

    def action_fold(self) -> None:
        view = self.view
        cursor = view.cursor
        if cursor is None or self.full_graph is None:
            return
        if cursor in view.folded:
            del view.folded[cursor]
        else:
            below = subtree(self.full_graph, cursor)
            if not below:
                self.say("Nothing to fold under this node.")
                return
            view.folded[cursor] = len(below)
        self.hidden = (
            set().union(*(subtree(self.full_graph, n) for n in view.folded))
            if view.folded
            else set()
        )
        self.relayout()

    def action_fit(self) -> None:
        view = self.view
        if view.mode == GRAPH and view.fits():
            view.scroll_to(0, 0, animate=False)
            return
        view.set_mode(GRAPH if view.mode == COMPACT else COMPACT, self.hidden)
        self._header()

    def action_tree(self) -> None:
        view = self.view
        view.set_mode(GRAPH if view.mode == TREE else TREE, self.hidden)
        self._header()

    def action_inspect(self) -> None:
        view = self.view
        graph, cursor = view.dag_graph, view.cursor
        if cursor is None or graph is None:
            return
        full = self.full_graph if self.full_graph is not None else graph
        context = NodeContext.of(full, cursor, run_ended=self.run_ended, ascii=self.ascii)
        self.app.push_screen(NodeInspector(node_of(graph, cursor), context))

    def action_find(self) -> None:
        box = self.query_one("#dag-find", Input)
        box.display = True
        self.set_focus(box)  # now: what is typed right after `/` is the search

    @on(Input.Submitted, "#dag-find")
    def find(self, event: Input.Submitted) -> None:
        view = self.view
        if not event.value.strip() or view.dag_graph is None or view.dag_layout is None:
            return
        if not self.find_node(event.value):
            self.app.notify(f"No node matches {event.value!r}.", timeout=3)

    def action_help(self) -> None:
        """Every key of this screen once: the canvas's, the screen's, then the app's."""
        app_keys = [a.binding for a in self.active_bindings.values() if a.node is self.app]
        rows = help_rows(MOVE_BINDINGS, SCREEN_BINDINGS, app_keys)
        self.app.push_screen(HelpScreen(rows))

    def action_back(self) -> None:
        box = self.query_one("#dag-find", Input)
        if box.display:
            box.display = False
            self.view.focus()
            return
        self.dismiss(None)
