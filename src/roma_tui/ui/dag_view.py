"""`#dag`: the DAG canvas as a scrollable line-API widget that paints only what is visible.

Three ways to look: the layered graph, a compact one-line-per-node list by layer (what `0` falls
back to when the graph does not fit), and a tree/outline by planner (`t`). Every line it paints
is exactly as wide as the widget, whatever the view, so nothing of an earlier frame survives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..dag.graph import STOPPED, node_of, shown_status
from ..dag.layout import BOX_HEIGHT, DagLayout
from ..dag.outline import outline
from ..dag.render import Painter, Run, marked_label, node_label
from ..statuscolours import theme_variable
from .dag_keys import MOVE_BINDINGS

GRAPH, COMPACT, TREE = "graph", "compact", "tree"
PLAIN = Style()  # padding gets a style too: NO_COLOR's filter cannot take a segment without one


def run_styles(palette: dict[str, str]) -> dict[str, Style]:
    """The painter's style names in the theme's colours (a shown status may be named otherwise)."""
    styles = {
        f"status-{s}": Style(color=palette.get(theme_variable(s)))
        for s in ("running", "pending", "completed", "failed", "unknown", STOPPED)
    }
    styles["edge"] = Style(dim=True)
    styles["edge-dependency"] = Style(dim=True, color=palette.get("status-pending"))
    styles["cursor"] = Style(reverse=True, bold=True)
    styles["critical"] = Style(bold=True, color=palette.get("runaway"))
    return styles


@dataclass
class ListLine:
    node_id: str
    text: str
    indent: int


class DagView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    DagView { height: 1fr; }
    """
    # The arrows move the cursor along the graph (ScrollView would scroll); the view follows.
    BINDINGS = MOVE_BINDINGS  # ids and help words: ui/dag_keys.py

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dag_graph: nx.DiGraph | None = None
        self.dag_layout: DagLayout | None = None
        self.painter: Painter | None = None
        self.mode = GRAPH
        self.cursor: str | None = None
        self.highlight: set[str] = set()
        self.folded: dict[str, int] = {}
        self.ascii = False
        self.run_styles: dict[str, Style] = {}
        self.lines: list[ListLine] = []
        self._window: tuple[tuple[int, int, int, int, int], list[list[Run]]] | None = None
        self._version = 0

    # -- what to show --------------------------------------------------------------------------

    def show(
        self, graph: nx.DiGraph, layout: DagLayout, hidden: set[str], painter: Painter
    ) -> None:
        self.dag_graph, self.dag_layout, self.painter = graph, layout, painter
        # The list views' lines are built only while one is shown (20,000 nodes: each update).
        self.lines = []
        if self.mode != GRAPH:
            self._rebuild_lines(hidden)
        if self.cursor not in graph or self.cursor in hidden:
            first = layout.layers[0][0] if layout.layers else None
            self.cursor = first
        self.changed()

    def _rebuild_lines(self, hidden: set[str]) -> None:
        graph, layout = self.dag_graph, self.dag_layout
        if graph is None or layout is None:
            self.lines = []
            return
        if self.mode == TREE:
            self.lines = [
                ListLine(n, text, depth)
                for depth, n, text in outline(
                    graph, ascii=self.ascii, hidden=hidden, label=self._label
                )
            ]
        else:
            sep = "|" if self.ascii else "│"
            self.lines = [
                ListLine(n, f"{index:>3} {sep} {self._label(n)}", 0)
                for index, layer in enumerate(layout.layers)
                for n in layer
            ]

    def _label(self, node_id: str) -> str:
        painter = self.painter
        if painter is not None and node_id in painter.labels:
            label = painter.labels[node_id]  # computed once per graph, with planners and stops
        else:
            label = node_label(self.dag_graph, node_id, ascii=self.ascii)
        return marked_label(
            label,
            hidden=self.folded.get(node_id),
            critical=node_id in self.highlight,
            ascii=self.ascii,
        )

    def mark_critical(self, nodes: set[str], hidden: set[str]) -> None:
        """Mark the critical path (a list view's lines carry the star, so they are rebuilt)."""
        self.highlight = nodes
        if self.mode != GRAPH:
            self._rebuild_lines(hidden)
        self.changed()

    def set_mode(self, mode: str, hidden: set[str]) -> None:
        self.mode = mode
        self._rebuild_lines(hidden)
        self.changed()

    def changed(self) -> None:
        """Data, cursor or highlight changed: size the canvas and repaint."""
        self._version += 1
        self._window = None
        if self.mode == GRAPH and self.dag_layout is not None:
            self.virtual_size = Size(self.dag_layout.canvas_width, self.dag_layout.canvas_height)
        else:
            width = max((2 * line.indent + cell_len(line.text) for line in self.lines), default=0)
            self.virtual_size = Size(width + 2, len(self.lines))
        self.follow_cursor()
        self.refresh()

    def fits(self) -> bool:
        return (
            self.dag_layout is not None
            and self.dag_layout.canvas_width <= self.size.width
            and self.dag_layout.canvas_height <= self.size.height
        )

    def follow_cursor(self) -> None:
        region = self.cursor_region()
        if region is not None:
            self.scroll_to_region(region, animate=False, spacing=None, force=True)

    def cursor_region(self) -> Region | None:
        if self.cursor is None:
            return None
        if self.mode == GRAPH and self.dag_layout is not None:
            if self.cursor not in self.dag_layout.position:
                return None
            x, y = self.dag_layout.position[self.cursor]
            return Region(x, y, self.dag_layout.width[self.cursor], BOX_HEIGHT)
        for index, line in enumerate(self.lines):
            if line.node_id == self.cursor:
                return Region(0, index, 1, 1)
        return None

    # -- painting ------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.run_styles.get(name) or PLAIN

    def render_line(self, y: int) -> Strip:
        """Line `y` of the window, always exactly as wide as the widget.

        A strip that claims the full width but is shorter leaves the previous frame's text on
        the terminal (the list views used to show "Lisbon for afor a" after the graph).
        """
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if self.mode != GRAPH:
            return self._list_line(scroll_y + y, scroll_x, width)
        if self.painter is None:
            return Strip.blank(width, PLAIN)
        key = (scroll_x, scroll_y, width, self.size.height, self._version)
        if self._window is None or self._window[0] != key:
            rows = self.painter.paint(
                scroll_x,
                scroll_y,
                width,
                self.size.height,
                cursor=self.cursor,
                highlight=self.highlight,
                folded=self.folded,
            )
            self._window = (key, rows)
        rows = self._window[1]
        if y >= len(rows):
            return Strip.blank(width, PLAIN)
        return Strip(
            [Segment(text, self._style(style)) for text, style in rows[y]]
        ).adjust_cell_length(width, PLAIN)

    def _list_line(self, index: int, scroll_x: int, width: int) -> Strip:
        if index >= len(self.lines):
            return Strip.blank(width, PLAIN)
        line = self.lines[index]
        graph, painter = self.dag_graph, self.painter
        ended = painter is not None and painter.run_ended
        status = shown_status(node_of(graph, line.node_id), run_ended=ended) if graph else "unknown"
        style = self._style(
            "cursor"
            if line.node_id == self.cursor
            else "critical"
            if line.node_id in self.highlight
            else f"status-{status}"
        )
        strip = Strip([Segment("  " * line.indent + line.text, style)])
        return strip.crop(scroll_x, scroll_x + width).adjust_cell_length(width, PLAIN)
