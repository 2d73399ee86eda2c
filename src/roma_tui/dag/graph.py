"""API DAG -> a validated `networkx.DiGraph`, and the facts derived from it.

Server data is reported, never trusted: duplicate ids, edges to unknown nodes, self-loops and
cycles are listed in a `GraphReport`; cycles are broken (their back edges removed, and named) so
that the layout always gets a DAG.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx

from ..api.models import Dag, Node


@dataclass
class GraphReport:
    duplicate_ids: list[str] = field(default_factory=list)
    dangling_edges: list[tuple[str, str]] = field(default_factory=list)
    self_loops: list[str] = field(default_factory=list)
    broken_cycle_edges: list[tuple[str, str]] = field(default_factory=list)
    unreadable: int = 0  # nodes or edges the client could not read at all

    def messages(self) -> list[str]:
        out = []
        if self.duplicate_ids:
            out.append(
                f"{len(self.duplicate_ids)} duplicate node id(s), first kept: "
                + ", ".join(self.duplicate_ids[:5])
            )
        if self.dangling_edges:
            out.append(
                f"{len(self.dangling_edges)} edge(s) to unknown nodes ignored: "
                + ", ".join(f"{s}->{t}" for s, t in self.dangling_edges[:5])
            )
        if self.self_loops:
            out.append(
                f"{len(self.self_loops)} self-loop(s) ignored: " + ", ".join(self.self_loops[:5])
            )
        if self.broken_cycle_edges:
            out.append(
                f"cycle(s) broken by leaving out {len(self.broken_cycle_edges)} edge(s): "
                + ", ".join(f"{s}->{t}" for s, t in self.broken_cycle_edges[:5])
            )
        if self.unreadable:
            out.append(f"{self.unreadable} node(s) or edge(s) could not be read")
        return out


def build_graph(dag: Dag) -> tuple[nx.DiGraph, GraphReport]:
    """The DAG as a DiGraph whose nodes carry their `Node` under the key "node"."""
    report = GraphReport(unreadable=dag.unreadable_nodes + dag.unreadable_edges)
    graph = nx.DiGraph()
    for node in dag.nodes:
        if node.id in graph:
            report.duplicate_ids.append(node.id)
            continue
        graph.add_node(node.id, node=node)
    # The edges of one type share one attribute dict (networkx makes one per edge: 20,000 edges,
    # 3 MiB); edge data is only ever read. networkx asks its factory for each new edge's dict.
    shared: dict[str, Callable[[], dict[str, str]]] = {}
    for edge in dag.edges:
        source, target = edge.source, edge.target
        if source not in graph or target not in graph:
            report.dangling_edges.append((source, target))
        elif source == target:
            report.self_loops.append(source)
        elif not graph.has_edge(source, target):
            kind = edge.type or "depends_on"
            if kind not in shared:
                shared[kind] = itertools.repeat({"type": kind}).__next__
            graph.edge_attr_dict_factory = shared[kind]
            graph.add_edge(source, target)
    graph.edge_attr_dict_factory = dict  # edges added later get their own
    report.broken_cycle_edges = break_cycles(graph)
    return graph, report


def same_shape(old: nx.DiGraph, new: nx.DiGraph) -> bool:
    """The same nodes and edges (a new status does not change a layout)."""
    return (
        old.number_of_nodes() == new.number_of_nodes()
        and old.number_of_edges() == new.number_of_edges()
        and all(n in old for n in new)
        and all(old.has_edge(s, t) for s, t in new.edges)
    )


def break_cycles(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """Remove the back edges of a depth-first search (iterative: graphs can be deep)."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    back_edges = []
    for start in sorted(graph, key=lambda n: (graph.in_degree(n) != 0, str(n))):
        if colour[start] != white:
            continue
        colour[start] = grey
        stack = [(start, iter(list(graph.successors(start))))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = black
                stack.pop()
            elif colour[child] == grey:
                back_edges.append((node, child))
            elif colour[child] == white:
                colour[child] = grey
                stack.append((child, iter(list(graph.successors(child)))))
    graph.remove_edges_from(back_edges)
    return back_edges


def node_of(graph: nx.DiGraph, node_id: str) -> Node:
    node: Node = graph.nodes[node_id]["node"]  # networkx is untyped: say what build_graph put
    return node


def roots(graph: nx.DiGraph) -> list[str]:
    return [n for n in graph if graph.in_degree(n) == 0]


def depths(graph: nx.DiGraph) -> dict[str, int]:
    """Longest distance from a root: the layer a node is drawn in (the layout's layers)."""
    return {n: i for i, layer in enumerate(nx.topological_generations(graph)) for n in layer}


def _duration(node: Node) -> float | None:
    if node.started_at and node.completed_at:
        return max(0.0, (node.completed_at - node.started_at).total_seconds())
    return None


def critical_path(graph: nx.DiGraph) -> list[str]:
    """The longest path: by duration where the nodes have times, else by number of nodes."""
    if graph.number_of_nodes() == 0:
        return []
    timed = any(_duration(node_of(graph, n)) is not None for n in graph)

    def weight(n: str) -> float:
        if not timed:
            return 1.0
        return _duration(node_of(graph, n)) or 0.0

    best: dict[str, float] = {}
    previous: dict[str, str | None] = {}
    for n in nx.topological_sort(graph):
        parents = list(graph.predecessors(n))
        parent = max(parents, key=lambda p: best[p]) if parents else None
        best[n] = weight(n) + (best[parent] if parent is not None else 0.0)
        previous[n] = parent
    path: list[str] = []
    step: str | None = max(best, key=lambda n: best[n])
    while step is not None:
        path.append(step)
        step = previous[step]
    return path[::-1]


STOPPED = "stopped"  # a node that said running when its run ended: it will not finish
SUBTASK = "subtask"  # planner -> child (decomposition); any other edge type is a dependency


def shown_status(node: Node, *, run_ended: bool = False) -> str:
    """The status to show: a node still "running" in an ended run is stopped, not running.

    (Upstream planners stay PLAN_DONE, which reads as running, after their run failed.)
    """
    status = node.status.value
    return STOPPED if run_ended and status == "running" else status


def status_counts(graph: nx.DiGraph, *, run_ended: bool = False) -> Counter[str]:
    return Counter(shown_status(node, run_ended=run_ended) for _, node in graph.nodes(data="node"))


def is_typed(graph: nx.DiGraph) -> bool:
    """Whether the server said which edges are decomposition (subtask edges or parent ids)."""
    return any(kind == SUBTASK for _, _, kind in graph.edges(data="type")) or any(
        node.parent_id for _, node in graph.nodes(data="node")
    )


def subgraph_of(node: Node) -> str | None:
    """The sub-DAG a node owns (upstream `subgraph_id`, an extra field), if it says so."""
    # A declared field (if the model gains one) or an extra; not getattr, which raises inside
    # pydantic for a missing extra (slow over 20,000 nodes).
    value = node.__dict__.get("subgraph_id") or (node.model_extra or {}).get("subgraph_id")
    return str(value) if value else None


def planners(graph: nx.DiGraph) -> set[str]:
    """Nodes owning a sub-DAG: a `subgraph_id`, outgoing subtask edges, or children naming them."""
    owners: set[str] = set()
    for n, node in graph.nodes(data="node"):
        if subgraph_of(node):
            owners.add(n)
        parent = node.parent_id
        if parent is not None and parent != n and parent in graph:
            owners.add(parent)
    owners |= {s for s, _, kind in graph.edges(data="type") if kind == SUBTASK}
    return owners


def decomposition_parents(graph: nx.DiGraph) -> dict[str, str] | None:
    """Each node's planner (child -> parent), or None when the graph has no typed edges.

    A node may name several (its `parent_id` and subtask edges, which a server can get wrong by
    also linking the outer planners): the innermost wins, i.e. the one in the deepest layer. A
    loop of parents (bad data) is cut, so every chain ends at a root.
    """
    if not is_typed(graph):
        return None
    candidates: dict[str, set[str]] = {}
    for n in graph:
        named = node_of(graph, n).parent_id
        if named is not None and named in graph and named != n:
            candidates.setdefault(n, set()).add(named)
    for source, target, kind in graph.edges(data="type"):
        if kind == SUBTASK:
            candidates.setdefault(target, set()).add(source)
    layer = depths(graph) if any(len(o) > 1 for o in candidates.values()) else {}
    parent = {
        n: max(options, key=lambda p: (layer.get(p, -1), str(p)))
        for n, options in candidates.items()
    }
    walked: dict[str, str] = {}
    for start in graph:
        node: str | None = start
        while node is not None and node not in walked:
            walked[node] = start
            node = parent.get(node)
        if node is not None and walked[node] == start:  # came back round: a loop
            del parent[node]
    return parent


def decomposition_children(parents: dict[str, str]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    return children


def subtree(graph: nx.DiGraph, node_id: str) -> set[str]:
    """What folding `node_id` hides: its sub-DAG by decomposition when the edges are typed,
    else the descendants reachable only through it."""
    parents = decomposition_parents(graph)
    if parents is not None:
        children = decomposition_children(parents)
        hidden: set[str] = set()
        stack = list(children.get(node_id, ()))
        while stack:
            child = stack.pop()
            if child not in hidden:
                hidden.add(child)
                stack.extend(children.get(child, ()))
        return hidden
    below: set[str] = nx.descendants(graph, node_id)
    if not below:
        return set()
    others = [r for r in roots(graph) if r != node_id and r not in below]
    pruned = graph.copy()
    pruned.remove_edges_from(list(graph.out_edges(node_id)))
    reachable: set[str] = set()
    for root in others:
        if root not in reachable:
            reachable |= {root} | nx.descendants(pruned, root)
    return below - reachable
