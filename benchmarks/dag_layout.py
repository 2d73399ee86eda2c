"""DAG layout and painting at 200, 2,000 and 20,000 nodes (random layered DAGs).

Prints, per size: layout time, crossings before (layers in id order) and after reduction, canvas
width, and the time to paint one 160x48 window (the median of 20, at spread-out places).

Run: python benchmarks/dag_layout.py [--sizes 200 2000 20000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from roma_tui.api import Dag
from roma_tui.dag import Painter, build_graph, compute_layout
from roma_tui.dag.render import node_label


def random_dag(size: int, seed: int = 1) -> Dag:
    """ROMA-like: layers of growing then shrinking width, edges mostly to the next layer."""
    rng = random.Random(seed)
    layers, made = [], 0
    depth = max(4, int(size**0.5 / 2))
    while made < size:
        width = max(1, int(rng.uniform(0.5, 1.5) * size / depth))
        width = min(width, size - made)
        layers.append([f"n{made + i:06d}" for i in range(width)])
        made += width
    nodes = [
        {
            "id": n,
            "type": rng.choice(["planner", "executor", "aggregator"]),
            "status": rng.choice(["completed", "running", "pending", "failed"]),
            "input": f"task {n}",
        }
        for layer in layers
        for n in layer
    ]
    edges = []
    for index in range(1, len(layers)):
        for node in layers[index]:
            for _ in range(rng.choice((1, 1, 2))):
                back = 1 if rng.random() < 0.85 else rng.randint(1, min(3, index))
                edges.append({"from": rng.choice(layers[index - back]), "to": node})
    return Dag.model_validate({"nodes": nodes, "edges": edges})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    args = parser.parse_args()
    print(
        f"{'nodes':>7} {'edges':>7} {'layout':>9} {'crossings before':>17} "
        f"{'after':>8} {'cut':>5} {'canvas':>13} {'paint 160x48':>13}"
    )
    for size in args.sizes:
        dag = random_dag(size)
        graph, _ = build_graph(dag)
        started = time.perf_counter()
        layout = compute_layout(graph, lambda n, g=graph: node_label(g, n))
        layout_s = time.perf_counter() - started
        painter = Painter(graph, layout)
        rng = random.Random(2)
        times = []
        for _ in range(20):
            x = rng.randint(0, max(0, layout.canvas_width - 160))
            y = rng.randint(0, max(0, layout.canvas_height - 48))
            started = time.perf_counter()
            painter.paint(x, y, 160, 48)
            times.append(time.perf_counter() - started)
        before, after = layout.crossings_before, layout.crossings_after
        cut = f"{100 * (1 - after / before):.0f}%" if before else "-"
        print(
            f"{size:>7} {graph.number_of_edges():>7} {layout_s:>8.2f}s {before:>17,} "
            f"{after:>8,} {cut:>5} {layout.canvas_width:>6}x{layout.canvas_height:<6} "
            f"{1000 * statistics.median(times):>10.1f} ms"
        )


if __name__ == "__main__":
    main()
