"""Moving through the DAG with the keyboard: along edges, to the next failed or running node.

A mixin of the DAG screen (`ui/dag_screen.py`): it needs the screen's `view` and `run_ended`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..dag.graph import node_of, shown_status
from .dag_view import GRAPH, DagView


class DagNavigation:
    """The DAG screen's moving keys (arrows, hjkl, f/F, r)."""

    if TYPE_CHECKING:  # what the screen provides

        @property
        def view(self) -> DagView: ...

        @property
        def run_ended(self) -> bool: ...

        def say(self, message: str) -> None: ...

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
        order = self._reading_order()
        graph, ended = view.dag_graph, self.run_ended
        # In an ended run nothing runs: nodes that still say so are stopped, and `r` skips them.
        matches = [n for n in order if shown_status(node_of(graph, n), run_ended=ended) == status]
        if not matches:
            stopped = "" if status != "running" or not ended else " (the run has ended)"
            self.say(f"No {status} node{stopped}.")
            return
        where = {n: i for i, n in enumerate(order)}
        start = where.get(view.cursor, -1) if view.cursor is not None else -1
        ranked = sorted(matches, key=lambda n: ((where[n] - start) * step) % len(order))
        view.cursor = ranked[0] if ranked[0] != view.cursor or len(ranked) == 1 else ranked[1]
        view.changed()

    def _reading_order(self) -> list[str]:
        """Nodes in the order the current view shows them (the graph: layer by layer)."""
        view = self.view
        if view.mode != GRAPH and view.lines:
            return list(dict.fromkeys(line.node_id for line in view.lines))
        layout = view.dag_layout
        return [n for layer in layout.layers for n in layer] if layout is not None else []
