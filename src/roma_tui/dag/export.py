"""Exports of a DAG: JSON (nodes, edges, the layout's layers), Graphviz DOT and Mermaid.

Labels come from the server: they are cleaned to one line and quoted for each format, so a
goal can never break out of its string.
"""

from __future__ import annotations

import json

import networkx as nx

from ..api.models import NodeStatus
from ..safetext import one_line
from ..statuscolours import STATUS_HEX
from .graph import SUBTASK, GraphReport, is_typed, node_of, planners
from .layout import DagLayout
from .render import task_word

# A node's states only (a node is never "cancelled"): one Mermaid class each.
_NODE_STATES = {status.value for status in NodeStatus}
_COLOURS = {status: colour for status, colour in STATUS_HEX.items() if status in _NODE_STATES}


def to_json(graph: nx.DiGraph, layout: DagLayout, report: GraphReport, execution_id: str) -> str:
    nodes = [node_of(graph, n).model_dump(mode="json", by_alias=True) for n in graph]
    edges = [
        {"from": s, "to": t, "type": d.get("type", "depends_on")}
        for s, t, d in graph.edges(data=True)
    ]
    return json.dumps(
        {
            "execution_id": execution_id,
            "nodes": nodes,
            "edges": edges,
            "layers": layout.layers,
            "problems": report.messages(),
        },
        indent=2,
        ensure_ascii=False,
    )


def _label(graph: nx.DiGraph, node_id: str, owners: set[str]) -> str:
    node = node_of(graph, node_id)
    role = "planner · " if node_id in owners else ""
    return one_line(f"{role}{task_word(node.type)}: {node.input or node_id}", 60)


def _is_dependency(graph: nx.DiGraph, source: str, target: str, typed: bool) -> bool:
    """A dependency edge of a typed graph (drawn dashed); untyped graphs draw all edges solid."""
    return typed and graph.edges[source, target].get("type") != SUBTASK


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: nx.DiGraph, execution_id: str) -> str:
    lines = [
        f"digraph {_dot_string(execution_id)} {{",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fontname="monospace"];',
    ]
    owners, typed = planners(graph), is_typed(graph)
    for node_id in sorted(graph, key=str):
        status = node_of(graph, node_id).status.value
        lines.append(
            f"  {_dot_string(node_id)} [label={_dot_string(_label(graph, node_id, owners))}, "
            f'fillcolor="{_COLOURS.get(status, "#FFFFFF")}"];'
        )
    for source, target in sorted(graph.edges, key=lambda e: (str(e[0]), str(e[1]))):
        dashed = " [style=dashed]" if _is_dependency(graph, source, target, typed) else ""
        lines.append(f"  {_dot_string(source)} -> {_dot_string(target)}{dashed};")
    lines.append("}")
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    # Mermaid strings cannot hold a double quote; its entity codes can.
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(graph: nx.DiGraph) -> str:
    ids = {node_id: f"n{i}" for i, node_id in enumerate(sorted(graph, key=str))}
    owners, typed = planners(graph), is_typed(graph)
    lines = ["flowchart TD"]
    for node_id, short in ids.items():
        lines.append(
            f'  {short}["{_mermaid_text(_label(graph, node_id, owners))}"]:::'
            f"{node_of(graph, node_id).status.value}"
        )
    for source, target in sorted(graph.edges, key=lambda e: (str(e[0]), str(e[1]))):
        arrow = "-.->" if _is_dependency(graph, source, target, typed) else "-->"
        lines.append(f"  {ids[source]} {arrow} {ids[target]}")
    for status, colour in _COLOURS.items():
        lines.append(f"  classDef {status} fill:{colour}")
    return "\n".join(lines)
