"""The console's requests outside the polls, in the monitor layer: the focused run's status, the
next page, the user's refresh; and the user's marks and watched runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import KEY
from roma_tui.api import RomaClient
from roma_tui.api.ratelimit import RateLimit
from roma_tui.monitor.live import LiveMonitor
from roma_tui.monitor.planner import OnScreen, PollPlanner
from roma_tui.monitor.selection import Selection
from roma_tui.monitor.store import ExecutionStore

T0 = 1_800_000_000.0
FOCUSED = OnScreen(focused_id="exec_0000000000000001", focused_running=True, any_running=True)


async def test_the_focused_status_and_the_next_page_say_failures_instead_of_raising():
    async with RomaClient("http://127.0.0.1:9", KEY, max_retries=0) as client:
        planner = PollPlanner(interval=2.0)
        store = ExecutionStore()
        store.has_more = True
        monitor = LiveMonitor(client, store, planner)
        focused = await monitor.focus("exec_0000000000000001")
        assert focused.failure is not None and "Cannot connect" in focused.failure.message
        assert not focused.changes.finished
        page = await monitor.next_page()  # backing off now: no request, nothing to say
        assert page.failure is None and not page.changes
    assert planner.plan(FOCUSED).reason == "backoff after connection failure"


async def test_a_focused_run_seen_ending_by_that_fetch_is_reported_finished(start_sandbox):
    server = start_sandbox(time_scale=0.02)
    async with RomaClient(server.url, KEY) as client:
        store = ExecutionStore()
        monitor = LiveMonitor(client, store, PollPlanner(interval=0.1))
        created = await monitor.create("Finish while I look")
        await client.cancel_execution(created.execution_id)
        result = await monitor.focus(created.execution_id)
        assert result.failure is None
        assert result.changes.finished == [created.execution_id]
        assert store.get(created.execution_id).status == "cancelled"
        again = await monitor.focus(created.execution_id)
        assert not again.changes.finished  # it was already finished: said once


def test_the_users_refresh_goes_now_unless_the_budget_is_spent():
    now = [T0]
    planner = PollPlanner(clock=lambda: now[0])
    planner.halt("401")
    plan = planner.user_plan(FOCUSED)
    assert plan is not None and plan.fetch == ("list", "status") and plan.at == T0
    assert planner.halted is None  # the user asked: a refused key is tried once more
    at = datetime.fromtimestamp(T0, tz=UTC)
    planner.observe(
        RateLimit(limit=100, remaining=0, reset_at=at + timedelta(hours=1), observed_at=at)
    )
    assert planner.user_plan(FOCUSED) is None


def test_marks_toggle_and_watched_runs_stay_watched():
    selection = Selection()
    for execution_id in ("b", "a", "c", "b"):
        selection.toggle_mark(execution_id)
    assert selection.marked == ["a", "c"] and not selection.is_marked("b")
    selection.unmark(["a"])
    assert selection.marked == ["c"]
    selection.watch("a")
    assert selection.is_watched("a") and not selection.is_watched("c")


async def test_opening_a_dag_upstream_reads_the_run_once_and_its_checkpoint(start_sandbox):
    server = start_sandbox(dialect="upstream", seed_demo=3, rate_limit="100000/hour")
    sent: list[str] = []
    async with RomaClient(server.url, None, on_send=lambda m, p: sent.append(f"{m} {p}")) as client:
        store = ExecutionStore()
        monitor = LiveMonitor(client, store, PollPlanner(interval=2.0))
        listed = await client.list_executions(limit=3)
        run = listed.data[0].execution_id
        sent.clear()
        status, dag = await monitor.open(run, with_dag=True)
    assert [p.rsplit("/", 1)[-1] for p in sent] == [run, "checkpoint"], sent
    assert status.execution_id == run and dag is not None and dag.nodes
