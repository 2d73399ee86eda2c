"""Crossing reduction for the layered layout (layout.py): the order of every layer.

Every node and dummy is an int (its index in flat lists), so the hot loops hash nothing. Median
(or mean) sweeps down and up keep the best order seen and stop when a pass gains nothing, and
their number is capped, so the work grows with the graph, not faster. A depth-first start keeps a
planner's subtree together. Big graphs get that start alone, then adjacent swaps on a budget
that scales with size. Small graphs, where milliseconds are plenty, also try the id order,
and the better order is sifted: each key moved to its cheapest slot, priced from a
table of pairwise crossings; a few shuffled starts follow. Crossings are counted by inversions
(Barth & Mutzel), in blocks.
"""

from __future__ import annotations

import itertools
import random
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from operator import add, sub

SMALL = 1_500  # nodes + dummies up to which the extra ordering work is spent (a few ms there)
SIFT_ROUNDS = 5  # sifting rounds (down and up) at most, on small graphs
SIFT_WIDTH = 400  # widest layer sifted: its cost table has width² entries
PATIENCE = 2  # median passes without gain before the sweeps stop
SWAP_ROUNDS = 4  # the final adjacent swaps look at each key about this often on a big graph
INVERSION_BLOCK = 1_024  # values counted by insertion at a time (see _inversions)
RESTARTS = 2  # shuffled starts at most, on a small graph (the second with mean sweeps)
RESTART_KEYS = 450  # ... and fewer as it grows: this many keys over its size
BIG_PASSES = 4  # median passes at most on a big graph (each a few % of the layout's time)


@dataclass
class Net:
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


def renumber(net: Net) -> None:
    pos = net.pos
    for lay in net.layers:
        for i, key in enumerate(lay):
            pos[key] = i


def _inversions(sequence: list[int]) -> int:
    """Pairs i < j with sequence[i] > sequence[j].

    In blocks: within a block by insertion into a sorted list (bisect and insert run in C);
    across blocks by bisecting each value into the sorted values of the blocks before it (a C
    loop through map), which then take the block in by a merge (sort of two sorted runs).
    """
    count = 0
    seen: list[int] = []
    for start in range(0, len(sequence), INVERSION_BLOCK):
        block = sequence[start : start + INVERSION_BLOCK]
        local: list[int] = []
        for value in block:
            at = bisect_right(local, value)
            count += len(local) - at
            local.insert(at, value)
        if seen:
            count += len(seen) * len(block) - sum(map(bisect_right, itertools.repeat(seen), block))
        seen += local
        seen.sort()
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


def crossings(net: Net) -> int:
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


def _sweeps(net: Net, passes: int, mean: bool = False, count: int | None = None) -> int:
    """Median sweeps down and up from the current order; leaves the best order seen in net.

    Stops after PATIENCE passes without gain; on a big graph a pass that gains under 1% ends it.
    """
    big = len(net.up) > SMALL
    best = [list(lay) for lay in net.layers]
    best_count = crossings(net) if count is None else count
    idle = 0
    for _ in range(passes):
        if best_count == 0 or idle >= (1 if big else PATIENCE):
            break
        for i in range(1, len(net.layers)):
            _median_sort(net.layers[i], net.up, net.pos, mean)
        for i in range(len(net.layers) - 2, -1, -1):
            _median_sort(net.layers[i], net.down, net.pos, mean)
        count = crossings(net)
        idle = 0 if count < best_count - (best_count // 100 if big else 0) else idle + 1
        if count < best_count:
            best, best_count = [list(lay) for lay in net.layers], count
    net.layers[:] = best
    renumber(net)
    return best_count


def _cross(a: list[int], b: list[int]) -> int:
    """Crossings between the edges of a key left of another: pairs with a's end right of b's."""
    if len(b) == 1:
        return sum(1 for x in a if x > b[0])
    return sum(bisect_left(b, x) for x in a)


def _spots(net: Net, layer: list[int]) -> tuple[list[list[int]], list[list[int]]]:
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


def _swaps(net: Net, budget: int, count: int) -> int:
    """Swap neighbours while that removes crossings (each swap only ever helps).

    After the first round only layers next to a change are looked at again; a round that cuts
    under 1% of the `count` crossings left ends it, like the sweeps.
    """
    gained, before, dirty = 0, 0, set(range(len(net.layers)))
    while dirty and budget > 0:
        if gained and gained - before <= (count - gained) // 100:
            break
        before = gained
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


def _side_costs(
    layer: list[int],
    links: list[list[int]],
    back: list[list[int]],
    pos: array[int],
    adjacent: list[int],
) -> list[list[int]]:
    """c[i][j]: crossings of the edges of layer[i] and layer[j] toward `adjacent` when i is left.

    Row i is the sum over i's neighbours x of: how many edges of each key end left of x. Those
    counts are one running list per slot of the adjacent layer, so a row is a list lookup (one
    neighbour) or a sum of a few lists, and the loops run in C.
    """
    running = [0] * len(layer)
    left_of = [running]  # left_of[p][j]: edges of layer[j] ending left of slot p
    for key in adjacent:
        running = running.copy()
        for n in back[key]:
            running[pos[n]] += 1
        left_of.append(running)
    rows = []
    for key in layer:
        near = links[key]
        row = left_of[pos[near[0]]] if near else left_of[0]
        for n in near[1:]:
            row = list(map(add, row, left_of[pos[n]]))
        rows.append(row)
    return rows


def _sift_layer(net: Net, index: int) -> int:
    """Move each key of one layer to the slot where it crosses least; returns the crossings cut.

    With c[i][j] known for every pair (both sides summed), the cost of every slot of a key is one
    running sum: passing key j changes it by c[j][k] - c[k][j].
    """
    layers, pos = net.layers, net.pos
    layer = layers[index]
    if not 2 <= len(layer) <= SIFT_WIDTH:
        return 0
    sides = []
    if index > 0:
        sides.append(_side_costs(layer, net.up, net.down, pos, layers[index - 1]))
    if index + 1 < len(layers):
        sides.append(_side_costs(layer, net.down, net.up, pos, layers[index + 1]))
    cost = (
        sides[0] if len(sides) == 1 else [list(map(add, a, b)) for a, b in zip(*sides, strict=True)]
    )
    swing = [
        list(map(sub, column, row))
        for row, column in zip(cost, zip(*cost, strict=True), strict=True)
    ]
    slots = list(range(len(layer)))
    gained = 0
    for key in range(len(layer)):
        here = slots.index(key)
        del slots[here]
        passing = swing[key]
        costs = [0, *itertools.accumulate([passing[j] for j in slots])]
        best = min(costs)
        slot = costs.index(best) if best < costs[here] else here
        gained += costs[here] - costs[slot]
        slots.insert(slot, key)
    if gained:
        layer[:] = [layer[i] for i in slots]
        for i, key in enumerate(layer):
            pos[key] = i
    return gained


def _sift(net: Net, rounds: int) -> int:
    """Sift every layer down and up, until a round gains nothing (small graphs only)."""
    gained = 0
    down = list(range(len(net.layers)))
    for _ in range(rounds):
        before = gained
        for index in down + down[-2::-1]:
            gained += _sift_layer(net, index)
        if gained == before:
            break
    return gained


def _depth_first_order(net: Net) -> list[list[int]]:
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


def order(net: Net, passes: int, count: int) -> int:
    """Cut crossings (`count` of them now); the order kept is never worse than the one given.

    Returns the crossings left.

    A depth-first start suits decomposition trees (a subtree stays together). Big graphs get
    that one start and median sweeps on a pass budget, then adjacent swaps on a budget that
    scales with size. Small ones also the id order; the better is sifted, then a few shuffled
    starts (seeded: the layout stays deterministic) are swept and sifted too, which gets out of
    the local optima the fixed starts lead to (worth more than mean sweeps from the same starts).
    """
    size = len(net.up)
    best = [list(lay) for lay in net.layers]
    best_count = given = count
    if best_count == 0:
        return 0
    big = size > SMALL
    starts = {"depth-first": _depth_first_order(net), "id": best}
    for start in ["depth-first"] if big else list(starts):
        net.layers[:] = [list(lay) for lay in starts[start]]
        renumber(net)
        known = given if start == "id" else None
        left = _sweeps(net, min(passes, BIG_PASSES) if big else passes, count=known)
        if big:
            left -= _swaps(net, SWAP_ROUNDS * size, left)
        if left < best_count:
            best, best_count = [list(lay) for lay in net.layers], left
        if best_count == 0:
            break
    net.layers[:] = best
    renumber(net)
    if big or not best_count:
        return best_count
    best_count -= _sift(net, SIFT_ROUNDS)
    best = [list(lay) for lay in net.layers]
    shuffler = random.Random(size)
    for restart in range(min(RESTARTS, RESTART_KEYS // size)):
        if best_count == 0:
            break
        for lay in net.layers:
            shuffler.shuffle(lay)
        renumber(net)
        left = _sweeps(net, passes, mean=restart % 2 == 1)
        left -= _sift(net, SIFT_ROUNDS)
        if left < best_count:
            best, best_count = [list(lay) for lay in net.layers], left
    net.layers[:] = best
    renumber(net)
    return best_count
