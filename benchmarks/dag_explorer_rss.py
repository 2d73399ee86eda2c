"""RSS a user's console pays for opening a big DAG in the explorer: the whole app, not a replay.

The console runs headless (Pilot) on a stand-in server (httpx.MockTransport) that lists one
running run whose DAG has N nodes (a ROMA-like decomposition tree, as benchmarks/dag_layout.py
builds it). RSS is read from /proc before `d` and once the explorer has painted the graph; the
answer's JSON text is built before the first reading, so only what the app makes of it counts.
Each size runs in a fresh process. Issue #13's reference: +116 MiB for 20,000 nodes; goal
at most +50 MiB.

Run: python benchmarks/dag_explorer_rss.py [--nodes 5000 20000]
An older tree beside it: git archive 3689481 src | tar -x -C /tmp/before, then the same command
with PYTHONPATH=/tmp/before/src (this session: 78.0 MiB before, 44.7 MiB after, 20,000 nodes).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
from pathlib import Path

MIB = 1024 * 1024
RUN = "exec_0000000000000001"


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


async def measure(nodes: int) -> tuple[float, float]:
    import httpx

    sys.path.insert(0, str(Path(__file__).parent))
    from dag_layout import roma_tree_data

    from roma_tui.settings import Connection, Profile
    from roma_tui.ui.app import RomaApp
    from roma_tui.ui.dag_screen import DagScreen

    dag = roma_tree_data(nodes)
    row = {
        "execution_id": RUN,
        "status": "running",
        "initial_goal": "A big plan",
        "created_at": "2026-11-29T10:00:00Z",
    }
    bodies = {
        "list": json.dumps({"data": [row], "pagination": {"total": 1, "has_more": False}}),
        "status": json.dumps({"execution_id": RUN, "status": "running", "progress": 40.0}),
        "execution": json.dumps({**row, "dag": dag}),
    }
    del dag

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        kind = "status" if path.endswith("/status") else "list"
        if path.endswith(RUN):
            kind = "execution"
        return httpx.Response(200, content=bodies[kind].encode(), headers={"X-Request-ID": "r"})

    url = "http://127.0.0.1:8765"
    connection = Connection(Profile(name="bench", base_url=url), url, "sk_bench", "test", "test")
    app = RomaApp(connection, remember_choices=False, transport=httpx.MockTransport(answer))
    async with app.run_test(size=(160, 48)) as pilot:

        async def until(done, what: str) -> None:
            for _ in range(2400):  # two minutes
                if done():
                    return
                await pilot.pause(0.05)
            raise SystemExit(f"gave up waiting for {what}")

        await until(lambda: app.main_screen and app.main_screen.table.shown_ids, "the list")
        await pilot.pause(0.5)
        gc.collect()
        before = rss()
        await pilot.press("d")
        await until(
            lambda: isinstance(app.screen, DagScreen) and app.screen.view.painter is not None,
            "the DAG painted",
        )
        await pilot.pause(0.5)
        gc.collect()
        return (rss() - before) / MIB, nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.one:
        grown, nodes = asyncio.run(measure(args.one))
        print(json.dumps({"mib": grown, "nodes": nodes}))
        return
    print(f"{'nodes':>7}  {'RSS growth':>10}  {'per node':>9}  goal (issue #13)")
    for nodes in args.nodes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(nodes)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        per = figures["mib"] * MIB / nodes
        goal = "<= +50 MiB (was +116)" if nodes == 20000 else ""
        print(f"{nodes:>7,}  {figures['mib']:>7.1f} MiB  {per:>7,.0f} B  {goal}")


if __name__ == "__main__":
    main()
