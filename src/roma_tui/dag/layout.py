"""Layered (Sugiyama) layout of a DAG for a character canvas.

1. Layers: longest path from the roots (networkx's topological generations), so a planner is
   always above its children.
2. Long edges are split by dummy nodes, one per layer crossed, so every segment joins adjacent
   layers. From here on every node and dummy is an int (its index in flat lists), which keeps the
   hot loops free of hashing and the memory compact.
3. Crossings are cut in ordering.py: median sweeps from a depth-first start, stopped when they
   gain nothing, so the work grows with the graph's size, not faster (details there).
4. Coordinates: each layer is packed left to right, then nudged toward its neighbours' positions
   without breaking the order, so the canvas is as wide as the widest layer needs.

Deterministic: the same graph gives the same layout. Pure Python, no Textual.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import networkx as nx
from rich.cells import cell_len

from .graph import depths
from .ordering import Net, crossings, order, renumber

BOX_HEIGHT = 3  # top border, label, bottom border
CHANNEL = 3  # rows between layers for edges: exit, horizontal run, arrow
ROW_PITCH = BOX_HEIGHT + CHANNEL
GAP = 2  # columns between neighbours in a layer
DUMMY_WIDTH = 1
MIN_BOX, MAX_BOX = 9, 28  # box widths, borders included
Route = list[tuple[int, int]]


class Routes(Mapping[tuple[str, str], Route]):
    """Every original edge as the chain of points it passes: (x, layer) per layer, ends included.

    Built on demand from flat arrays: a big graph's chains are not all held at once.
    """

    def __init__(
        self,
        names: list[str],
        ends: array[int],
        first: array[int],
        x: array[int],
        layer: array[int],
    ) -> None:
        self._names, self._ends, self._first, self._x, self._layer = names, ends, first, x, layer
        self._index: dict[tuple[str, str], int] | None = None

    def _chain(self, edge: int) -> Route:
        source, target = self._ends[2 * edge], self._ends[2 * edge + 1]
        x, start = self._x, self._layer[source]
        chain = [(x[source], start)]
        first = self._first[edge]
        chain += [(x[first + i], start + 1 + i) for i in range(self._layer[target] - start - 1)]
        chain.append((x[target], self._layer[target]))
        return chain

    def _key(self, edge: int) -> tuple[str, str]:
        return self._names[self._ends[2 * edge]], self._names[self._ends[2 * edge + 1]]

    def __getitem__(self, key: tuple[str, str]) -> Route:
        if self._index is None:
            self._index = {self._key(e): e for e in range(len(self))}
        return self._chain(self._index[key])

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return (self._key(e) for e in range(len(self)))

    def __len__(self) -> int:
        return len(self._first)

    def items(self) -> Iterator[tuple[tuple[str, str], Route]]:  # type: ignore[override]
        return ((self._key(e), self._chain(e)) for e in range(len(self)))


class Positions(Mapping[str, tuple[int, int]]):
    """node -> (x, y) of its box, read from flat arrays by the node's index."""

    def __init__(self, index: dict[str, int], left: array[int], layer: array[int]) -> None:
        self._index, self._left, self._layer = index, left, layer

    def __getitem__(self, node: str) -> tuple[int, int]:
        key = self._index[node]
        return self._left[key], self._layer[key] * ROW_PITCH

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class Widths(Mapping[str, int]):
    """node -> box width, read from a flat array by the node's index."""

    def __init__(self, index: dict[str, int], widths: array[int]) -> None:
        self._index, self._widths = index, widths

    def __getitem__(self, node: str) -> int:
        return self._widths[self._index[node]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


@dataclass
class DagLayout:
    layers: list[list[str]]  # real nodes only, top to bottom, left to right
    position: Mapping[str, tuple[int, int]]  # node -> (x, y) of its box's top-left cell
    width: Mapping[str, int]  # node -> box width
    canvas_width: int
    canvas_height: int
    routes: Mapping[tuple[str, str], Route] = field(default_factory=dict)
    crossings_before: int = 0  # with layers in id order
    crossings_after: int = 0

    def layer_of(self, node_id: str) -> int:
        return self.position[node_id][1] // ROW_PITCH

    def centre(self, node_id: str) -> int:
        return self.position[node_id][0] + self.width[node_id] // 2


def _box_width(label: str) -> int:
    return max(MIN_BOX, min(MAX_BOX, cell_len(label) + 4))


def _split_long_edges(graph: nx.DiGraph) -> Net:
    names = list(graph)
    index = {n: i for i, n in enumerate(names)}
    depth = depths(graph)
    layer = array("i", (depth[n] for n in names))
    layers: list[list[int]] = [[] for _ in range(max(layer, default=-1) + 1)]
    for key, at in enumerate(layer):
        layers[at].append(key)
    up: list[list[int]] = [[] for _ in names]
    down: list[list[int]] = [[] for _ in names]
    ends, first = array("i"), array("i")
    toward = array("i", range(len(names)))
    sort_key: list[tuple[int, str, str, int]] = [(1, n, "", 0) for n in names]
    for source_name, target_name in graph.edges:
        source, target = index[source_name], index[target_name]
        ends.extend((source, target))
        first.append(len(up))
        previous = source
        for i, between in enumerate(range(layer[source] + 1, layer[target])):
            dummy = len(up)
            up.append([previous])
            down.append([])
            down[previous].append(dummy)
            layer.append(between)
            toward.append(target)
            layers[between].append(dummy)
            sort_key.append((0, source_name, target_name, i))  # dummies first, as before
            previous = dummy
        down[previous].append(target)
        up[target].append(previous)
    for lay in layers:
        lay.sort(key=sort_key.__getitem__)  # id order: the "before" reference, and determinism
    net = Net(names, layers, up, down, layer, ends, first, toward)
    net.pos = array("i", bytes(4 * len(up)))
    renumber(net)
    return net


def _place(net: Net, widths: array[int]) -> array[int]:
    """Left edges: packed, then pulled toward the centres of their neighbours, order kept."""
    left = array("i", bytes(4 * len(widths)))
    canvas = 0
    for layer in net.layers:
        x = 0
        for key in layer:
            left[key] = x
            x += widths[key] + GAP
        canvas = max(canvas, x - GAP)

    halves = array("i", (w // 2 for w in widths))

    def settle(layer: list[int], links: list[list[int]]) -> None:
        wanted = []
        for key in layer:
            near = links[key]
            if len(near) == 1:  # most keys: no float, no generator
                wanted.append(left[near[0]] + halves[near[0]] - halves[key])
            elif near:
                centre = sum([left[n] + halves[n] for n in near]) / len(near)
                wanted.append(round(centre - halves[key]))
            else:
                wanted.append(left[key])
        # Forward: no overlap; backward: stay inside the canvas.
        x = 0
        for key, want in zip(layer, wanted, strict=True):
            width = widths[key]
            at = max(x, min(want, canvas - width))
            left[key] = at
            x = at + width + GAP
        limit = canvas
        for key in reversed(layer):
            at = min(left[key], limit - widths[key])
            left[key] = at
            limit = at - GAP

    for _ in range(2):
        for i in range(1, len(net.layers)):
            settle(net.layers[i], net.up)
        for i in range(len(net.layers) - 2, -1, -1):
            settle(net.layers[i], net.down)
    return left


def compute_layout(
    graph: nx.DiGraph,
    label: Callable[[str], str] = str,
    *,
    passes: int = 8,
) -> DagLayout:
    """Lay out an acyclic graph (see graph.build_graph, which breaks cycles)."""
    net = _split_long_edges(graph)
    before = crossings(net)
    after = order(net, passes, before)
    names, real = net.names, len(net.names)
    widths = array("i", (_box_width(label(n)) for n in names))
    widths.extend(itertools.repeat(DUMMY_WIDTH, len(net.up) - real))
    left = _place(net, widths)
    index = {n: i for i, n in enumerate(names)}  # one dict for positions and widths
    x_of = array("i", (a + w // 2 for a, w in zip(left, widths, strict=True)))
    canvas_width = max((left[k] + widths[k] for k in range(len(widths))), default=0)
    return DagLayout(
        layers=[[names[k] for k in lay if k < real] for lay in net.layers],
        position=Positions(index, left, net.layer),
        width=Widths(index, widths),
        canvas_width=canvas_width,
        canvas_height=max(0, len(net.layers) * ROW_PITCH - CHANNEL),
        routes=Routes(names, net.ends, net.first, x_of, net.layer),
        crossings_before=before,
        crossings_after=after,
    )
