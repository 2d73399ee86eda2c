"""Where the memory of a big DAG open in the explorer goes, stage by stage (tracemalloc).

Replays what the DAG screen keeps for one graph (ui/dag_screen.py): the server's answer read into
models (api), the networkx graph (dag/graph.py), the labels and the layout (dag/layout.py), the
painter's indexes (dag/render.py) and the screen's shape signature. Prints what each stage still
holds once the next has run, the previous layout's figure in the same run (benchmarks/
layout_previous.py), the top files and lines of the whole, and the process's RSS growth.

With --rss, nothing is traced: each stage's RSS growth instead (what a user's process pays; the
traced run's RSS includes tracemalloc's own bookkeeping).

Run: python benchmarks/dag_memory.py [--nodes 20000] [--family roma|layered] [--lines 12] [--rss]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from roma_tui.api import Dag
from roma_tui.dag import Painter, build_graph, compute_layout
from roma_tui.dag.graph import critical_path
from roma_tui.dag.render import labels_for

sys.path.insert(0, str(Path(__file__).parent))
import layout_previous
from dag_layout import layered_dag, roma_tree_data

MIB = 1024 * 1024


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def held(make: Callable[[], Any]) -> tuple[Any, int]:
    """The object made and the bytes it still holds once made (traced, else RSS growth)."""
    measure = (lambda: tracemalloc.get_traced_memory()[0]) if tracemalloc.is_tracing() else rss
    gc.collect()
    before = measure()
    made = make()
    gc.collect()
    return made, measure() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20000)
    parser.add_argument("--family", choices=["roma", "layered"], default="roma")
    parser.add_argument("--lines", type=int, default=12)
    parser.add_argument("--rss", action="store_true", help="measure RSS, trace nothing")
    args = parser.parse_args()
    if args.family == "roma":
        text = json.dumps(roma_tree_data(args.nodes))
    else:
        text = layered_dag(args.nodes).model_dump_json(by_alias=True)
    gc.collect()
    start_rss = rss()
    if not args.rss:
        tracemalloc.start(1)
    stages: list[tuple[str, int]] = []
    read, size = held(lambda: Dag.model_validate(json.loads(text)))
    stages.append(("api models (Dag, Node, Edge)", size))
    (graph, _report), size = held(partial(build_graph, read))
    stages.append(("graph (networkx DiGraph)", size))
    labels, size = held(lambda: labels_for(graph))
    stages.append(("labels (one str a node)", size))
    layout, size = held(lambda: compute_layout(graph, labels.__getitem__))
    stages.append(("layout (dag/layout.py)", size))
    painter, size = held(lambda: Painter(graph, layout, labels=labels))
    stages.append(("painter indexes (dag/render.py)", size))
    extras, size = held(
        lambda: (
            (tuple(sorted(graph.nodes)), tuple(sorted(graph.edges))),  # the screen's signature
            set(critical_path(graph)),
        )
    )
    stages.append(("screen: shape signature, critical path", size))
    end_rss = rss()
    snapshot = tracemalloc.take_snapshot() if not args.rss else None
    old, old_size = held(lambda: layout_previous.compute_layout(graph, labels.__getitem__))
    del old
    tracemalloc.stop()

    nodes = graph.number_of_nodes()
    total = sum(size for _, size in stages)
    print(f"{nodes:,} nodes, {graph.number_of_edges():,} edges ({args.family})")
    print(f"{'stage':<42} {'MiB':>7} {'bytes/node':>11}")
    for name, size in stages:
        print(f"{name:<42} {size / MIB:>7.1f} {size / nodes:>11,.0f}")
    print(f"{'all stages':<42} {total / MIB:>7.1f} {total / nodes:>11,.0f}")
    print(
        f"{'reference: the previous layout':<42} {old_size / MIB:>7.1f} {old_size / nodes:>11,.0f}"
    )
    traced = "" if args.rss else " (tracemalloc's own bookkeeping included)"
    print(f"RSS growth: {(end_rss - start_rss) / MIB:.1f} MiB{traced}")
    if snapshot is None:
        return
    print(f"\nTop {args.lines} lines still holding memory:")
    for stat in snapshot.statistics("lineno")[: args.lines]:
        frame = stat.traceback[0]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        print(f"  {stat.size / MIB:>6.1f} MiB {stat.count:>8,} blocks  {where}")
    del read, painter, extras


if __name__ == "__main__":
    main()
