"""`#inspector`: one node whole: id, type, role, status, input, output, error, times, duration.

The text is cleaned and shown in a read-only TextArea: inert and scrollable, however long.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from ..api import Node
from ..dag.graph import (
    STOPPED,
    SUBTASK,
    decomposition_children,
    decomposition_parents,
    planners,
    shown_status,
    subgraph_of,
)
from ..dag.render import PLANNER_MARK, glyph, task_word
from ..presentation import clock, duration, run_seconds
from ..safetext import clean, one_line
from .viewer import TextViewer


@dataclass(frozen=True)
class NodeContext:
    """What the graph says about a node, beyond the node itself."""

    planner: bool = False  # owns a sub-DAG
    subtasks: int = 0  # its children by decomposition
    needs: Sequence[str] = ()  # the nodes it depends on
    run_ended: bool = False  # its run is over (a node still "running" is then stopped)
    ascii: bool = False

    @classmethod
    def of(cls, graph: nx.DiGraph, node_id: str, *, run_ended: bool, ascii: bool) -> NodeContext:
        parents = decomposition_parents(graph)
        children = decomposition_children(parents).get(node_id, []) if parents else []
        needs = sorted(
            one_line(source, 60)
            for source, _, kind in graph.in_edges(node_id, data="type")
            if parents is None or (kind != SUBTASK and source != parents.get(node_id))
        )
        return cls(node_id in planners(graph), len(children), needs, run_ended, ascii)


def node_text(node: Node, context: NodeContext | None = None) -> str:
    context = context or NodeContext()
    finished = node.completed_at
    word = task_word(node.type)
    sent = one_line(node.type, 40)
    status = shown_status(node, run_ended=context.run_ended)
    said = f" (the server says {node.status_raw})" if node.status_raw else ""
    if status == STOPPED:
        said = f"; the run ended while it still said {node.status_raw or 'running'}"
    lines = [
        f"id:        {node.id}",
        f"type:      {word}" + (f" ({sent})" if sent.lower() != word else ""),
        f"status:    {glyph(status, ascii=context.ascii)} {status}{said}",
    ]
    if context.planner:
        mark = PLANNER_MARK["ascii" if context.ascii else "unicode"]
        owns = f"{context.subtasks} subtask(s)" if context.subtasks else "a sub-DAG"
        lines.append(f"role:      {mark} planner: owns {owns}")
    subgraph = subgraph_of(node)
    if subgraph:
        lines.append(f"subgraph:  {subgraph}")
    lines += [
        f"started:   {clock(node.started_at)}",
        f"completed: {clock(finished)}",
        f"duration:  {duration(run_seconds(node.started_at, finished))}",
    ]
    if node.parent_id:
        lines.append(f"parent:    {node.parent_id}")
    if node.depth is not None:
        lines.append(f"depth:     {node.depth}")
    if context.needs:
        lines.append(f"needs:     {', '.join(context.needs)}")
    for title, body in (("input", node.input), ("output", node.output), ("error", node.error)):
        lines += ["", f"── {title} ──", body if body else "(none)"]
    return clean("\n".join(lines))


class NodeInspector(TextViewer):
    """The viewer, on one node (`#inspector`)."""

    def __init__(self, node: Node, context: NodeContext | None = None) -> None:
        title = f"Node {one_line(node.id, 60)}"
        super().__init__(title, node_text(node, context), container_id="inspector")
        self.node = node
