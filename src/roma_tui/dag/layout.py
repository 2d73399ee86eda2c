"""Layered (Sugiyama) layout of a DAG for a character canvas.

1. Layers: longest path from the roots (networkx's topological generations), so a planner is
   always above its children.
2. Long edges are split by dummy nodes, one per layer crossed, so every segment joins adjacent
   layers. From here on every node and dummy is an int (its index in flat lists), which keeps the
   hot loops free of hashing and the memory compact.
3. Crossings are cut by median sweeps, down and up, keeping the best order seen; the sweeps stop
   after a few passes without gain, and their number is fixed, so the work grows with the graph's
   size, not faster. Small graphs (where milliseconds are plenty) also try a depth-first start and
   sift every node to its best slot; big ones finish with adjacent swaps on a work budget.
4. Coordinates: each layer is packed left to right, then nudged toward its neighbours' positions
   without breaking the order, so the canvas is as wide as the widest layer needs.

Deterministic: the same graph gives the same layout. Pure Python, no Textual.
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import networkx as nx
from rich.cells import cell_len

from .graph import depths

BOX_HEIGHT = 3  # top border, label, bottom border
CHANNEL = 3  # rows between layers for edges: exit, horizontal run, arrow
ROW_PITCH = BOX_HEIGHT + CHANNEL
GAP = 2  # columns between neighbours in a layer
DUMMY_WIDTH = 1
MIN_BOX, MAX_BOX = 9, 28  # box widths, borders included

SMALL = 1_500  # nodes + dummies up to which the extra ordering work is spent (a few ms there)
SIFT_WORK = 40  # pair checks of sifting per key of a small graph
PATIENCE = 3  # median passes without gain before the sweeps stop
SWAP_ROUNDS = 4  # the final adjacent swaps look at each key about this often on a big graph
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


@dataclass
class DagLayout:
    layers: list[list[str]]  # real nodes only, top to bottom, left to right
    position: dict[str, tuple[int, int]]  # node -> (x, y) of its box's top-left cell
    width: dict[str, int]  # node -> box width
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


@dataclass
class _Net:
    """The layered graph with dummies: keys 0..n-1 are the real nodes, the rest dummies."""

    names: list[str]
    layers: list[list[int]]
    up: list[list[int]]
    down: list[list[int]]
    layer: array[int]  # layer of every key
    ends: array[int]  # source, target of every original edge, flat
    first: array[int]  # the first dummy of every original edge (its dummies are consecutive)
    toward: array[int]  # the real node every key leads to: itself, or its edge's target
    pos: array[int] = field(default_factory=lambda: array("i"))  # slot in its layer


def _split_long_edges(graph: nx.DiGraph) -> _Net:
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
    net = _Net(names, layers, up, down, layer, ends, first, toward)
    net.pos = array("i", bytes(4 * len(up)))
    _renumber(net)
    return net


def _renumber(net: _Net) -> None:
    pos = net.pos
    for lay in net.layers:
        for i, key in enumerate(lay):
            pos[key] = i


def _inversions(sequence: list[int]) -> int:
    """Pairs i < j with sequence[i] > sequence[j]."""
    if len(sequence) < 3_000:  # a sorted list: bisect and insert run in C
        seen: list[int] = []
        count = 0
        for value in sequence:
            at = bisect_right(seen, value)
            count += len(seen) - at
            seen.insert(at, value)
        return count
    top = max(sequence) + 1  # a Fenwick tree: O(n log n) however long
    tree = [0] * (top + 1)
    count = 0
    for seen_count, value in enumerate(sequence):
        at, below_or_equal = value + 1, 0
        while at > 0:
            below_or_equal += tree[at]
            at -= at & -at
        count += seen_count - below_or_equal
        at = value + 1
        while at <= top:
            tree[at] += 1
            at += at & -at
    return count


def _pair_crossings(upper: list[int], down: list[list[int]], pos: array[int]) -> int:
    sequence: list[int] = []
    for key in upper:
        below = down[key]
        if len(below) == 1:
            sequence.append(pos[below[0]])
        elif below:
            sequence.extend(sorted([pos[n] for n in below]))
    return _inversions(sequence)


def _crossings(net: _Net) -> int:
    return sum(_pair_crossings(lay, net.down, net.pos) for lay in net.layers[:-1])


def _median_sort(
    layer: list[int], links: list[list[int]], pos: array[int], mean: bool = False
) -> None:
    """Order a layer by the median (or mean) slot of its neighbours; keys without any stay."""
    keyed: list[tuple[float, int, int]] = []
    for i, key in enumerate(layer):
        near = links[key]
        if len(near) == 1:
            keyed.append((pos[near[0]], i, key))
        elif near and mean:
            keyed.append((sum([pos[n] for n in near]) / len(near), i, key))
        elif near:
            spots = sorted([pos[n] for n in near])
            middle = len(spots) // 2
            odd = len(spots) % 2
            keyed.append(
                (spots[middle] if odd else (spots[middle - 1] + spots[middle]) / 2, i, key)
            )
    if not keyed:
        return
    if len(keyed) == len(layer):
        keyed.sort()
        layer[:] = [k for _, _, k in keyed]
    else:
        fixed = {k for _, _, k in keyed}
        it = iter(sorted(keyed))
        layer[:] = [next(it)[2] if k in fixed else k for k in layer]
    for i, key in enumerate(layer):
        pos[key] = i


def _exchange(layer: list[int], links: list[list[int]], pos: array[int]) -> None:
    """One pass of adjacent swaps against the layer just sorted by (as grandalf does)."""
    spots = [sorted([pos[n] for n in links[k]]) for k in layer]
    for i in range(len(layer) - 1):
        if _balance(spots[i], spots[i + 1]) > 0:
            layer[i], layer[i + 1] = layer[i + 1], layer[i]
            spots[i], spots[i + 1] = spots[i + 1], spots[i]
            pos[layer[i]], pos[layer[i + 1]] = i, i + 1


def _sweeps(net: _Net, passes: int, mean: bool = False, exchange: bool = False) -> int:
    """Median sweeps down and up from the current order; leaves the best order seen in net.

    Stops after PATIENCE passes without gain; on a big graph a pass that gains under 1% ends it.
    """
    big = len(net.up) > SMALL
    best = [list(lay) for lay in net.layers]
    best_count = _crossings(net)
    idle = 0
    for _ in range(passes):
        if best_count == 0 or idle >= (1 if big else PATIENCE):
            break
        for i in range(1, len(net.layers)):
            _median_sort(net.layers[i], net.up, net.pos, mean)
            if exchange:
                _exchange(net.layers[i], net.up, net.pos)
        for i in range(len(net.layers) - 2, -1, -1):
            _median_sort(net.layers[i], net.down, net.pos, mean)
            if exchange:
                _exchange(net.layers[i], net.down, net.pos)
        count = _crossings(net)
        idle = 0 if count < best_count - (best_count // 100 if big else 0) else idle + 1
        if count < best_count:
            best, best_count = [list(lay) for lay in net.layers], count
    net.layers[:] = best
    _renumber(net)
    return best_count


def _cross(a: list[int], b: list[int]) -> int:
    """Crossings between the edges of a key left of another: pairs with a's end right of b's."""
    if len(b) == 1:
        return sum(1 for x in a if x > b[0])
    return sum(bisect_left(b, x) for x in a)


def _spots(net: _Net, layer: list[int]) -> tuple[list[list[int]], list[list[int]]]:
    pos = net.pos
    return (
        [sorted([pos[n] for n in net.up[k]]) for k in layer],
        [sorted([pos[n] for n in net.down[k]]) for k in layer],
    )


def _balance(a: list[int], b: list[int]) -> int:
    """Crossings with a left of b minus crossings with b left of a (ends sorted)."""
    if not a or not b:
        return 0
    if len(a) == 1 and len(b) == 1:
        return (a[0] > b[0]) - (a[0] < b[0])
    return _cross(a, b) - _cross(b, a)


def _gain(u: list[int], v: list[int], w: list[int], x: list[int]) -> int:
    """Crossings removed by swapping two neighbours (u, w their slots above, v, x below)."""
    return _balance(u, w) + _balance(v, x)


def _swaps(net: _Net, budget: int) -> int:
    """Swap neighbours while that removes crossings (each swap only ever helps).

    After the first round only layers next to a change are looked at again.
    """
    gained, dirty = 0, set(range(len(net.layers)))
    while dirty and budget > 0:
        changed = set()
        for index in sorted(dirty):
            layer = net.layers[index]
            ups, downs = _spots(net, layer)
            budget -= len(layer)
            for i in range(len(layer) - 1):
                gain = _gain(ups[i], downs[i], ups[i + 1], downs[i + 1])
                if gain > 0:
                    layer[i], layer[i + 1] = layer[i + 1], layer[i]
                    ups[i], ups[i + 1] = ups[i + 1], ups[i]
                    downs[i], downs[i + 1] = downs[i + 1], downs[i]
                    net.pos[layer[i]], net.pos[layer[i + 1]] = i, i + 1
                    gained += gain
                    changed.add(index)
        dirty = {i for c in changed for i in (c - 1, c, c + 1) if 0 <= i < len(net.layers)}
    return gained


def _sift(net: _Net, rounds: int, budget: int) -> int:
    """Move keys to the slot of their layer where they cross least (small graphs only).

    Only layers next to a crossing are looked at: elsewhere no move can gain.
    """
    gained = 0
    for _ in range(rounds):
        before = gained
        for index, layer in enumerate(net.layers):
            above = index and _pair_crossings(net.layers[index - 1], net.down, net.pos)
            below = index + 1 < len(net.layers) and _pair_crossings(layer, net.down, net.pos)
            if not above and not below:
                continue
            ups, downs = _spots(net, layer)
            for key in list(layer):
                budget -= len(layer)
                if budget < 0:
                    return gained
                i = layer.index(key)
                u, d = ups.pop(i), downs.pop(i)
                del layer[i]
                cost, best_cost, best_slot, here = 0, 0, 0, 0
                for j in range(len(layer)):  # cost of the key at slot j+1 against slot 0
                    cost -= _balance(u, ups[j]) + _balance(d, downs[j])
                    if j + 1 == i:
                        here = cost
                    if cost < best_cost:
                        best_cost, best_slot = cost, j + 1
                slot = best_slot if best_cost < here else i
                gained += here - min(here, best_cost)
                layer.insert(slot, key)
                ups.insert(slot, u)
                downs.insert(slot, d)
                for at in range(min(i, slot), max(i, slot) + 1):
                    net.pos[layer[at]] = at
        if gained == before:
            break
    return gained


def _depth_first_order(net: _Net) -> list[list[int]]:
    """Each layer in the order a depth-first walk from the roots first reaches its keys.

    Children are walked in the id order of the task they lead to (a dummy counts as its edge's
    target), so siblings still read left to right and a subtree stays together.
    """
    seen = bytearray(len(net.up))
    rank = [0] * len(net.up)
    real = len(net.names)

    def leads_to(key: int) -> tuple[str, bool]:
        return net.names[net.toward[key]], key >= real

    counter = 0
    for root in (k for lay in net.layers for k in lay if not net.up[k]):
        stack = [root]
        while stack:
            key = stack.pop()
            if seen[key]:
                continue
            seen[key], rank[key], counter = 1, counter, counter + 1
            stack.extend(sorted(net.down[key], key=leads_to, reverse=True))
    return [sorted(lay, key=rank.__getitem__) for lay in net.layers]


def _order(net: _Net, passes: int) -> None:
    """Cut crossings; the order kept is never worse than the id order it starts from.

    A depth-first start suits decomposition trees (a subtree stays together); big graphs get
    that one start, small ones also the id order, each with median and mean sorts, then sifting.
    """
    size = len(net.up)
    best = [list(lay) for lay in net.layers]
    best_count = _crossings(net)
    if best_count == 0:
        return
    starts = {"depth-first": _depth_first_order(net), "id": best}
    tries = (
        [("depth-first", False)] if size > SMALL else list(itertools.product(starts, (False, True)))
    )
    for start, mean in tries:
        net.layers[:] = [list(lay) for lay in starts[start]]
        _renumber(net)
        count = _sweeps(net, passes if size > SMALL else 3 * passes, mean)
        count -= _swaps(net, budget=SWAP_ROUNDS * size)
        if count < best_count:
            best, best_count = [list(lay) for lay in net.layers], count
        if best_count == 0:
            break
    net.layers[:] = best
    _renumber(net)
    if size <= SMALL and best_count:
        _sift(net, rounds=3, budget=SIFT_WORK * size)
        _swaps(net, budget=SWAP_ROUNDS * size)


def _place(net: _Net, widths: array[int]) -> array[int]:
    """Left edges: packed, then pulled toward the centres of their neighbours, order kept."""
    left = array("i", bytes(4 * len(widths)))
    canvas = 0
    for layer in net.layers:
        x = 0
        for key in layer:
            left[key] = x
            x += widths[key] + GAP
        canvas = max(canvas, x - GAP)

    def settle(layer: list[int], links: list[list[int]]) -> None:
        wanted = []
        for key in layer:
            near = links[key]
            half = widths[key] // 2
            if near:
                centre = sum(left[n] + widths[n] // 2 for n in near) / len(near)
            else:
                centre = left[key] + half
            wanted.append(round(centre - half))
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
    before = _crossings(net)
    _order(net, passes)
    names, real = net.names, len(net.names)
    widths = array("i", (_box_width(label(n)) for n in names))
    widths.extend(itertools.repeat(DUMMY_WIDTH, len(net.up) - real))
    left = _place(net, widths)
    position: dict[str, tuple[int, int]] = {}
    width: dict[str, int] = {}
    for key in range(real):
        position[names[key]] = (left[key], net.layer[key] * ROW_PITCH)
        width[names[key]] = widths[key]
    x_of = array("i", (a + w // 2 for a, w in zip(left, widths, strict=True)))
    canvas_width = max((left[k] + widths[k] for k in range(len(widths))), default=0)
    return DagLayout(
        layers=[[names[k] for k in lay if k < real] for lay in net.layers],
        position=position,
        width=width,
        canvas_width=canvas_width,
        canvas_height=max(0, len(net.layers) * ROW_PITCH - CHANNEL),
        routes=Routes(names, net.ends, net.first, x_of, net.layer),
        crossings_before=before,
        crossings_after=_crossings(net),
    )
