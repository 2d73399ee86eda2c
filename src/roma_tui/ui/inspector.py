"""`#inspector`: one node whole: id, type, status, input, output, error, times, duration.

The text is cleaned and shown in a read-only TextArea: inert and scrollable, however long.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from ..api import Node
from ..presentation import clock, duration, run_seconds
from ..safetext import clean


def node_text(node: Node) -> str:
    finished = node.completed_at
    lines = [
        f"id:        {node.id}",
        f"type:      {node.type}",
        f"status:    {node.status.value}" + (f" ({node.status_raw})" if node.status_raw else ""),
        f"started:   {clock(node.started_at)}",
        f"completed: {clock(finished)}",
        f"duration:  {duration(run_seconds(node.started_at, finished))}",
    ]
    if node.parent_id:
        lines.append(f"parent:    {node.parent_id}")
    for title, body in (("input", node.input), ("output", node.output), ("error", node.error)):
        lines += ["", f"── {title} ──", body if body else "(none)"]
    return clean("\n".join(lines))


class NodeInspector(ModalScreen[None]):
    DEFAULT_CSS = """
    NodeInspector { align: center middle; }
    NodeInspector > Vertical { width: 90%; height: 85%; border: thick $primary;
        background: $surface; }
    NodeInspector TextArea { height: 1fr; }
    """
    BINDINGS = [Binding("escape,q,enter", "close", "Close")]

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node

    def compose(self) -> ComposeResult:
        with Vertical(id="inspector"):
            yield Static(f" Node {self.node.id} · esc closes", markup=False)
            yield TextArea(node_text(self.node), read_only=True, soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)
