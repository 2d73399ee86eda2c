"""The layout before issue 13 (commit 41255ce), kept only as the benchmarks' reference.

Not used by roma-tui. Compare with roma_tui.dag.layout in benchmarks/dag_layout.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx
from rich.cells import cell_len

from roma_tui.dag.graph import depths

BOX_HEIGHT = 3  # top border, label, bottom border
CHANNEL = 3  # rows between layers for edges: exit, horizontal run, arrow
ROW_PITCH = BOX_HEIGHT + CHANNEL
GAP = 2  # columns between neighbours in a layer
DUMMY_WIDTH = 1
MIN_BOX, MAX_BOX = 9, 28  # box widths, borders included


@dataclass(frozen=True)
class Dummy:
    """A point where a long edge crosses a layer."""

    source: str
    target: str
    index: int

    def __str__(self) -> str:  # sorts with real ids, deterministically
        return f"\x00{self.source}\x00{self.target}\x00{self.index:06d}"


Key = str | Dummy


@dataclass
class DagLayout:
    layers: list[list[str]]  # real nodes only, top to bottom, left to right
    position: dict[str, tuple[int, int]]  # node -> (x, y) of its box's top-left cell
    width: dict[str, int]  # node -> box width
    canvas_width: int
    canvas_height: int
    # Every original edge as the chain of points it passes: (x, layer) per layer, ends included.
    routes: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    crossings_before: int = 0  # with layers in id order
    crossings_after: int = 0
    ordered: list[list[Key]] = field(default_factory=list)  # layers with dummies
    x_of: dict[Key, int] = field(default_factory=dict)  # centre column of every key

    def layer_of(self, node_id: str) -> int:
        return self.position[node_id][1] // ROW_PITCH

    def centre(self, node_id: str) -> int:
        return self.position[node_id][0] + self.width[node_id] // 2


def _box_width(label: str) -> int:
    return max(MIN_BOX, min(MAX_BOX, cell_len(label) + 4))


def _split_long_edges(
    graph: nx.DiGraph, layer: dict[str, int]
) -> tuple[list[list[Key]], dict[Key, list[Key]], dict[Key, list[Key]]]:
    """Layers with dummies, and the up/down neighbours of every key."""
    top = max(layer.values(), default=-1) + 1
    layers: list[list[Key]] = [[] for _ in range(top)]
    for node in graph:
        layers[layer[node]].append(node)
    up: dict[Key, list[Key]] = {k: [] for lay in layers for k in lay}
    down: dict[Key, list[Key]] = {k: [] for lay in layers for k in lay}
    for source, target in graph.edges:
        chain: list[Key] = [source]
        for i, between in enumerate(range(layer[source] + 1, layer[target])):
            dummy = Dummy(source, target, i)
            layers[between].append(dummy)
            up[dummy], down[dummy] = [], []
            chain.append(dummy)
        chain.append(target)
        for a, b in itertools.pairwise(chain):
            down[a].append(b)
            up[b].append(a)
    return layers, up, down


def count_crossings(upper: list[Key], lower: list[Key], down: dict[Key, list[Key]]) -> int:
    """Crossings between two adjacent layers (Fenwick tree over the lower positions)."""
    where = {k: i for i, k in enumerate(lower)}
    ends = sorted((i, where[c]) for i, k in enumerate(upper) for c in down[k] if c in where)
    tree = [0] * (len(lower) + 1)
    crossings = 0
    for seen, (_, position) in enumerate(ends):
        # Edges seen so far that end strictly to the right of this one cross it.
        at, below_or_equal = position + 1, 0
        while at > 0:
            below_or_equal += tree[at]
            at -= at & -at
        crossings += seen - below_or_equal
        at = position + 1
        while at <= len(lower):
            tree[at] += 1
            at += at & -at
    return crossings


def total_crossings(layers: list[list[Key]], down: dict[Key, list[Key]]) -> int:
    return sum(count_crossings(a, b, down) for a, b in itertools.pairwise(layers))


def _median_sort(layer: list[Key], fixed: list[Key], links: dict[Key, list[Key]]) -> list[Key]:
    where = {k: i for i, k in enumerate(fixed)}
    keyed = []
    for i, key in enumerate(layer):
        spots = sorted(where[n] for n in links[key] if n in where)
        if spots:
            middle = len(spots) // 2
            median = spots[middle] if len(spots) % 2 else (spots[middle - 1] + spots[middle]) / 2
        else:
            median = -1.0  # keep it where it is
        keyed.append((median, i, key))
    # Keys without neighbours keep their slot; the rest are ordered by median.
    movable = sorted((m, i, k) for m, i, k in keyed if m >= 0)
    result, it = [], iter(movable)
    for median, _, key in keyed:
        result.append(key if median < 0 else next(it)[2])
    return result


def _transpose(
    layers: list[list[Key]], up: dict[Key, list[Key]], down: dict[Key, list[Key]], budget: int
) -> None:
    """Swap neighbours while that removes crossings (bounded work on big graphs)."""

    def pair_crossings(u: Key, v: Key, links: dict[Key, list[Key]], where: dict[Key, int]) -> int:
        pu = [where[n] for n in links[u] if n in where]
        pv = [where[n] for n in links[v] if n in where]
        return sum(1 for a in pu for b in pv if a > b)

    improved, rounds = True, 0
    while improved and budget > 0 and rounds < 4:
        improved, rounds = False, rounds + 1
        for index, layer in enumerate(layers):
            above = {k: i for i, k in enumerate(layers[index - 1])} if index else {}
            below = (
                {k: i for i, k in enumerate(layers[index + 1])} if index + 1 < len(layers) else {}
            )
            for i in range(len(layer) - 1):
                budget -= 1
                u, v = layer[i], layer[i + 1]
                now = pair_crossings(u, v, up, above) + pair_crossings(u, v, down, below)
                swapped = pair_crossings(v, u, up, above) + pair_crossings(v, u, down, below)
                if swapped < now:
                    layer[i], layer[i + 1] = v, u
                    improved = True


def _reduce_crossings(
    layers: list[list[Key]], up: dict[Key, list[Key]], down: dict[Key, list[Key]], passes: int
) -> list[list[Key]]:
    best = [list(layer) for layer in layers]
    best_count = total_crossings(best, down)
    current = [list(layer) for layer in layers]
    for _ in range(passes):
        if best_count == 0:
            break
        for i in range(1, len(current)):
            current[i] = _median_sort(current[i], current[i - 1], up)
        for i in range(len(current) - 2, -1, -1):
            current[i] = _median_sort(current[i], current[i + 1], down)
        count = total_crossings(current, down)
        if count < best_count:
            best, best_count = [list(layer) for layer in current], count
        else:
            break
    size = sum(len(layer) for layer in best)
    _transpose(best, up, down, budget=max(0, 200_000 - size))  # each swap only ever helps
    return best


def _place(
    layers: list[list[Key]],
    widths: dict[Key, int],
    up: dict[Key, list[Key]],
    down: dict[Key, list[Key]],
) -> dict[Key, int]:
    """Left edges: packed, then pulled toward the centres of their neighbours, order kept."""
    left: dict[Key, int] = {}
    for layer in layers:
        x = 0
        for key in layer:
            left[key] = x
            x += widths[key] + GAP
    canvas = max((left[k] + widths[k] for layer in layers for k in layer[-1:]), default=0)

    def settle(layer: list[Key], links: dict[Key, list[Key]]) -> None:
        wanted = []
        for key in layer:
            near = [left[n] + widths[n] // 2 for n in links[key]]
            centre = sum(near) / len(near) if near else left[key] + widths[key] // 2
            wanted.append(round(centre - widths[key] // 2))
        # Forward: no overlap; backward: stay inside the canvas.
        x = 0
        for key, want in zip(layer, wanted, strict=True):
            left[key] = max(x, min(want, canvas - widths[key]))
            x = left[key] + widths[key] + GAP
        limit = canvas
        for key in reversed(layer):
            left[key] = min(left[key], limit - widths[key])
            limit = left[key] - GAP

    for _ in range(2):
        for i in range(1, len(layers)):
            settle(layers[i], up)
        for i in range(len(layers) - 2, -1, -1):
            settle(layers[i], down)
    return left


def compute_layout(
    graph: nx.DiGraph,
    label: Callable[[str], str] = str,
    *,
    passes: int = 8,
) -> DagLayout:
    """Lay out an acyclic graph (see graph.build_graph, which breaks cycles)."""
    layer = depths(graph)
    layers, up, down = _split_long_edges(graph, layer)
    for lay in layers:
        lay.sort(key=str)  # id order: the "before" reference, and determinism
    before = total_crossings(layers, down)
    ordered = _reduce_crossings(layers, up, down, passes)
    widths: dict[Key, int] = {
        k: DUMMY_WIDTH if isinstance(k, Dummy) else _box_width(label(k))
        for lay in ordered
        for k in lay
    }
    left = _place(ordered, widths, up, down)
    position, width, x_of = {}, {}, {}
    for index, lay in enumerate(ordered):
        for key in lay:
            x_of[key] = left[key] + widths[key] // 2
            if not isinstance(key, Dummy):
                position[key] = (left[key], index * ROW_PITCH)
                width[key] = widths[key]
    routes = {}
    for source, target in graph.edges:
        chain = [(x_of[source], layer[source])]
        chain += [
            (x_of[Dummy(source, target, i)], layer[source] + 1 + i)
            for i in range(layer[target] - layer[source] - 1)
        ]
        chain.append((x_of[target], layer[target]))
        routes[(source, target)] = chain
    canvas_width = max((left[k] + widths[k] for lay in ordered for k in lay), default=0)
    return DagLayout(
        layers=[[k for k in lay if not isinstance(k, Dummy)] for lay in ordered],
        position=position,
        width=width,
        canvas_width=canvas_width,
        canvas_height=max(0, len(ordered) * ROW_PITCH - CHANNEL),
        routes=routes,
        crossings_before=before,
        crossings_after=total_crossings(ordered, down),
        ordered=ordered,
        x_of=x_of,
    )
