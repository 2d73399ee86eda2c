"""The poll planner with a fake clock, the execution store, and the finished-run cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from conftest import KEY
from roma_tui.api import Execution, ExecutionPage, RomaClient, Status
from roma_tui.api.ratelimit import RateLimit
from roma_tui.monitor.cache import FinishedCache
from roma_tui.monitor.live import LiveMonitor
from roma_tui.monitor.planner import OnScreen, PollPlanner
from roma_tui.monitor.store import ExecutionStore, ListQuery

T0 = 1_800_000_000.0


class FakeClock:
    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def limit_seen(clock, remaining, *, limit=1000, reset_in=8 * 3600.0):
    at = datetime.fromtimestamp(clock(), tz=UTC)
    return RateLimit(
        limit=limit,
        remaining=remaining,
        reset_at=at + timedelta(seconds=reset_in) if reset_in else None,
        observed_at=at,
    )


RUNNING = OnScreen(any_running=True)


def test_without_headers_the_profile_interval_is_used_and_idle_slows_down():
    clock = FakeClock()
    planner = PollPlanner(clock=clock, interval=2.0, idle_interval=60.0)
    planner.poll_started()
    plan = planner.plan(RUNNING)
    assert plan.fetch == ("list",) and plan.at == T0 + 2.0 and plan.reason == "interval"
    idle = planner.plan(OnScreen(any_running=False))
    assert idle.at == T0 + 60.0 and idle.reason == "idle"


def test_the_budget_is_spread_evenly_until_the_reset():
    clock = FakeClock()
    planner = PollPlanner(clock=clock, interval=2.0)
    planner.observe(limit_seen(clock, 800, reset_in=8 * 3600))
    planner.poll_started()
    plan = planner.plan(RUNNING)
    # 800 left, 50 kept in reserve: 750 list requests over 8 hours.
    assert plan.reason == "budget" and abs((plan.at - T0) - 8 * 3600 / 750) < 1e-6
    focused = planner.plan(
        OnScreen(focused_id="exec_x", focused_running=True, dag_open=True, any_running=True)
    )
    # On a tight budget the focused status rides on the list (its status is in there).
    assert focused.fetch == ("list", "dag")
    assert abs((focused.at - T0) - 2 * 8 * 3600 / 750) < 1e-6
    # With room to spare, the focused run's own status is fetched every round.
    planner.observe(limit_seen(clock, 100_000, limit=100_000, reset_in=3600))
    roomy = planner.plan(OnScreen(focused_id="exec_x", focused_running=True, any_running=True))
    assert roomy.fetch == ("list", "status") and roomy.reason == "interval"


def test_a_simulated_day_never_touches_the_reserve():
    clock = FakeClock()
    remaining, reset = 1000, T0 + 86400
    planner = PollPlanner(clock=clock, interval=2.0)
    screen = OnScreen(focused_id="exec_x", focused_running=True, dag_open=True, any_running=True)
    spent = 0
    while clock.now < reset - 1:
        plan = planner.plan(screen)
        clock.now = plan.at
        if clock.now >= reset:
            break
        planner.poll_started()
        for _ in plan.fetch:
            remaining -= 1
            spent += 1
            planner.observe(limit_seen(clock, remaining, reset_in=reset - clock.now))
        planner.poll_succeeded()
    assert remaining >= planner.reserve() == 50
    assert spent >= 900  # and it did spend what it could
    assert planner.user_may_spend()


def test_when_only_the_reserve_is_left_polling_waits_for_the_reset():
    clock = FakeClock()
    planner = PollPlanner(clock=clock)
    planner.observe(limit_seen(clock, 40, reset_in=3600))
    plan = planner.plan(RUNNING)
    assert plan.at == T0 + 900 and plan.reason == "reserve kept until the reset"  # re-checks
    assert planner.user_may_spend()
    planner.observe(limit_seen(clock, 0, reset_in=3600))
    assert not planner.user_may_spend()


def test_a_low_budget_keeps_the_list_above_all():
    clock = FakeClock()
    planner = PollPlanner(clock=clock)
    screen = OnScreen(focused_id="e", focused_running=True, dag_open=True, any_running=True)
    planner.observe(limit_seen(clock, 52, reset_in=3600))  # two above the reserve
    assert planner.plan(screen).fetch == ("list",)  # the DAG goes, the status rides the list
    planner.observe(limit_seen(clock, 10_000, limit=10_000, reset_in=3600))  # room to spare
    assert planner.plan(screen).fetch == ("list", "status", "dag")


def test_failures_back_off_exponentially_and_recover():
    clock = FakeClock()
    planner = PollPlanner(clock=clock, interval=2.0, max_backoff=120.0)
    delays = []
    for _ in range(9):
        planner.poll_failed("503")
        plan = planner.plan(RUNNING)
        delays.append(plan.at - clock.now)
        assert plan.reason == "backoff after 503"
    assert delays[:4] == [2.0, 4.0, 8.0, 16.0] and max(delays) == 120.0
    assert planner.view().stale_since == T0
    clock.now += 200
    planner.poll_started()
    planner.poll_succeeded()
    assert planner.plan(RUNNING).reason == "interval" and planner.view().stale_since is None


def test_a_429_waits_for_the_reset_it_names():
    clock = FakeClock()
    planner = PollPlanner(clock=clock)
    planner.poll_failed("429", retry_at=T0 + 300)
    plan = planner.plan(RUNNING)
    assert plan.at == T0 + 300 and plan.reason == "backoff after 429"


def test_odd_headers_neither_stall_nor_flood():
    clock = FakeClock()
    planner = PollPlanner(clock=clock, interval=2.0)
    # Remaining known, reset unknown (or in the past): assume a day, not "never" nor "now".
    planner.observe(limit_seen(clock, 500, reset_in=None))
    planner.poll_started()
    plan = planner.plan(RUNNING)
    assert 2.0 < plan.at - T0 < 900
    # Remaining 0 with no reset: wait, but look again within max_wait.
    planner.observe(limit_seen(clock, 0, reset_in=None))
    assert planner.plan(RUNNING).at - T0 <= planner.max_wait


def execution(execution_id, status="running", minutes_ago=0, **extra):
    created = datetime(2026, 1, 1, 12, tzinfo=UTC) - timedelta(minutes=minutes_ago)
    return Execution(execution_id=execution_id, status=status, created_at=created, **extra)


def page(rows, *, total=None, has_more=False):
    return ExecutionPage(data=rows, pagination={"total": total or len(rows), "has_more": has_more})


def test_store_reports_added_changed_and_keeps_rows_that_slid_down():
    store = ExecutionStore()
    first = store.apply_page(
        page([execution("a", minutes_ago=1), execution("b", minutes_ago=2)], has_more=True), 0
    )
    assert first.added == ["a", "b"]
    more = store.apply_page(page([execution("b", minutes_ago=2), execution("c", minutes_ago=3)]), 2)
    assert more.added == ["c"] and [e.execution_id for e in store.rows()] == ["a", "b", "c"]
    # A new run pushes "b" off the first page: it slid down, it did not vanish.
    refresh = store.apply_page(
        page([execution("n"), execution("a", "completed", minutes_ago=1)], has_more=True), 0
    )
    assert refresh.added == ["n"] and refresh.gone == []
    assert refresh.changed["a"] >= {"status"} and refresh.finished == ["a"]
    assert [e.execution_id for e in store.rows()] == ["n", "a", "b", "c"]


def test_store_drops_a_row_proven_to_have_left_a_filtered_query():
    store = ExecutionStore(ListQuery(status="running"))
    store.apply_page(
        page(
            [
                execution("a", minutes_ago=1),
                execution("b", minutes_ago=2),
                execution("c", minutes_ago=3),
            ]
        ),
        0,
    )
    changes = store.apply_page(
        page([execution("a", minutes_ago=1), execution("c", minutes_ago=3)]), 0
    )
    assert changes.gone == ["b"] and "b" not in store


def test_a_top_refresh_with_many_runs_loaded_moves_only_the_top_and_keeps_the_rest():
    store = ExecutionStore()
    runs = [execution(f"r{i:03d}", "completed", minutes_ago=i) for i in range(300)]
    for offset in range(0, 300, 100):
        store.apply_page(page(runs[offset : offset + 100], total=300, has_more=True), offset)
    # A new run on top; r005 left the query (absent inside the page's span); r099 slid down.
    top = [execution("new", minutes_ago=-1)] + [r for r in runs[:99] if r.execution_id != "r005"]
    changes = store.apply_page(page(top, total=300, has_more=True), 0)
    assert changes.added == ["new"] and changes.gone == ["r005"] and "r005" not in store
    order = [e.execution_id for e in store.rows()]
    assert order[:3] == ["new", "r000", "r001"] and order.count("r099") == 1
    assert order[98:101] == ["r098", "r099", "r100"] and order[-1] == "r299" and len(order) == 300


def test_a_top_refresh_oldest_first_drops_only_what_its_span_proves():
    store = ExecutionStore(ListQuery(order="asc"))
    runs = [execution(f"r{i:03d}", "completed", minutes_ago=300 - i) for i in range(300)]
    for offset in range(0, 300, 100):
        store.apply_page(page(runs[offset : offset + 100], total=300, has_more=True), offset)
    top = [r for r in runs[:100] if r.execution_id != "r050"]
    changes = store.apply_page(page(top, total=299, has_more=True), 0)
    assert changes.gone == ["r050"] and len(store) == 299
    assert [e.execution_id for e in store.rows()][99:101] == ["r100", "r101"]


def test_the_newest_run_leaving_a_filter_is_dropped_by_the_next_top_page():
    # Filtered to running runs, newest first, four a page. "a" (the newest) finishes: a top page
    # holds every run created since its oldest one, so a's absence proves it left the query.
    store = ExecutionStore(ListQuery(status="running"))
    a, b, c, d, e = (execution(i, minutes_ago=m) for m, i in enumerate("abcde", 1))
    store.apply_page(page([a, b, c, d], total=9, has_more=True), 0)
    changes = store.apply_page(page([b, c, d, e], total=8, has_more=True), 0)
    assert changes.gone == ["a"] and "a" not in store and "a" not in store.running_set()
    assert [r.execution_id for r in store.rows()] == ["b", "c", "d", "e"]


def test_a_run_created_here_is_kept_until_a_list_has_shown_it():
    store = ExecutionStore()
    b, c = execution("b", minutes_ago=2), execution("c", minutes_ago=3)
    store.apply_page(page([b, c], total=5, has_more=True), 0)
    store.add_created(execution("mine", minutes_ago=0))
    lagging = store.apply_page(page([b, c], total=5, has_more=True), 0)  # the server lags
    assert lagging.gone == [] and "mine" in store
    store.apply_page(page([execution("mine"), b, c], total=6, has_more=True), 0)
    gone = store.apply_page(page([b, c], total=5, has_more=True), 0)  # now it really left
    assert gone.gone == ["mine"] and "mine" not in store


def test_a_run_created_at_the_same_time_as_the_pages_last_row_is_not_proven_gone():
    store = ExecutionStore()
    store.apply_page(page([execution(i, minutes_ago=m) for i, m in (("a", 1), ("b", 2))]), 0)
    store.apply_page(page([execution("twin", minutes_ago=2)], total=3), 2)
    # The next top page ends at b; "twin", created in the same second, may be just past it.
    changes = store.apply_page(
        page(
            [execution("a", minutes_ago=1), execution("b", minutes_ago=2)], total=3, has_more=True
        ),
        0,
    )
    assert changes.gone == [] and "twin" in store


def test_a_page_cut_from_a_list_read_in_part_proves_nothing_gone():
    store = ExecutionStore()
    store.apply_page(page([execution(i, minutes_ago=m) for m, i in enumerate("abc")]), 0)
    cut = page([execution("b", minutes_ago=1)], total=None, has_more=False)
    cut.partial = True  # upstream: the page budget ran out before the list did
    changes = store.apply_page(cut, 0)
    assert changes.gone == [] and len(store) == 3


def test_store_ignores_a_status_going_backwards():
    store = ExecutionStore()
    store.apply_page(page([execution("a", "completed")]), 0)
    changes = store.apply_page(page([execution("a", "running")]), 0)
    assert not changes and store.get("a").status == "completed" and store.regressions == 1


def test_status_of_the_focused_run_updates_its_row():
    store = ExecutionStore()
    store.apply_page(page([execution("a")]), 0)
    changes = store.apply_status(
        Status(execution_id="a", status="failed", progress=40, error="boom")
    )
    assert changes.changed["a"] >= {"status", "error"} and store.get("a").error == "boom"


def test_cache_keeps_finished_runs_whole_and_survives_bad_files(tmp_path):
    cache = FinishedCache(tmp_path, "http://server")
    done = execution("exec_0000000000000001", "completed", dag={"nodes": [{"id": "n"}]})
    assert not cache.put(execution=execution("exec_0000000000000002"))  # running: not cached
    assert cache.put(
        execution=done,
        status=Status(execution_id=done.execution_id, status="completed", progress=100),
    )
    again = FinishedCache(tmp_path, "http://server")  # a restart
    cached, status = again.get(done.execution_id)
    assert cached.dag.nodes[0].id == "n" and status.progress == 100
    assert FinishedCache(tmp_path, "http://other").get(done.execution_id) == (None, None)
    path = again._path(done.execution_id)
    path.write_text('{"execution": {"execution_id": ')  # half-written
    assert again.get(done.execution_id) == (None, None) and not path.exists()


def test_cache_is_bounded(tmp_path):
    cache = FinishedCache(tmp_path, "http://server", max_bytes=3000)
    for i in range(20):
        cache.put(
            execution=execution(
                f"exec_{i:016d}", "completed", dag={"nodes": [{"id": "n", "input": "x" * 400}]}
            )
        )
    sizes = sum(p.stat().st_size for p in cache.folder.glob("*.json"))
    assert sizes <= 3000 and cache.get(f"exec_{19:016d}")[0] is not None


async def test_live_monitor_against_the_sandbox(start_sandbox, tmp_path):
    server = start_sandbox(seed_demo=12, time_scale=0.05)
    async with RomaClient(server.url, KEY) as client:
        created = await client.create_execution("Watch me finish")
        store = ExecutionStore(page_size=20)
        planner = PollPlanner(interval=0.1)
        monitor = LiveMonitor(client, store, planner, FinishedCache(tmp_path, server.url))
        screen = OnScreen(focused_id=created.execution_id, focused_running=True, any_running=True)
        result = await monitor.poll(planner.plan(screen), screen)
        assert result.error is None and result.fetched == ["list", "status"]
        assert created.execution_id in store and len(store) == 13
        assert planner.view().remaining is not None
        for _ in range(100):
            result = await monitor.poll(planner.plan(screen), screen)
            if created.execution_id in result.changes.finished:
                break
            await asyncio.sleep(0.05)
        assert store.get(created.execution_id).status == "completed"
        status, dag = await monitor.open(created.execution_id, with_dag=True)
        assert status.status == "completed" and dag.nodes
    # Closed client: the finished run is now read from the disk cache, no request needed.
    status, dag = await monitor.open(created.execution_id, with_dag=True)
    assert status.status == "completed" and dag.nodes


async def test_live_monitor_returns_errors_and_backs_off():
    async with RomaClient("http://127.0.0.1:9", KEY, max_retries=0) as client:
        planner = PollPlanner(interval=2.0)
        monitor = LiveMonitor(client, ExecutionStore(), planner)
        result = await monitor.poll(planner.plan(RUNNING), RUNNING)
    assert "Cannot connect" in str(result.error)
    assert planner.plan(RUNNING).reason == "backoff after connection failure"


async def test_a_failed_detail_after_a_fresh_list_leaves_the_console_live(start_sandbox):
    server = start_sandbox(seed_demo=5)
    async with RomaClient(server.url, KEY, max_retries=0) as client:
        store, planner = ExecutionStore(), PollPlanner(interval=2.0)
        monitor = LiveMonitor(client, store, planner)
        gone = OnScreen(focused_id="exec_gone000000000000", focused_running=True, any_running=True)
        result = await monitor.poll(planner.plan(gone), gone)
    assert result.fetched == ["list"] and len(store) == 5  # the list came in
    assert result.failure is not None and "exec_gone" in result.failure.message  # said
    # ... but the table is live: not stale, and polling does not back off for one run's detail.
    assert planner.view().stale_since is None
    assert not planner.plan(RUNNING).reason.startswith("backoff")


# -- cancelling: outcomes that say what happened to the cancel, not to the run -----------------


def _cancel_server(cancel_status, cancel_body, detail=None):
    """A hosted-shape server: POST .../cancel answers as told; GET .../{id} with `detail`."""
    import httpx

    sent = []

    def handle(request):
        sent.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            return httpx.Response(
                cancel_status, json=cancel_body, headers={"x-request-id": "req_cancel1"}
            )
        if detail is None:
            return httpx.Response(503, json={"error": {"code": "unavailable", "message": "down"}})
        return httpx.Response(200, json=detail)

    client = RomaClient(
        "http://127.0.0.1:8765", KEY, transport=httpx.MockTransport(handle), max_retries=0
    )
    return client, sent


RUN = "exec_0123456789abcdef"


def _hosted_execution(status):
    return {"execution_id": RUN, "status": status, "initial_goal": "g", "config_profile": "fast"}


async def test_a_failed_cancel_reads_as_a_failed_cancel_not_a_failed_run(tmp_path):
    from roma_tui.monitor.action_log import ActionLog
    from roma_tui.monitor.cancelling import cancel_runs

    client, sent = _cancel_server(501, {})
    log = ActionLog(tmp_path / "actions.jsonl")
    async with client:
        (outcome,) = await cancel_runs(client, [RUN], log)
    assert outcome.outcome == "cancel failed" and not outcome.ok
    assert outcome.summary() == "cancel failed: The server answered HTTP 501 (request req_cancel1)"
    assert sent == [f"POST /api/v1/executions/{RUN}/cancel"]  # no re-read after a 5xx
    assert '"outcome": "cancel failed"' in (tmp_path / "actions.jsonl").read_text()


async def test_an_invalid_operation_is_settled_by_reading_the_run_again():
    from roma_tui.monitor.cancelling import cancel_runs

    refusal = {"error": {"code": "invalid_operation", "message": "Cannot cancel it now"}}
    client, sent = _cancel_server(400, refusal, _hosted_execution("failed"))
    async with client:
        (finished,) = await cancel_runs(client, [RUN])
    assert finished.outcome == "already failed" and finished.ok
    assert sent[-1] == f"GET /api/v1/executions/{RUN}"
    client, _ = _cancel_server(400, refusal, _hosted_execution("running"))
    async with client:
        (running,) = await cancel_runs(client, [RUN])
    assert running.outcome == "refused" and not running.ok
    assert running.message == "Cannot cancel it now; the run is still running"
    client, _ = _cancel_server(400, refusal, None)  # the re-read fails: refused, and why
    async with client:
        (unread,) = await cancel_runs(client, [RUN])
    assert unread.outcome == "refused"
    assert unread.summary().startswith("cancel refused: Cannot cancel it now; the run could not")


async def test_a_read_only_key_is_not_permitted_to_cancel():
    from roma_tui.monitor.cancelling import cancel_runs

    denied = {"error": {"code": "forbidden", "message": "read-only key"}}
    client, sent = _cancel_server(403, denied)
    async with client:
        (outcome,) = await cancel_runs(client, [RUN])
    assert outcome.outcome == "not permitted" and len(sent) == 1
    assert outcome.summary().startswith("cancel not permitted: read-only key")


def test_requests_outside_the_polls_spend_the_same_even_pace():
    """Focus fetches, pages and retries count: the next poll waits for the pace to catch up,
    and automatic extras stop until it has."""
    clock = FakeClock()
    planner = PollPlanner(clock=clock, interval=2.0)
    planner.observe(limit_seen(clock, 1000, limit=1000, reset_in=3600))  # 950 spendable an hour
    gap = 3600 / 950
    assert planner.may_spend_now(user=False)
    for _ in range(5):  # a burst of focus fetches and a retry
        planner.note_sent()
    assert not planner.may_spend_now(user=False)
    assert planner.may_spend_now(user=True)  # the user's own actions are never paced
    planner.poll_started()
    plan = planner.plan(RUNNING)
    assert plan.at - clock.now >= 5 * gap - 0.01 and plan.reason == "budget"
    clock.now = plan.at  # the pace has caught up: extras may go again
    assert planner.may_spend_now(user=False)
    assert planner.view().sent == 5


def test_a_refused_key_stops_polling_until_the_user_acts():
    clock = FakeClock()
    planner = PollPlanner(clock=clock)
    planner.halt("401")
    plan = planner.plan(RUNNING)
    assert plan.fetch == () and "401" in plan.reason
    assert not planner.may_spend_now(user=False)
    planner.resume()
    assert planner.plan(RUNNING).fetch == ("list",)


def test_queries_the_server_never_listed_give_back_the_last_one_it_did():
    store = ExecutionStore()
    store.apply_page(page([execution("a"), execution("b", "completed")], total=7), 0)
    assert store.restore_listed() is None  # listed: nothing to go back to
    store.set_query(ListQuery(status="running"))
    store.set_query(ListQuery(status="failed"))  # two changes, neither listed (server down)
    assert len(store) == 0 and store.total is None
    assert store.restore_listed() == ListQuery()
    assert [r.execution_id for r in store.rows()] == ["a", "b"] and store.total == 7
    assert store.running_set() == {"a"} and store.restore_listed() is None
    store.set_query(ListQuery(status="running"))
    store.apply_page(page([execution("a")], total=1), 0)  # listed: the old rows are let go
    assert store.restore_listed() is None and store.query.status == "running"


def test_refreshes_that_never_reached_the_server_do_not_push_the_next_poll_away():
    clock = FakeClock()
    planner = PollPlanner(clock=clock, interval=2.0)
    planner.observe(limit_seen(clock, 1000, reset_in=86400))  # ~91 s a request, evenly
    for _ in range(3):  # three refreshes while the server is down: an attempt and a retry each
        clock.now += 5
        planner.poll_started()
        planner.note_sent()
        planner.note_sent()
        planner.poll_failed("connection", reached_server=False)
    assert planner.sent == 6  # each attempt still counts
    share = 86400 / (1000 - 6 - 50)  # the even gap: what is left over the day, reserve kept
    # The next poll is one even gap after the last, as without the outage: not 6 gaps later.
    assert planner.plan(RUNNING).at - clock.now <= share
    planner.poll_started()
    planner.note_sent()
    planner.note_sent()
    planner.poll_failed("503")  # these reached the server: their shares of the pace stay
    assert planner.plan(RUNNING).at - clock.now > 1.9 * share


def test_one_unreadable_answer_from_a_server_that_answered_is_a_passing_fault():
    from roma_tui.api import ApiResponseError
    from roma_tui.monitor.failures import FailureKind, classify

    garbled = ApiResponseError("The answer to GET /api/v1/executions is not valid JSON (x).")
    first = classify(garbled, "http://roma", "p")
    assert first.kind is FailureKind.NOT_ROMA  # never answered: perhaps another service
    later = classify(garbled, "http://roma", "p", answered_before=True)
    assert later.kind is FailureKind.TRANSIENT and "not look like" not in later.message
    clock = FakeClock()
    planner = PollPlanner(clock=clock)
    assert not planner.answered
    planner.poll_started()
    planner.poll_succeeded()
    assert planner.answered


def test_a_new_rate_limit_window_starts_a_new_pace():
    clock = FakeClock()
    planner = PollPlanner(clock=clock, interval=2.0)
    planner.observe(limit_seen(clock, 55, reset_in=3600))  # 5 over the reserve, for an hour
    for _ in range(8):  # in the reserve, each request pushes the pace by the time left
        planner.note_sent()
    planner.poll_started()
    assert planner.plan(RUNNING).at - clock.now > 800
    clock.now += 5
    planner.observe(limit_seen(clock, 47, reset_in=3600 - 5))  # the same window, told again
    assert planner.plan(RUNNING).at - clock.now > 800  # ... keeps the pace
    clock.now += 3600  # the window resets: the budget is back
    planner.observe(limit_seen(clock, 999, reset_in=86400))
    planner.poll_started()
    assert planner.plan(RUNNING).at - clock.now < 120  # one even share of the new day


def test_a_bare_404_from_a_server_that_answered_is_a_passing_fault():
    from roma_tui.api import NotFoundError
    from roma_tui.monitor.failures import FailureKind, classify

    page = NotFoundError("Not found.", status_code=404)  # a proxy's HTML 404, no ROMA code
    assert classify(page, "http://roma", "p").kind is FailureKind.NOT_ROMA
    later = classify(page, "http://roma", "p", answered_before=True)
    assert later.kind is FailureKind.TRANSIENT
