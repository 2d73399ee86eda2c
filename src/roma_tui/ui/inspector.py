"""`#inspector`: one node whole: id, type, status, input, output, error, times, duration.

The text is cleaned and shown in a read-only TextArea: inert and scrollable, however long.
"""

from __future__ import annotations

from ..api import Node
from ..presentation import clock, duration, run_seconds
from ..safetext import clean
from .viewer import TextViewer


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


class NodeInspector(TextViewer):
    """The viewer, on one node (`#inspector`)."""

    def __init__(self, node: Node) -> None:
        super().__init__(f"Node {node.id}", node_text(node), container_id="inspector")
        self.node = node
