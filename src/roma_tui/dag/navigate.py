"""Moving a cursor through a laid-out DAG: where each key leads, as pure functions.

Every function takes what is on screen (the graph, its layout, or the order in which a list view
shows the nodes) and the cursor's node id, and answers the node id to go to. None means "nowhere
to go": the caller keeps the cursor where it is and may say why. No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

from .graph import node_of, shown_status
from .layout import DagLayout

UP, DOWN, LEFT, RIGHT = "up", "down", "left", "right"


def along_graph(graph: nx.DiGraph, layout: DagLayout, cursor: str, direction: str) -> str | None:
    """In the layered graph: up to a parent, down to a child (the one nearest the cursor's
    column, then by id), left or right to the neighbour in the same layer."""
    if direction in (UP, DOWN):
        near: list[str] = list(
            graph.predecessors(cursor) if direction == UP else graph.successors(cursor)
        )
        if not near:
            return None
        here = layout.centre(cursor)
        return min(near, key=lambda n: (abs(layout.centre(n) - here), str(n)))
    if direction not in (LEFT, RIGHT):
        return None
    layer = layout.layers[layout.layer_of(cursor)]
    index = layer.index(cursor) + (1 if direction == RIGHT else -1)
    return layer[index] if 0 <= index < len(layer) else None


def along_list(shown: Sequence[str], cursor: str | None, direction: str) -> str | None:
    """In a list view (one line per node, top to bottom): up and down one line; left and right
    stay. A cursor not in the list goes to its first line; an empty list has no cursor."""
    if not shown:
        return None
    index = shown.index(cursor) if cursor in shown else 0
    step = {UP: -1, DOWN: 1}.get(direction, 0)
    return shown[max(0, min(len(shown) - 1, index + step))]


def reading_order(layout: DagLayout | None, shown: Iterable[str] = ()) -> list[str]:
    """The nodes in the order a reader meets them: a list view's lines when it shows some
    (each node once), else the graph's layers, top to bottom, left to right."""
    lines = list(dict.fromkeys(shown))
    if lines:
        return lines
    return [n for layer in layout.layers for n in layer] if layout is not None else []


def next_with_status(
    graph: nx.DiGraph,
    order: Sequence[str],
    cursor: str | None,
    status: str,
    step: int,
    *,
    run_ended: bool = False,
) -> str | None:
    """The next node (`step` 1) or the previous one (-1) in `order` whose shown status is
    `status`, wrapping round; None when no node has it. Alone in having it, the cursor stays.

    In an ended run nothing runs: a node that still says so is shown stopped, and never matches
    "running".
    """
    matches = [n for n in order if shown_status(node_of(graph, n), run_ended=run_ended) == status]
    if not matches:
        return None
    where = {n: i for i, n in enumerate(order)}
    if cursor not in where:  # no cursor in this order: from before its first node (or last)
        return matches[0] if step > 0 else matches[-1]
    others = [n for n in matches if n != cursor]
    if not others:
        return cursor  # the one match: stay
    start = where[cursor]
    return min(others, key=lambda n: ((where[n] - start) * step) % len(order))


def find(
    order: Sequence[str], cursor: str | None, needle: str, labels: Mapping[str, str]
) -> str | None:
    """The first node after the cursor (wrapping round, the cursor's own node last) whose id or
    label holds `needle`, whatever the case; None when none does or the needle is blank."""
    needle = needle.strip().lower()
    if not needle:
        return None
    start = order.index(cursor) + 1 if cursor in order else 0
    rotated = [*order[start:], *order[:start]]
    return next(
        (n for n in rotated if needle in str(n).lower() or needle in labels.get(n, "").lower()),
        None,
    )
