"""DAG layout: scaling, crossings and painting, each next to its reference in the same run.

Two parts:
1. Big graphs (default 200, 5,000, 20,000, 50,000 nodes) of two families: "layered" (random layered
   DAGs, edges mostly to the next layer) and "roma" (ROMA-like decomposition trees: planners fan out
   into subtasks, some subtasks depend on earlier siblings). Per size: our layout time and the
   previous algorithm's (benchmarks/layout_previous.py), crossings before (layers in id order) and
   after both, and the time to paint one 160x48 window (median of 20).
2. Small graphs: the sandbox's own decomposition trees (90-130 nodes), small "roma" trees and small
   layered DAGs. Per family: total crossings of ours, the previous algorithm and grandalf's
   Sugiyama layout, how many graphs grandalf beats us on, and the median time of each.

grandalf is not a dependency of roma-tui; install it in a separate environment to see its column:
    python3 -m venv /tmp/grandalf-venv && /tmp/grandalf-venv/bin/pip install -e . grandalf
    /tmp/grandalf-venv/bin/python benchmarks/dag_layout.py

Times are CPU seconds of this process (see _timed).

Run: python benchmarks/dag_layout.py [--sizes 200 5000 20000 50000] [--small 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx

from roma_tui.api import Dag
from roma_tui.dag import Painter, build_graph, compute_layout
from roma_tui.dag.render import node_label
from roma_tui.sandbox.simulation import draw_plan

sys.path.insert(0, str(Path(__file__).parent))
import layout_previous

try:
    from grandalf.graphs import Edge, Graph, Vertex  # type: ignore[import-not-found,unused-ignore]
    from grandalf.layouts import SugiyamaLayout  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # see the module docstring
    SugiyamaLayout = None


def _dag(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> Dag:
    return Dag.model_validate({"nodes": nodes, "edges": edges})


def layered_dag(size: int, seed: int = 1) -> Dag:
    """Layers of random width, edges mostly to the next layer, some skipping up to 3."""
    rng = random.Random(seed)
    layers, made = [], 0
    depth = max(4, int(size**0.5 / 2))
    while made < size:
        width = max(1, int(rng.uniform(0.5, 1.5) * size / depth))
        width = min(width, size - made)
        layers.append([f"n{made + i:06d}" for i in range(width)])
        made += width
    kinds = ["planner", "executor", "aggregator"]
    states = ["completed", "running", "pending", "failed"]
    nodes = [
        {"id": n, "type": rng.choice(kinds), "status": rng.choice(states), "input": f"task {n}"}
        for layer in layers
        for n in layer
    ]
    edges = []
    for index in range(1, len(layers)):
        for node in layers[index]:
            for _ in range(rng.choice((1, 1, 2))):
                back = 1 if rng.random() < 0.85 else rng.randint(1, min(3, index))
                edges.append({"from": rng.choice(layers[index - back]), "to": node})
    return _dag(nodes, edges)


def roma_tree(size: int, seed: int = 1) -> Dag:
    """A decomposition tree like the sandbox draws (which caps at 400 tasks), at any size."""
    return Dag.model_validate(roma_tree_data(size, seed))


def roma_tree_data(size: int, seed: int = 1) -> dict[str, Any]:
    """roma_tree as the server's JSON (the memory benchmark reads it like the app does)."""
    rng = random.Random(seed)
    nodes = [{"id": "t000000", "type": "planner", "status": "completed", "input": "the goal"}]
    edges: list[dict[str, Any]] = []
    queue = [0]
    while queue and len(nodes) < size:
        parent = queue.pop(0)
        children: list[str] = []
        for _ in range(min(rng.randint(2, 6), size - len(nodes))):
            child = f"t{len(nodes):06d}"
            plans = rng.random() < 0.4
            nodes.append(
                {
                    "id": child,
                    "type": "planner" if plans else "executor",
                    "status": "completed",
                    "input": f"subtask {child}",
                }
            )
            edges.append({"from": nodes[parent]["id"], "to": child, "type": "subtask"})
            if children and rng.random() < 0.3:
                edges.append({"from": rng.choice(children), "to": child, "type": "depends_on"})
            children.append(child)
            if plans:
                queue.append(len(nodes) - 1)
        if not queue and len(nodes) < size:  # keep growing: plan again under the last task
            queue.append(len(nodes) - 1)
    return {"nodes": nodes, "edges": edges}


def sandbox_trees(count: int) -> list[Dag]:
    """The sandbox's own plans with 90-130 tasks (the sizes a real ROMA run has)."""
    found: list[Dag] = []
    seed = 0
    while len(found) < count and seed < 50 * count:
        seed += 1
        plan = draw_plan(f"bench{seed}", "Compare three databases", "general", 4 + seed % 3)
        if not 90 <= len(plan.nodes) <= 130:
            continue
        nodes = [
            {"id": n.id, "type": n.type, "status": "completed", "input": n.label}
            for n in plan.nodes
        ]
        edges = [{"from": s, "to": t, "type": kind} for s, t, kind in plan.edges]
        found.append(_dag(nodes, edges))
    return found


def grandalf_layouts(graph: nx.DiGraph) -> list[Any]:
    """grandalf's Sugiyama layout (default draw), one per connected part."""
    assert SugiyamaLayout is not None

    class View:
        w, h = 10, 3

    vertices = {n: Vertex(n) for n in graph}
    for v in vertices.values():
        v.view = View()
    edges = [Edge(vertices[s], vertices[t]) for s, t in graph.edges]
    layouts = []
    for core in Graph(list(vertices.values()), edges).C:
        sug = SugiyamaLayout(core)
        sug.init_all()
        sug.draw()
        layouts.append(sug)
    return layouts


def grandalf_crossings(layouts: list[Any]) -> int:
    """Crossings of grandalf's layer orders, counted like ours."""
    total = 0
    for sug in layouts:
        sug._edge_inverter()  # as grandalf's own counting does
        sug.dirv = +1  # neighbours below
        for upper, lower in zip(sug.layers, sug.layers[1:], strict=False):
            where = {id(v): i for i, v in enumerate(lower)}
            sequence = []
            for v in upper:
                sequence += sorted(where[id(x)] for x in upper._neighbors(v) if id(x) in where)
            total += _inversions(sequence)
        sug._edge_inverter()
    return total


def _inversions(sequence: list[int]) -> int:
    return sum(1 for i, a in enumerate(sequence) for b in sequence[i + 1 :] if a > b)


def _timed(run: Callable[[], Any]) -> tuple[Any, float]:
    """The result and the CPU time it took this process (on a shared machine, wall time swings
    with the other processes' load; CPU time much less)."""
    started = time.process_time()
    result = run()
    return result, time.process_time() - started


def big(sizes: list[int]) -> None:
    print("Big graphs: ours vs the previous algorithm (same run)")
    print(
        f"{'family':>8} {'nodes':>7} {'edges':>7} {'layout':>8} {'previous':>9} {'growth':>13} "
        f"{'crossings before':>17} {'after':>10} {'previous':>10} {'paint 160x48':>13}"
    )
    for family, make in (("layered", layered_dag), ("roma", roma_tree)):
        last: tuple[int, float] | None = None
        for size in sizes:
            graph, _ = build_graph(make(size))
            labels = {n: node_label(graph, n) for n in graph}
            layout, ours = _timed(partial(compute_layout, graph, labels.__getitem__))
            old, previous = _timed(
                partial(layout_previous.compute_layout, graph, labels.__getitem__)
            )
            painter = Painter(graph, layout)
            rng = random.Random(2)
            times = []
            for _ in range(20):
                x = rng.randint(0, max(0, layout.canvas_width - 160))
                y = rng.randint(0, max(0, layout.canvas_height - 48))
                times.append(_timed(partial(painter.paint, x, y, 160, 48))[1])
            # Time growth against node growth from the size before (linear: equal figures).
            growth = f"x{ours / last[1]:.1f} for x{size / last[0]:.1f}" if last else "-"
            last = size, ours
            print(
                f"{family:>8} {size:>7} {graph.number_of_edges():>7} {ours:>7.2f}s "
                f"{previous:>8.2f}s {growth:>13} {layout.crossings_before:>17,} "
                f"{layout.crossings_after:>10,} {old.crossings_after:>10,} "
                f"{1000 * statistics.median(times):>10.1f} ms"
            )


def small(count: int) -> None:
    rng = random.Random(7)
    families = {
        "sandbox": sandbox_trees(count),
        "roma": [roma_tree(rng.randint(90, 130), seed) for seed in range(count)],
        "layered": [layered_dag(rng.randint(60, 130), seed) for seed in range(count)],
    }
    if SugiyamaLayout is None:
        print("\n(grandalf not installed here: see this file's docstring for its column)")
    print("\nSmall graphs: total crossings and median time per graph")
    print(
        f"{'family':>8} {'graphs':>6} {'ours':>7} {'previous':>9} {'grandalf':>9} "
        f"{'grandalf better on':>19} {'ours':>8} {'previous':>9} {'grandalf':>9} {'speed-up':>9}"
    )
    for family, dags in families.items():
        sums = [0, 0, 0]
        times: list[list[float]] = [[], [], []]
        beaten = 0
        for d in dags:
            graph, _ = build_graph(d)
            ours_layout, t0 = _timed(partial(compute_layout, graph))
            old_layout, t1 = _timed(partial(layout_previous.compute_layout, graph))
            ours, old = ours_layout.crossings_after, old_layout.crossings_after
            theirs, t2 = 0, 0.0
            if SugiyamaLayout is not None:
                drawn, t2 = _timed(partial(grandalf_layouts, graph))
                theirs = grandalf_crossings(drawn)
            beaten += theirs < ours
            for i, (value, took) in enumerate(((ours, t0), (old, t1), (theirs, t2))):
                sums[i] += value
                times[i].append(took)
        ms = [1000 * statistics.median(t) for t in times]
        has = SugiyamaLayout is not None
        print(
            f"{family:>8} {len(dags):>6} {sums[0]:>7,} {sums[1]:>9,} "
            f"{(f'{sums[2]:,}' if has else '-'):>9} {(str(beaten) if has else '-'):>19} "
            f"{ms[0]:>6.1f}ms {ms[1]:>7.1f}ms {(f'{ms[2]:.1f}ms' if has else '-'):>9} "
            f"{(f'{ms[2] / ms[0]:.0f}x' if has else '-'):>9}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 5000, 20000, 50000])
    parser.add_argument("--small", type=int, default=30, help="graphs per small family")
    args = parser.parse_args()
    if args.sizes != [0]:
        big(args.sizes)
    if args.small:
        small(args.small)


if __name__ == "__main__":
    main()
