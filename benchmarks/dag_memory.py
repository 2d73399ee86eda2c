"""Where the memory of a big DAG open in the explorer goes, stage by stage (tracemalloc).

Replays what the DAG screen keeps for one graph (ui/dag_screen.py): the server's answer read into
models (api), the networkx graph (dag/graph.py), the labels and the layout (dag/layout.py), the
painter's indexes (dag/render.py, after painting one window) and the critical path the screen
marks. Prints what each stage still holds once the next has run, the previous layout's figure in
the same run (benchmarks/layout_previous.py), and the top files and lines of the whole.

Then the RSS growth a user's process pays for the same stages, measured in a subprocess that
traces nothing (tracemalloc's own bookkeeping would double it). With --before-src DIR, the same
subprocess also runs on an older roma-tui source tree, printed side by side, e.g.:
    git archive 3689481 src | tar -x -C /tmp/before
    python benchmarks/dag_memory.py --before-src /tmp/before/src

Run: python benchmarks/dag_memory.py [--nodes 20000] [--family roma|layered] [--lines 12]
     [--before-src DIR] [--rss (the untraced stage-by-stage run alone)]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from roma_tui.api import Dag
from roma_tui.dag import Painter, build_graph, compute_layout
from roma_tui.dag import graph as dag_graph
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


def replay(text: str) -> tuple[list[tuple[str, int]], int, int, Any]:
    """The stages the DAG screen goes through, each with the bytes it still holds."""
    stages: list[tuple[str, int]] = []
    read, size = held(lambda: Dag.model_validate(json.loads(text)))
    stages.append(("api models (Dag, Node, Edge)", size))
    (graph, _report), size = held(partial(build_graph, read))
    stages.append(("graph (networkx DiGraph)", size))
    labels, size = held(lambda: labels_for(graph))
    stages.append(("labels (one str a node)", size))
    layout, size = held(lambda: compute_layout(graph, labels.__getitem__))
    stages.append(("layout (dag/layout.py)", size))

    def painted() -> Painter:
        painter = Painter(graph, layout, labels=labels)
        painter.paint(0, 0, 160, 48)
        return painter

    painter, size = held(painted)
    stages.append(("painter indexes (dag/render.py)", size))
    marked, size = held(lambda: set(critical_path(graph)))
    stages.append(("screen: critical path (when shown)", size))
    signature = None
    if not hasattr(dag_graph, "same_shape"):  # an older screen kept a sorted copy of the shape
        signature, size = held(lambda: (tuple(sorted(graph.nodes)), tuple(sorted(graph.edges))))
        stages.append(("screen: shape signature (before issue 13)", size))
    kept = (read, graph, labels, layout, painter, marked, signature)
    return stages, graph.number_of_nodes(), graph.number_of_edges(), kept


def print_stages(stages: list[tuple[str, int]], nodes: int) -> int:
    total = sum(size for _, size in stages)
    print(f"{'stage':<42} {'MiB':>7} {'bytes/node':>11}")
    for name, size in stages:
        print(f"{name:<42} {size / MIB:>7.1f} {size / nodes:>11,.0f}")
    print(f"{'all stages':<42} {total / MIB:>7.1f} {total / nodes:>11,.0f}")
    return total


def untraced_rss(args: argparse.Namespace, source: str | None) -> dict[str, float] | None:
    """This script with --rss in a fresh process (on `source`'s roma_tui when given)."""
    env = dict(os.environ)
    if source:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--rss", "--nodes", str(args.nodes)]
    run = subprocess.run(
        [*command, "--family", args.family], env=env, capture_output=True, text=True, check=False
    )
    for line in run.stdout.splitlines():
        if line.startswith("RSS_JSON "):
            result: dict[str, float] = json.loads(line.removeprefix("RSS_JSON "))
            return result
    print(f"  (the subprocess failed: {run.stderr.strip().splitlines()[-1:]})")
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20000)
    parser.add_argument("--family", choices=["roma", "layered"], default="roma")
    parser.add_argument("--lines", type=int, default=12)
    parser.add_argument("--rss", action="store_true", help="measure RSS, trace nothing")
    parser.add_argument("--before-src", help="an older roma-tui src dir to measure too")
    args = parser.parse_args()
    if args.family == "roma":
        text = json.dumps(roma_tree_data(args.nodes))
    else:
        text = layered_dag(args.nodes).model_dump_json(by_alias=True)
    gc.collect()
    if args.rss:  # untraced: each stage's RSS growth, and the whole
        start = rss()
        stages, nodes, _edges, kept = replay(text)
        growth = rss() - start
        print_stages(stages, nodes)
        print(f"RSS growth: {growth / MIB:.1f} MiB")
        print("RSS_JSON " + json.dumps({"mib": growth / MIB, "per_node": growth / nodes}))
        del kept
        return
    tracemalloc.start(1)
    stages, nodes, edges, kept = replay(text)
    snapshot = tracemalloc.take_snapshot()
    graph, labels = kept[1], kept[2]
    old, old_size = held(lambda: layout_previous.compute_layout(graph, labels.__getitem__))
    del old
    tracemalloc.stop()
    print(f"{nodes:,} nodes, {edges:,} edges ({args.family}), traced")
    print_stages(stages, nodes)
    print(
        f"{'reference: the previous layout':<42} {old_size / MIB:>7.1f} {old_size / nodes:>11,.0f}"
    )
    print(f"\nTop {args.lines} lines still holding memory:")
    for stat in snapshot.statistics("lineno")[: args.lines]:
        frame = stat.traceback[0]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        print(f"  {stat.size / MIB:>6.1f} MiB {stat.count:>8,} blocks  {where}")
    del kept, snapshot
    print("\nRSS growth of the same stages, untraced, in a fresh process:")
    for name, source in (("this tree", None), ("before", args.before_src)):
        if name == "before" and not source:
            continue
        figure = untraced_rss(args, source)
        if figure is not None:
            where = f" ({source})" if source else ""
            print(
                f"  {name:<10} {figure['mib']:>6.1f} MiB {figure['per_node']:>7,.0f} bytes/node"
                f"{where}"
            )


if __name__ == "__main__":
    main()
