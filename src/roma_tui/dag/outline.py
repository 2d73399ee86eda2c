"""The outline (tree) of a DAG: one line per node, nested by decomposition when the server says.

With typed edges (ROMA's planner -> subtask edges, or `parent_id`) each node sits under the planner
that owns it, siblings in dependency order, and its dependencies are named on its line. Without,
each node sits under its first parent and is named again under the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import networkx as nx

from ..safetext import one_line
from .graph import SUBTASK, decomposition_children, decomposition_parents, depths
from .render import labels_for


def outline(
    graph: nx.DiGraph,
    *,
    ascii: bool = False,
    label: Callable[[str], str] | None = None,
    hidden: set[str] | None = None,
) -> list[tuple[int, str, str]]:
    """One line per node: (depth, node id, text).

    With typed edges the tree is the decomposition (each node under its planner, siblings in
    dependency order) and dependencies are named on the line ("← needs a, b"). Without, each node
    sits under its first parent, and a node with several parents is named again under the others.
    """
    name = label if label is not None else labels_for(graph, ascii=ascii).__getitem__
    hidden = hidden or set()
    parents = decomposition_parents(graph)
    if parents is not None:
        return _decomposition_outline(graph, parents, name, hidden, ascii)
    lines: list[tuple[int, str, str]] = []
    placed: set[str] = set()
    roots = sorted((n for n in graph if graph.in_degree(n) == 0), key=str)
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        node_id, depth = stack.pop()
        if node_id in hidden:
            continue
        if node_id in placed:
            lines.append(
                (
                    depth,
                    node_id,
                    f"{'->' if ascii else '↳'} {one_line(node_id, 60)} (shown above)",
                )
            )
            continue
        placed.add(node_id)
        lines.append((depth, node_id, name(node_id)))
        children = sorted(graph.successors(node_id), key=str)
        stack.extend((child, depth + 1) for child in reversed(children))
    return lines


MAX_NEEDS = 3  # dependencies named on a tree line; more are counted


def _decomposition_outline(
    graph: nx.DiGraph,
    parents: dict[str, str],
    name: Callable[[str], str],
    hidden: set[str],
    ascii: bool,
) -> list[tuple[int, str, str]]:
    layer = depths(graph)

    def order(ids: Iterable[str]) -> list[str]:  # dependencies first, then by id
        return sorted(ids, key=lambda n: (layer.get(n, 0), str(n)))

    children = decomposition_children(parents)
    arrow = "<-" if ascii else "←"
    lines: list[tuple[int, str, str]] = []
    stack = [(root, 0) for root in reversed(order(n for n in graph if n not in parents))]
    while stack:
        node_id, depth = stack.pop()
        if node_id in hidden:
            continue
        text = name(node_id)
        needs = order(
            source
            for source, _, kind in graph.in_edges(node_id, data="type")
            if kind != SUBTASK and source != parents.get(node_id)
        )
        if needs:
            named = ", ".join(one_line(n, 40) for n in needs[:MAX_NEEDS])
            more = f" +{len(needs) - MAX_NEEDS} more" if len(needs) > MAX_NEEDS else ""
            text = f"{text}  {arrow} needs {named}{more}"
        lines.append((depth, node_id, text))
        below = order(children.get(node_id, ()))
        stack.extend((child, depth + 1) for child in reversed(below))
    return lines
