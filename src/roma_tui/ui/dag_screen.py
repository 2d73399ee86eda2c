"""The DAG explorer: browse an execution's graph with the keyboard, live while it runs.

Layouts of big graphs run in a thread worker behind a loading indicator, so the UI never
freezes. Polling here uses the session's planner with the DAG on screen, so it stays within the
same budget as the table.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, LoadingIndicator, Static

from ..api import Dag, Execution, RomaError
from ..dag import GraphReport, build_graph, compute_layout, critical_path, status_counts, subtree
from ..dag.graph import node_of
from ..dag.layout import DagLayout
from ..dag.render import Painter, node_label
from ..monitor.planner import OnScreen
from ..monitor.session import Session
from ..presentation import status_glyph
from .dag_view import COMPACT, GRAPH, TREE, DagView
from .inspector import NodeInspector

BIG_GRAPH = 1500  # nodes above which the layout runs in a thread worker


class DagScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "inspect", "Inspect"),
        Binding("f", "next_status('failed', 1)", "Next failed"),
        Binding("F", "next_status('failed', -1)", "Previous failed", show=False),
        Binding("r", "next_status('running', 1)", "Next running"),
        Binding("p", "critical_path", "Critical path"),
        Binding("z", "fold", "Fold"),
        Binding("0", "fit", "Fit"),
        Binding("t", "tree", "Tree"),
        Binding("slash", "find", "Find"),
        Binding("escape,q", "back", "Back"),
    ]

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
        self._signature: tuple | None = None
        self._last_find = ""

    def compose(self) -> ComposeResult:
        yield Static(id="dag-header", markup=False)
        yield LoadingIndicator(id="dag-loading")
        yield DagView(id="dag")
        yield Input(
            placeholder="find a node by id or text · enter searches · esc closes", id="dag-find"
        )
        yield Footer()

    @property
    def view(self) -> DagView:
        return self.query_one(DagView)

    def on_mount(self) -> None:
        self.query_one("#dag-find").display = False
        view = self.view
        view.ascii = self.ascii
        view.run_styles = self._styles()
        view.display = False
        self.load()

    def _styles(self) -> dict[str, Style]:
        palette = self.palette
        styles = {
            f"status-{s}": Style(color=palette.get(f"status-{s}"))
            for s in ("running", "pending", "completed", "failed", "unknown")
        }
        styles["edge"] = Style(dim=True)
        styles["cursor"] = Style(reverse=True, bold=True)
        styles["critical"] = Style(bold=True, color=palette.get("runaway"))
        return styles

    # -- loading and live updates --------------------------------------------------------------

    @work(group="dag-load", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        try:
            _, dag = await self.session.monitor.open(self.execution.execution_id, with_dag=True)
        except RomaError as error:
            self._header(f"Could not load the DAG: {error}")
            self.query_one("#dag-loading").display = False
            return
        self.accept(dag or Dag())
        self.schedule_poll()

    def accept(self, dag: Dag) -> None:
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
        signature = (tuple(sorted(graph.nodes)), tuple(sorted(graph.edges)))
        self.full_graph, self.report = graph, report
        if signature == self._signature and self.view.dag_layout is not None:
            # Same shape: only statuses changed; keep the layout, repaint the labels.
            self.relayout(keep=self.view.dag_layout)
            return
        self._signature = signature
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
            layout = keep or compute_layout(graph, self._labeller(graph))
            self.show_layout(graph, layout, Painter(graph, layout, ascii=self.ascii))

    def _labeller(self, graph: nx.DiGraph) -> Callable[[str], str]:
        return lambda n: node_label(graph, n, ascii=self.ascii)

    @work(thread=True, group="dag-layout", exclusive=True, exit_on_error=False)
    def layout_in_thread(self, graph: nx.DiGraph, keep: DagLayout | None) -> None:
        layout = keep or compute_layout(graph, self._labeller(graph))
        painter = Painter(graph, layout, ascii=self.ascii)  # indexing 20,000 nodes: ~0.3 s
        self.app.call_from_thread(self.show_layout, graph, layout, painter)

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

    def schedule_poll(self) -> None:
        running = not self.execution.is_finished
        if not running:
            return
        plan = self.session.planner.plan(self._on_screen())
        self.set_timer(max(0.5, plan.at - self.app.clock()), self.poll)  # type: ignore[attr-defined]

    def _on_screen(self) -> OnScreen:
        return OnScreen(
            list_visible=False,
            focused_id=self.execution.execution_id,
            focused_running=not self.execution.is_finished,
            dag_open=True,
            any_running=True,
        )

    @work(group="dag-poll", exclusive=True, exit_on_error=False)
    async def poll(self) -> None:
        if self.app.screen is not self:
            self.set_timer(1.0, self.poll)
            return
        screen = self._on_screen()
        result = await self.session.monitor.poll(self.session.planner.plan(screen), screen)
        store = self.session.store
        if result.error is not None:
            self._header(f"Showing the last DAG: {result.error}")
        elif store.focused_dag is not None:
            status = store.focused_status
            if status is not None and status.execution_id == self.execution.execution_id:
                self.execution = self.execution.model_copy(update={"status": status.status})
            self.accept(store.focused_dag)
        self.schedule_poll()

    def _header(self, note: str | None = None) -> None:
        graph = self.full_graph
        line = Text()
        line.append(f" {self.execution.execution_id} ", style="bold reverse")
        line.append(f" {self.execution.status.value}  ")
        if graph is not None:
            counts = status_counts(graph)
            line.append(f"{graph.number_of_nodes():,} nodes · ")
            for status in ("completed", "running", "pending", "failed", "unknown"):
                if counts.get(status):
                    line.append(
                        f"{status_glyph(status, ascii=self.ascii)} {counts[status]} {status}  ",
                        style=self.palette.get(f"status-{status}", ""),
                    )
        layout = self.view.dag_layout
        if layout is not None:
            line.append(f"· {self.view.mode} · crossings {layout.crossings_after:,} ", style="dim")
        if self.hidden:
            line.append(f"· {len(self.hidden):,} folded away ", style="dim")
        for problem in self.report.messages():
            line.append(f"\n ⚠ {problem}", style=self.palette.get("warning", "yellow"))
        if note:
            line.append(f"\n {note}")
        self.query_one("#dag-header", Static).update(line)

    # -- moving --------------------------------------------------------------------------------

    def action_move(self, direction: str) -> None:
        view = self.view
        graph, layout, cursor = view.dag_graph, view.dag_layout, view.cursor
        if graph is None or layout is None or cursor is None:
            return
        if view.mode != GRAPH:
            ids = [line.node_id for line in view.lines]
            index = ids.index(cursor) if cursor in ids else 0
            step = {"up": -1, "down": 1}.get(direction, 0)
            view.cursor = ids[max(0, min(len(ids) - 1, index + step))] if ids else None
        elif direction in ("up", "down"):
            near = list(
                graph.predecessors(cursor) if direction == "up" else graph.successors(cursor)
            )
            if near:
                here = layout.centre(cursor)
                view.cursor = min(near, key=lambda n: (abs(layout.centre(n) - here), str(n)))
        else:
            layer = layout.layers[layout.layer_of(cursor)]
            index = layer.index(cursor) + (1 if direction == "right" else -1)
            if 0 <= index < len(layer):
                view.cursor = layer[index]
        view.changed()

    def action_next_status(self, status: str, step: int) -> None:
        view = self.view
        if view.dag_graph is None or view.dag_layout is None:
            return
        order = [n for layer in view.dag_layout.layers for n in layer]
        matches = [n for n in order if node_of(view.dag_graph, n).status.value == status]
        if not matches:
            self.app.notify(f"No {status} node.", timeout=2)
            return
        start = order.index(view.cursor) if view.cursor in order else -1
        ranked = sorted(matches, key=lambda n: ((order.index(n) - start) * step) % len(order))
        view.cursor = ranked[0] if ranked[0] != view.cursor or len(ranked) == 1 else ranked[1]
        view.changed()

    def action_critical_path(self) -> None:
        self.show_critical = not self.show_critical
        view = self.view
        graph = view.dag_graph
        view.highlight = set(critical_path(graph)) if self.show_critical and graph else set()
        view.changed()

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
                self.app.notify("Nothing to fold under this node.", timeout=2)
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
        if view.cursor is not None and view.dag_graph is not None:
            self.app.push_screen(NodeInspector(node_of(view.dag_graph, view.cursor)))

    def action_find(self) -> None:
        box = self.query_one("#dag-find", Input)
        box.display = True
        self.set_focus(box)  # now: what is typed right after `/` is the search

    @on(Input.Submitted, "#dag-find")
    def find(self, event: Input.Submitted) -> None:
        needle = event.value.strip().lower()
        view = self.view
        if not needle or view.dag_graph is None or view.dag_layout is None:
            return
        order = [n for layer in view.dag_layout.layers for n in layer]
        start = order.index(view.cursor) + 1 if view.cursor in order else 0
        rotated = order[start:] + order[:start]
        hit = next(
            (
                n
                for n in rotated
                if needle in str(n).lower() or needle in node_label(view.dag_graph, n).lower()
            ),
            None,
        )
        if hit is None:
            self.app.notify(f"No node matches {event.value!r}.", timeout=3)
            return
        view.cursor = hit
        view.changed()

    def action_back(self) -> None:
        box = self.query_one("#dag-find", Input)
        if box.display:
            box.display = False
            self.view.focus()
            return
        self.dismiss(None)
