"""The DAG explorer tells the truth: full repaints, typed trees, ended runs, live polls that last.

A stand-in server answers from fixed data over httpx's MockTransport (a DAG shaped like ROMA's:
planners, typed edges, sibling dependencies), so each test knows exactly what must be on screen.
"""

from __future__ import annotations

import itertools
import json
import time

import httpx
import pytest
from rich.cells import cell_len
from textual.geometry import Region

from console_helpers import SIZE, shown, until
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp
from roma_tui.ui.dag_screen import DagScreen
from roma_tui.ui.dag_view import COMPACT, GRAPH, TREE
from roma_tui.ui.inspector import NodeInspector

RUN = "exec_lisbon0000000000"
URL = "http://127.0.0.1:8765"
BOX = set("─│┌┐└┘├┤┬┴┼┆┄▼")

# A ROMA-shaped run: a planner whose children run in parallel, one of them a planner itself.
TASKS = {
    "root": ("think", "Plan a family trip to Lisbon for a week in May", None),
    "a": ("retrieve", "Find flights from Berlin to Lisbon for a family", "root"),
    "b": ("retrieve", "Research family hotels in Lisbon for a week", "root"),
    "b1": ("retrieve", "List hotels near the old town", "b"),
    "b2": ("think", "Rank the hotels by price", "b"),
    "b3": ("write", "Summarise the best three hotels", "b"),
    "c": ("CODE_INTERPRET", "Compute the budget of the trip", "root"),
    "d": ("write", "Write the itinerary day by day", "root"),
}
NEEDS = {"c": ["a", "b"], "d": ["c"], "b2": ["b1"], "b3": ["b1", "b2"]}


def typed_dag(statuses: dict[str, str] | None = None) -> dict:
    statuses = statuses or {}
    nodes = [
        {
            "id": n,
            "type": kind,
            "status": statuses.get(n, "completed"),
            "input": goal,
            "parent_id": parent,
            **({"subgraph_id": f"dag_sub_{n}"} if n in ("root", "b") else {}),
        }
        for n, (kind, goal, parent) in TASKS.items()
    ]
    edges = [
        {"from": parent, "to": n, "type": "subtask"}
        for n, (_, _, parent) in TASKS.items()
        if parent
    ]
    edges += [{"from": s, "to": t, "type": "depends_on"} for t, deps in NEEDS.items() for s in deps]
    return {"nodes": nodes, "edges": edges}


class StandIn:
    """Answers the console from fixed data; `faults` are used up by the status requests."""

    def __init__(self, status: str, dag: dict) -> None:
        self.status, self.dag = status, dag
        self.faults: list[int | Exception] = []  # an HTTP status to answer, or raised
        self.faulty = "/status"  # the requests (by path ending) that use up the faults
        self.requests: list[str] = []

    def execution(self) -> dict:
        return {
            "execution_id": RUN,
            "status": self.status,
            "initial_goal": "Plan a family trip to Lisbon",
            "created_at": "2025-11-11T10:30:00Z",
        }

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(path)
        if path.endswith(self.faulty) and self.faults:
            fault = self.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            return httpx.Response(fault, json={"error": {"message": "try later"}})
        if path.endswith("/executions"):
            body = {"data": [self.execution()], "pagination": {"total": 1, "has_more": False}}
        elif path.endswith("/status"):
            body = {"execution_id": RUN, "status": self.status}
        elif path.endswith("/dag"):
            body = {"execution_id": RUN, "dag": self.dag}
        else:
            body = {**self.execution(), "dag": self.dag}
        return httpx.Response(200, content=json.dumps(body).encode())

    def app(self, *, clock=time.time, ascii=False) -> RomaApp:
        connection = Connection(Profile(name="t", base_url=URL), URL, "k", "t", "t")
        transport = httpx.MockTransport(self.answer)
        return RomaApp(
            connection, remember_choices=False, transport=transport, clock=clock, ascii=ascii
        )


async def open_dag(pilot, app) -> DagScreen:
    await until(pilot, lambda: shown(app) == [RUN])
    await pilot.press("d")
    screen = app.screen
    assert isinstance(screen, DagScreen)
    await until(pilot, lambda: screen.view.dag_layout is not None)
    return screen


def header(screen: DagScreen) -> str:
    return str(screen.query_one("#dag-header").render())


# -- 1. every view repaints its whole window ----------------------------------------------------


class Terminal:
    """Cells that keep what was written until something overwrites them, as a terminal does."""

    def __init__(self) -> None:
        self.rows: dict[int, list[str]] = {}

    def show(self, view) -> list[str]:
        width, height = view.size
        for y, strip in enumerate(view.render_lines(Region(0, 0, width, height))):
            row = self.rows.setdefault(y, [" "] * width)
            row.extend([" "] * (width - len(row)))
            x = 0
            for segment in strip:
                assert segment.style is not None  # NO_COLOR's filter needs one on every segment
                for ch in segment.text:
                    if x < len(row):
                        row[x] = ch
                    x += max(1, cell_len(ch))
        return ["".join(self.rows[y][:width]) for y in range(height)]


def expected_lines(view) -> list[str]:
    """What the view should paint, from its own data (independent of the terminal)."""
    width, height = view.size
    scroll_x, scroll_y = (int(v) for v in view.scroll_offset)
    if view.mode == GRAPH:
        rows = view.painter.paint(
            scroll_x, scroll_y, width, height, cursor=view.cursor, highlight=view.highlight
        )
        return ["".join(text for text, _ in row).ljust(width) for row in rows]
    lines = [f"{'  ' * line.indent}{line.text}" for line in view.lines]
    window = lines[scroll_y : scroll_y + height]
    window += [""] * (height - len(window))
    return [line[scroll_x : scroll_x + width].ljust(width) for line in window]


@pytest.mark.parametrize(
    ("ascii", "sizes"),
    [(False, ((132, 24), (80, 24), (100, 27))), (True, ((80, 24),))],  # none fits the graph
)
async def test_switching_views_leaves_nothing_of_the_previous_one_at_any_size(ascii, sizes):
    stand_in = StandIn("completed", typed_dag())
    app = stand_in.app(ascii=ascii)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dag(pilot, app)
        view, terminal = screen.view, Terminal()
        for size in sizes:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            for key, mode in (("", GRAPH), ("0", COMPACT), ("t", TREE), ("t", GRAPH)):
                if key:
                    await pilot.press(key)
                await pilot.pause()
                assert view.mode == mode, (size, view.size, view.fits(), app.screen, app.focused)
                seen = terminal.show(view)
                assert seen == expected_lines(view), f"{mode} at {size}"
                if mode == TREE:  # nothing of a box anywhere, after a label or not
                    assert not any(BOX & set(row) for row in seen)
                if ascii:
                    assert all(row.isascii() for row in seen), mode


# -- 3, 4. task words, planners, the tree by decomposition, fold ---------------------------------


async def test_the_tree_nests_by_planner_and_names_dependencies():
    stand_in = StandIn("completed", typed_dag())
    app = stand_in.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dag(pilot, app)
        view = screen.view
        await pilot.press("t")
        depth = {line.node_id: line.indent for line in view.lines}
        assert depth == {"root": 0, "a": 1, "b": 1, "b1": 2, "b2": 2, "b3": 2, "c": 1, "d": 1}
        text = {line.node_id: line.text for line in view.lines}
        assert "◆ think: Plan a family trip" in text["root"]  # a planner, marked
        assert "◆" not in text["a"] and "code interpret: Compute" in text["c"]
        assert text["c"].endswith("← needs a, b") and text["b3"].endswith("← needs b1, b2")
        assert "needs" not in text["a"]  # its planner is not a dependency
        # fold the inner planner: its three subtasks go, the rest stays
        view.cursor = "b"
        await pilot.press("z")
        await until(pilot, lambda: "b1" not in view.dag_graph)
        assert set(view.dag_graph) == {"root", "a", "b", "c", "d"}
        assert {line.node_id: line.text for line in view.lines}["b"].startswith("⊞ +3 ✔ ◆ retrieve")
        await pilot.press("enter")
        inspector = app.screen
        assert isinstance(inspector, NodeInspector)
        assert "role:      ◆ planner: owns 3 subtask(s)" in inspector.text


# -- 3. an ended run runs nothing ----------------------------------------------------------------


async def test_a_failed_runs_unfinished_nodes_are_stopped_not_running():
    statuses = {"root": "running", "b": "running", "b3": "failed", "c": "pending", "d": "pending"}
    stand_in = StandIn("failed", typed_dag(statuses))
    app = stand_in.app()
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dag(pilot, app)
        app.notify = lambda message, **_: notes.append(message)  # type: ignore[method-assign]
        top = header(screen)
        assert "■ 2 stopped" in top and "▶" not in top and "running" not in top
        assert "✘ 1 failed" in top and "◌ 2 pending" in top
        view = screen.view
        start = view.cursor
        await pilot.press("r")
        assert view.cursor == start and notes == ["No running node (the run has ended)."]
        await pilot.press("t")
        tree = {line.node_id: line.text for line in view.lines}
        assert "■ ◆ think: Plan" in tree["root"] and "▶" not in "".join(tree.values())
        await pilot.press("f")  # in the tree, too, the failed node is one key away
        assert view.cursor == "b3"
        view.cursor = "b"
        await pilot.press("enter")
        assert "status:    ■ stopped; the run ended while it still said running" in app.screen.text


# -- 5. the header claims nothing it does not know --------------------------------------------


async def test_an_empty_dag_claims_no_counts():
    stand_in = StandIn("running", {"nodes": [], "edges": []})
    app = stand_in.app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shown(app) == [RUN])
        await pilot.press("d")
        screen = app.screen
        await until(pilot, lambda: "no tasks" in header(screen))
        top = header(screen)
        assert "no tasks reported yet" in top
        assert "0 nodes" not in top and "crossings" not in top and "%" not in top


# -- 2. the live poll never dies --------------------------------------------------------------


def leaping_clock():
    """A clock that leaps a minute per reading: every backoff is over at once (no slow test)."""
    start, readings = time.time(), itertools.count()
    return lambda: start + 60 * next(readings)


async def test_the_poll_outlives_every_failure_and_says_a_repeat_once():
    stand_in = StandIn("running", typed_dag({"d": "running", "c": "running"}))
    app = stand_in.app(clock=leaping_clock())
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dag(pilot, app)
        app.notify = lambda message, **_: notes.append(message)  # type: ignore[method-assign]
        stand_in.faults = [503] * 40  # (the client may retry a 503 once: more than enough)
        await until(pilot, lambda: "(2 times in a row)" in header(screen))
        assert header(screen).count("⚠") == 1 and notes == []  # said once, no pile of toasts
        assert "; next try at " in header(screen)
        stand_in.faults = [RuntimeError("the transport broke")]  # not even our own error type
        await until(pilot, lambda: "the transport broke" in header(screen))
        # ... and the poll is still alive: the run ends, and the screen shows its final DAG.
        stand_in.status = "completed"
        stand_in.dag = typed_dag()
        await until(pilot, lambda: screen.execution.status == "completed", timeout=15)
        await until(pilot, lambda: "▶" not in header(screen) and "⚠" not in header(screen))
        assert "✔ 8 completed" in header(screen)


async def test_a_dag_that_fails_to_load_is_tried_again_unless_asking_cannot_help():
    stand_in = StandIn("running", typed_dag({"d": "running"}))
    stand_in.faulty, stand_in.faults = RUN, [503] * 4  # the run's detail: only the DAG screen
    app = stand_in.app(clock=leaping_clock())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dag(pilot, app)  # ... once the retries got through
        assert stand_in.requests.count(f"/api/v1/executions/{RUN}") >= 3
        assert "⚠" not in header(screen) and "8 nodes" in header(screen)

    stand_in = StandIn("running", typed_dag())
    stand_in.faulty, stand_in.faults = RUN, [404] * 40
    app = stand_in.app(clock=leaping_clock())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: shown(app) == [RUN])
        await pilot.press("d")
        screen = app.screen
        await until(pilot, lambda: "Could not load the DAG" in header(screen))
        asked = stand_in.requests.count(f"/api/v1/executions/{RUN}")
        await pilot.pause(0.8)  # retries would come every 0.5 s on this clock: none does
        assert stand_in.requests.count(f"/api/v1/executions/{RUN}") == asked
        assert "times in a row" not in header(screen) and "next try" not in header(screen)


@pytest.mark.parametrize("status", ["running", "completed"])
async def test_a_broken_disk_cache_is_no_cache_the_dag_shows_and_nothing_is_said(
    isolated_home, status
):
    (isolated_home / "cache").mkdir(exist_ok=True)
    (isolated_home / "cache" / "roma-tui").write_text("a file where the cache dir should be")
    stand_in = StandIn(status, typed_dag())
    app = stand_in.app(clock=leaping_clock())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dag(pilot, app)  # (a finished run's DAG is read and put in the cache)
        assert screen.session.monitor.cache.broken is not None  # the cache really failed
        text = header(screen)
        assert "8 nodes" in text and "✔ 8 completed" in text
        assert "⚠" not in text and "cache" not in text.lower()
