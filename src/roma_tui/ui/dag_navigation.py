"""The DAG screen's moving keys: what `dag/navigate.py` answers, put on screen.

A mixin of the DAG screen (`ui/dag_screen.py`): it needs the screen's `view`, `run_ended` and
`say`. Where each key leads is decided in `dag/navigate.py` (pure, tested on its own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..dag import navigate
from .dag_view import GRAPH, DagView


class DagNavigation:
    """The DAG screen's moving keys (arrows, hjkl, g/G, f/F, r) and its find box's search."""

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
            view.cursor = navigate.along_list(self._shown_lines(), cursor, direction)
        else:
            target = navigate.along_graph(graph, layout, cursor, direction)
            if target is not None:
                view.cursor = target
        view.changed()

    def action_first(self) -> None:
        self._go_to(0)

    def action_last(self) -> None:
        self._go_to(-1)

    def _go_to(self, index: int) -> None:
        """g / G: the first or last node in the order the view shows them."""
        order = self.reading_order()
        if order:
            self.view.cursor = order[index]
            self.view.changed()

    def action_next_status(self, status: str, step: int) -> None:
        view = self.view
        if view.dag_graph is None or view.dag_layout is None:
            return
        ended = self.run_ended
        target = navigate.next_with_status(
            view.dag_graph, self.reading_order(), view.cursor, status, step, run_ended=ended
        )
        if target is None:
            stopped = "" if status != "running" or not ended else " (the run has ended)"
            self.say(f"No {status} node{stopped}.")
            return
        view.cursor = target
        view.changed()

    def find_node(self, needle: str) -> bool:
        """Put the cursor on the next node matching `needle`; whether one did."""
        view = self.view
        labels = view.painter.labels if view.painter is not None else {}
        hit = navigate.find(self.reading_order(), view.cursor, needle, labels)
        if hit is None:
            return False
        view.cursor = hit
        view.changed()
        return True

    def reading_order(self) -> list[str]:
        """Nodes in the order the current view shows them (the graph: layer by layer)."""
        return navigate.reading_order(self.view.dag_layout, self._shown_lines())

    def _shown_lines(self) -> list[str]:
        # The graph view keeps the compact list's lines too: only a list view shows them.
        view = self.view
        return [line.node_id for line in view.lines] if view.mode != GRAPH else []
