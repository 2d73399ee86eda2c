"""The DAG explorer, driven by Pilot on runs of the real sandbox."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from conftest import KEY
from console_helpers import SIZE, app_for, shown, until
from roma_tui.api import RomaClient
from roma_tui.ui.dag_screen import DagScreen
from roma_tui.ui.dag_view import COMPACT, GRAPH, TREE
from roma_tui.ui.inspector import NodeInspector


async def finished_run(
    server: Any, goal: str = "Explore this DAG with the keyboard", depth: int = 3
) -> str:
    """A finished run on `server` (a URL, a loopback sandbox or a `LocalSandbox`)."""
    url = server if isinstance(server, str) else server.url
    async with RomaClient(url, KEY, transport=getattr(server, "transport", None)) as client:
        created = await client.create_execution(
            goal, max_depth=depth, config_profile="high_quality"
        )
        for _ in range(400):
            if (await client.get_status(created.execution_id)).is_finished:
                return created.execution_id
            await asyncio.sleep(0.05)
    raise AssertionError("the run did not finish")


async def open_dag(pilot, app, run_id):
    await until(pilot, lambda: run_id in shown(app))
    app.main_screen.table.keep_cursor_on(run_id)
    await pilot.press("d")
    assert isinstance(app.screen, DagScreen)
    screen = app.screen
    await until(pilot, lambda: screen.view.dag_layout is not None)
    return screen


@contextlib.asynccontextmanager
async def explore(start_local_sandbox, goal="Explore this DAG with the keyboard", **sandbox):
    """A finished run on a fresh in-process sandbox, its DAG open in the console: (app, pilot,
    screen). The live test and the snapshot below go over loopback HTTP."""
    server = await start_local_sandbox(time_scale=0.02, **sandbox)
    run_id = await finished_run(server, goal)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        yield app, pilot, await open_dag(pilot, app, run_id)


async def test_keys_move_along_the_graph(start_local_sandbox):
    async with explore(start_local_sandbox) as (app, pilot, screen):
        view = screen.view
        graph = view.dag_graph
        root = view.cursor
        assert graph.in_degree(root) == 0
        await pilot.press("j")
        child = view.cursor
        assert child in graph.successors(root)
        await pilot.press("k")
        assert view.cursor == root
        # to a layer with several nodes, then sideways
        while len(view.dag_layout.layers[view.dag_layout.layer_of(view.cursor)]) < 2:
            before = view.cursor
            await pilot.press("down")
            assert view.cursor != before, "reached a leaf before a wide layer"
        layer = view.dag_layout.layers[view.dag_layout.layer_of(view.cursor)]
        start = view.cursor
        await pilot.press("right" if layer.index(start) == 0 else "left")
        assert view.cursor != start and view.cursor in layer
        await pilot.press("enter")
        assert isinstance(app.screen, NodeInspector)
        assert app.screen.node.id == view.cursor
        await pilot.press("escape")
        assert app.screen is screen


async def test_find_tree_fit_and_critical_path(start_local_sandbox):
    async with explore(start_local_sandbox) as (app, pilot, screen):
        view = screen.view
        target = sorted(view.dag_graph.nodes)[-1]
        await pilot.press("slash", *target, "enter")
        assert view.cursor == target
        await pilot.press("escape")  # closes the find box
        await pilot.press("p")
        assert view.highlight and target in view.dag_graph
        assert view.highlight == set(screen_critical(view))
        await pilot.press("t")
        assert view.mode == TREE
        assert {line.node_id for line in view.lines} == set(view.dag_graph.nodes)
        await pilot.press("t")
        assert view.mode == GRAPH
        await pilot.press("0")
        assert view.mode in (GRAPH, COMPACT)
        await pilot.press("escape")
        assert app.screen is app.main_screen


def screen_critical(view):
    from roma_tui.dag import critical_path

    return critical_path(view.dag_graph)


async def test_fold_hides_a_planners_sub_dag(start_local_sandbox):
    async with explore(start_local_sandbox) as (_, pilot, screen):
        view = screen.view
        total = view.dag_graph.number_of_nodes()
        planner = next(
            n
            for n in view.dag_layout.layers[1]
            if view.dag_graph.nodes[n]["node"].type == "planner"
        )
        view.cursor = planner
        await pilot.press("z")
        await until(pilot, lambda: view.dag_graph.number_of_nodes() < total)
        assert planner in view.dag_graph and view.folded[planner] == len(screen.hidden)
        await pilot.press("z")
        await until(pilot, lambda: view.dag_graph.number_of_nodes() == total)


async def test_failed_nodes_are_one_key_away_and_a_failed_run_runs_nothing(start_local_sandbox):
    async with explore(start_local_sandbox, "This one fails", fail_rate=1.0) as (_, pilot, screen):
        view = screen.view
        await pilot.press("f")
        assert view.dag_graph.nodes[view.cursor]["node"].status == "failed"
        failed = view.cursor
        # Nodes that still said running when the run failed will not finish: they are stopped.
        # (The failed task's planners were waiting on it: the server still says they run.)
        graph = view.dag_graph
        stopped = [n for n in graph if graph.nodes[n]["node"].status == "running"]
        assert stopped
        await pilot.press("r")
        assert view.cursor == failed  # nothing runs in a failed run: it says so and stays
        header = str(screen.query_one("#dag-header").render())
        assert "▶" not in header and " running" not in header
        assert f"■ {len(stopped)} stopped" in header


async def test_a_running_dag_updates_live(start_sandbox):
    # A budget large enough for 0.3 s polls (with 1,000 a day the planner waits minutes).
    server = start_sandbox(time_scale=0.5, rate_limit="100000/hour")
    async with RomaClient(server.url, KEY) as client:
        created = await client.create_execution("Live DAG", max_depth=2)
    app = app_for(server.url, poll_interval=0.3)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dag(pilot, app, created.execution_id)

        def completed():
            graph = screen.view.dag_graph
            return sum(graph.nodes[n]["node"].status == "completed" for n in graph)

        first = completed()
        await until(pilot, lambda: completed() > first, timeout=15)


def test_snapshot_of_a_mid_size_dag(start_sandbox, snap_compare):
    """The DAG screen of a finished 'high_quality' run, as SVG (pytest-textual-snapshot)."""
    server = start_sandbox(time_scale=0.02, seed="snapshot")
    run_id = asyncio.run(finished_run(server.url, "Map the supply chain of lithium batteries"))

    async def open_it(pilot):
        app = pilot.app
        await open_dag(pilot, app, run_id)
        await pilot.press("j", "j")
        await pilot.pause(0.2)

    assert snap_compare(app_for(server.url), terminal_size=SIZE, run_before=open_it)


async def test_a_big_and_broken_dag_is_laid_out_off_the_ui_thread(monkeypatch):
    """3,000 nodes with a cycle, a duplicate and an edge to nowhere, from a stand-in server."""
    import json
    import threading

    import httpx

    from roma_tui.settings import Connection, Profile
    from roma_tui.ui.app import RomaApp

    run_id = "exec_big0000000000000"
    nodes = [
        {
            "id": f"n{i:05d}",
            "type": "executor",
            "status": "completed",
            "input": f"\x1b[31mtask {i}\x1b[0m [b]x[/b]",
        }
        for i in range(3000)
    ]
    nodes.append({"id": "n00001", "type": "duplicate"})
    edges = [{"from": f"n{i // 3:05d}", "to": f"n{i:05d}"} for i in range(1, 3000)]
    edges += [{"from": "n02999", "to": "n00000"}, {"from": "n00005", "to": "ghost"}]
    execution = {
        "execution_id": run_id,
        "status": "completed",
        "initial_goal": "big",
        "created_at": "2025-11-11T10:30:00Z",
        "completed_at": "2025-11-11T10:40:00Z",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/executions"):
            body = {"data": [execution], "pagination": {"total": 1, "has_more": False}}
        elif request.url.path.endswith("/status"):
            body = {"execution_id": run_id, "status": "completed", "progress": 100}
        else:
            body = {**execution, "dag": {"nodes": nodes, "edges": edges}}
        return httpx.Response(200, content=json.dumps(body).encode())

    # The heavy steps (reading the graph, laying it out) say which thread they ran in.
    from roma_tui.ui import dag_screen

    ran_in: dict[str, list[threading.Thread]] = {"build_graph": [], "compute_layout": []}

    def recorded(name, step):
        def run(*args, **kwargs):
            ran_in[name].append(threading.current_thread())
            return step(*args, **kwargs)

        return run

    for name in ran_in:
        monkeypatch.setattr(dag_screen, name, recorded(name, getattr(dag_screen, name)))

    url = "http://127.0.0.1:8765"
    app = RomaApp(
        Connection(Profile(name="t", base_url=url), url, "k", "t", "t"),
        remember_choices=False,
        transport=httpx.MockTransport(answer),
    )
    ui_thread = threading.current_thread()  # the app runs on the test's event loop
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shown(app) == [run_id])
        await pilot.press("d")
        screen = app.screen
        assert isinstance(screen, DagScreen)
        await until(pilot, lambda: screen.view.dag_layout is not None, timeout=30)
        assert screen.view.dag_graph.number_of_nodes() == 3000
        assert ran_in["build_graph"] and ran_in["compute_layout"]
        assert ui_thread not in ran_in["build_graph"] + ran_in["compute_layout"]
        header = str(screen.query_one("#dag-header").render())
        assert "duplicate" in header and "unknown nodes" in header and "cycle" in header
        await pilot.press("j", "l", "enter")
        assert isinstance(app.screen, NodeInspector)
        assert "\x1b" not in app.screen.text and "[b]x[/b]" in app.screen.text
