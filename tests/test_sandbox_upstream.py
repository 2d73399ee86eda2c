"""The sandbox in the upstream dialect answers like the real open-source ROMA server.

Each recorded exchange of `../shared/upstream-recorded/` (the real server's answers) is replayed
against the sandbox over loopback HTTP, on a run in the same state, and our answer must have the
recorded status code, the same keys and the same JSON types (values differ: other runs), plus
the behaviour the recordings show (ordering, ignored filters, zeros while running, nested
subgraphs listing all descendants, errors, rate limit).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from roma_tui.sandbox import RunningSandbox, SandboxConfig, SandboxSettings, make_api

_HERE = Path(__file__).resolve().parent
RECORDED = next(
    (
        p
        for p in (_HERE / "upstream_recorded", _HERE.parent.parent / "shared/upstream-recorded")
        if (p / "README.md").exists()
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    RECORDED is None, reason="the recordings (../shared/upstream-recorded) are not here"
)
API = "/api/v1/executions"
# Keys that are ids or counts, not field names: compare their values, not their names.
DYNAMIC = {"tasks", "dependencies", "subgraphs", "status_counts", "depth_distribution"}


def recorded(name: str) -> dict:
    return json.loads((RECORDED / f"{name}.json").read_text())


def status_code(exchange: dict) -> int:
    return int(exchange["status_line"].split()[1])


def shape_problems(ours, theirs, where="body") -> list[str]:
    """Where our JSON differs from the recorded one in keys or types (a recorded null: any)."""
    if theirs is None:
        return []
    if ours is None or type(ours) is not type(theirs):
        return [f"{where}: {type(ours).__name__}, recorded {type(theirs).__name__}"]
    key = where.rsplit(".", 1)[-1]
    if isinstance(theirs, list) or (isinstance(theirs, dict) and key in DYNAMIC):
        # Items (or id-keyed values): each of ours must look like one of the recorded ones.
        samples = list(theirs.values() if isinstance(theirs, dict) else theirs)
        items = ours.values() if isinstance(ours, dict) else ours
        problems = []
        for item in items if samples else ():
            tries = [shape_problems(item, sample, where + "[]") for sample in samples]
            problems += [] if [] in tries else tries[0]
        return problems[:5]
    if not isinstance(theirs, dict) or not theirs:  # a recorded {} shows no keys to match
        return []
    if ours.keys() != theirs.keys():
        return [f"{where}: keys {sorted(ours)} != recorded {sorted(theirs)}"]
    if key == "config":  # the sandbox's configuration is smaller inside each section
        return []
    return [p for k in theirs for p in shape_problems(ours[k], theirs[k], f"{where}.{k}")]


def assert_like(response: httpx.Response, name: str) -> dict:
    exchange = recorded(name)
    assert response.status_code == status_code(exchange), response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert shape_problems(body, exchange["body"]) == []
    for header in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert (header in response.headers) == (header in exchange["headers"]), header
    return body


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Seeded history (completed, failed, cancelled) and a runaway running for 4 minutes, with
    checkpoints; time stretched x5 so the runs created here stay running."""
    settings = SandboxSettings(
        db=tmp_path_factory.mktemp("upstream") / "sandbox.db",
        rate_limit="100000/hour",
        seed_demo=30,
        dialect="upstream",
        engine=SandboxConfig(time_scale=5.0, fail_rate=0.3, runaway_rate=0.0),
    )
    with RunningSandbox(make_api(settings)) as running:
        yield running


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def runs(http):
    rows = http.get(API, params={"limit": 1000, "compact": "true"}).json()["executions"]
    by_status: dict[str, list[dict]] = {}
    for row in rows:
        by_status.setdefault(row["status"], []).append(row)
    runaway = next(r for r in rows if "runaway" in r["initial_goal"])
    return {"all": rows, "runaway": runaway, **by_status}


def test_the_seeded_history_has_every_kind_of_run(runs):
    assert {"completed", "failed", "cancelled", "running"} <= runs.keys()
    assert all(re.fullmatch(r"[0-9a-f-]{36}", r["execution_id"]) for r in runs["all"])


# -- the list ------------------------------------------------------------------------------------


def test_the_list_envelope_rows_and_order(http, runs):
    body = assert_like(http.get(API), "list_default")
    assert (body["total"], body["offset"], body["limit"]) == (30, 0, 100)
    keyed = [(r["experiment_name"], r["created_at"]) for r in body["executions"]]
    experiments = [e for e, _ in keyed]
    assert experiments == sorted(experiments) and len(set(experiments)) > 1
    for experiment in set(experiments):  # newest first inside an experiment
        times = [t for e, t in keyed if e == experiment]
        assert times == sorted(times, reverse=True)
    for row in body["executions"]:
        assert isinstance(row["config"], dict) and len(json.dumps(row["config"])) > 5000
        failed = row["status"] == "failed"
        assert ("error" in row["metadata"]) == failed == ("error_type" in row["metadata"])
        assert "statistics" not in row and "result" not in row


def test_compact_drops_the_config_and_saves_the_bytes(http):
    full = http.get(API, params={"limit": 5})
    compact = http.get(API, params={"limit": 5, "compact": "true"})
    body = assert_like(compact, "list_compact")
    assert all(row["config"] is None for row in body["executions"])
    assert len(full.content) > 5 * len(compact.content)
    print(f"\n5 rows: {len(full.content):,} bytes, compact {len(compact.content):,} bytes")


def test_paging_and_the_ignored_parameters(http):
    first = assert_like(http.get(API, params={"limit": 5}), "list_limit5")
    second = assert_like(http.get(API, params={"limit": 5, "offset": 5}), "list_offset5_limit5")
    everything = http.get(API).json()["executions"]
    ids = [r["execution_id"] for r in everything]
    assert [r["execution_id"] for r in first["executions"] + second["executions"]] == ids[:10]
    for params, name in (
        ({"sort": "created_at", "order": "asc", "limit": 5}, "list_sort_ignored"),
        ({"created_after": "2030-01-01T00:00:00Z", "limit": 5}, "list_created_after_ignored"),
    ):
        body = assert_like(http.get(API, params=params), name)
        assert [r["execution_id"] for r in body["executions"]] == ids[:5] and body["total"] == 30


def test_the_status_filter_is_lower_case_only(http, runs):
    body = assert_like(http.get(API, params={"status": "running"}), "list_status_running")
    assert {r["execution_id"] for r in body["executions"]} == {
        r["execution_id"] for r in runs["running"]
    }
    upper = assert_like(http.get(API, params={"status": "RUNNING"}), "list_status_RUNNING")
    assert upper == recorded("list_status_RUNNING")["body"]


def test_a_limit_above_1000_is_a_validation_error(http):
    body = assert_like(http.get(API, params={"limit": 2000}), "list_limit_2000")
    assert body == recorded("list_limit_2000")["body"]
    assert http.get(API, params={"limit": 1000}).status_code == 200
    zero = http.get(API, params={"limit": 0}).json()["detail"][0]
    assert zero["type"] == "greater_than_equal" and zero["loc"] == ["query", "limit"]


# -- one execution -------------------------------------------------------------------------------


def test_a_running_run_counts_nothing_in_status_but_its_statistics_do(http, runs):
    run_id = runs["runaway"]["execution_id"]
    status = assert_like(http.get(f"{API}/{run_id}/status"), "status_running_tree")
    assert status["progress"] == 0.0 and status["total_tasks"] == 0
    assert status["current_task_id"] is None and status["current_task_goal"] is None
    detail = assert_like(http.get(f"{API}/{run_id}"), "detail_running_tree")
    assert detail["total_tasks"] == 0 and detail["status"] == "running"
    stats = detail["statistics"]
    assert stats["status_counts"]["COMPLETED"] > 0 and stats["total_tasks"] > 3


@pytest.mark.parametrize("kind", ["completed", "failed", "cancelled"])
def test_a_finished_run(http, runs, kind):
    run_id = runs[kind][0]["execution_id"]
    detail = assert_like(http.get(f"{API}/{run_id}"), f"detail_{kind}")
    status = assert_like(http.get(f"{API}/{run_id}/status"), f"status_{kind}")
    if kind == "cancelled":  # as recorded: a cancelled run keeps its zeros
        assert detail["total_tasks"] == status["total_tasks"] == 0
        return
    assert status["total_tasks"] == detail["total_tasks"] > 0
    done = status["completed_tasks"] + detail["failed_tasks"]
    assert status["progress"] == pytest.approx(done / status["total_tasks"])
    if kind == "failed":
        meta = detail["metadata"]
        assert meta["error"].endswith("(simulated failure)") and meta["error_type"]
        assert detail["failed_tasks"] == 1


def test_unknown_runs_and_the_absent_dag_route(http, runs):
    for run_id, name in (
        ("00000000-0000-0000-0000-000000000000", "detail_unknown"),
        ("exec_zzzzzzzzzzzzzzzz", "detail_not_uuid"),
    ):
        body = assert_like(http.get(f"{API}/{run_id}"), name)
        assert body == {"detail": f"Execution {run_id} not found"}
    run_id = runs["runaway"]["execution_id"]
    assert assert_like(http.get(f"{API}/{run_id}/dag"), "dag_route_absent") == {
        "detail": "Not Found"
    }


def test_metrics_and_costs(http, runs):
    run_id = runs["completed"][0]["execution_id"]
    metrics = assert_like(http.get(f"{API}/{run_id}/metrics"), "metrics_completed")
    costs = assert_like(http.get(f"{API}/{run_id}/costs"), "costs_completed")
    assert metrics["total_tokens"] == costs["total_tokens"] > 0
    assert costs["total_cost_usd"] > 0 and metrics["total_lm_calls"] == costs["traces_count"]


def test_health_is_outside_the_api_and_not_rate_limited(http):
    body = assert_like(http.get("/health"), "health")
    assert body["status"] == "healthy" and body["active_executions"] >= 1


# -- checkpoints: the DAG ------------------------------------------------------------------------


def walk(snapshot, seen=None):
    seen = [] if seen is None else seen
    seen.append(snapshot)
    for sub in snapshot["subgraphs"].values():
        walk(sub, seen)
    return seen


def test_the_checkpoint_of_a_running_tree(http, runs):
    run_id = runs["runaway"]["execution_id"]
    body = assert_like(http.get(f"{API}/{run_id}/checkpoint"), "checkpoint_running_tree")
    assert body["created_at"].endswith("+00:00") and body["tasks"] == body["dag"]["tasks"]
    snapshots = walk(body["dag"])
    assert len(snapshots) >= 3  # the root's subgraph and a nested planner's, at least
    for snap in snapshots:
        for sub_id, sub in snap["subgraphs"].items():
            owner = next(t for t in snap["tasks"].values() if t["subgraph_id"] == sub_id)
            assert sub_id == f"{snap['dag_id']}_sub_{owner['task_id']}" == sub["dag_id"]
            # a snapshot lists ALL its descendants, nested subgraphs included
            assert set(sub["tasks"]) < set(snap["tasks"])
            for nested in walk(sub):
                assert set(nested["tasks"]) <= set(sub["tasks"])
        stats = snap["statistics"]
        assert stats["total_tasks"] == len(snap["tasks"]) == sum(stats["status_counts"].values())
    states = {t["status"] for t in body["tasks"].values()}
    assert "PLAN_DONE" in states and states <= {
        "PENDING",
        "ATOMIZING",
        "PLANNING",
        "PLAN_DONE",
        "EXECUTING",
        "AGGREGATING",
        "COMPLETED",
    }
    listed = assert_like(http.get(f"{API}/{run_id}/checkpoints"), "checkpoints_list_running_tree")
    assert listed["checkpoints"][0]["checkpoint_id"] == body["checkpoint_id"]


def test_the_checkpoint_of_a_finished_run(http, runs):
    run_id = runs["completed"][0]["execution_id"]
    body = assert_like(http.get(f"{API}/{run_id}/checkpoint"), "checkpoint_completed")
    assert body["trigger"] == "execution_complete"
    assert {t["status"] for t in body["tasks"].values()} == {"COMPLETED"}
    failed = http.get(f"{API}/{runs['failed'][0]['execution_id']}/checkpoint").json()
    states = [t["status"] for t in failed["tasks"].values()]
    assert states.count("FAILED") == 1 and "PLAN_DONE" in states  # planners stay PLAN_DONE
    assert failed["trigger"] == "on_failure"


# -- writes: create and cancel -------------------------------------------------------------------


def test_create_validation_is_fastapis(http):
    for body, name in (
        ({}, "create_missing_goal"),
        ({"goal": "x", "max_depth": 99}, "create_bad_depth"),
    ):
        answer = assert_like(http.post(API, json=body), name)
        assert answer == recorded(name)["body"]


def test_create_refuses_what_fastapi_refuses(http):
    def error(response):
        assert response.status_code == 422
        return response.json()["detail"][0]["type"]

    headers = {"content-type": "application/json"}
    assert error(http.post(API, content=b"{not json", headers=headers)) == "json_invalid"
    assert error(http.post(API, json=["a goal"])) == "model_attributes_type"
    assert error(http.post(API, json={"goal": ""})) == "string_too_short"
    assert error(http.post(API, json={"goal": 7})) == "string_type"
    assert error(http.post(API, json={"goal": "g", "max_depth": "three"})) == "int_parsing"
    assert error(http.post(API, json={"goal": "g", "max_depth": 2.5})) == "int_from_float"
    assert error(http.post(API, json={"goal": "g", "max_depth": [2]})) == "int_type"
    lax = http.post(API, json={"goal": "g", "max_depth": "3"})  # FastAPI is lax: "3" is 3
    assert lax.status_code == 202 and lax.json()["max_depth"] == 3
    assert error(http.post(API, json={"goal": "g", "metadata": []})) == "dict_type"
    huge = http.post(API, content=b" " * (1024 * 1024 + 1), headers=headers)
    assert huge.status_code == 413 and huge.json() == {"detail": "Request body too large"}


def test_a_new_run_has_no_checkpoint_yet_then_can_be_cancelled(http):
    created = http.post(API, json={"goal": "Research and compare two data sources"})
    assert created.status_code == 202
    run_id = created.json()["execution_id"]
    assert created.json()["max_depth"] == 2  # the server's default
    empty = assert_like(http.get(f"{API}/{run_id}/checkpoint"), "checkpoint_running_nockpt")
    assert empty == {
        "execution_id": run_id,
        "tasks": {},
        "root_goal": "",
        "status": "unknown",
        "checkpoints": [],
    }
    assert_like(http.get(f"{API}/{run_id}/status"), "status_running_nockpt")
    cancelled = assert_like(http.post(f"{API}/{run_id}/cancel"), "cancel_owned_running")
    assert cancelled["status"] == "cancelled" and "statistics" not in cancelled
    after = assert_like(http.get(f"{API}/{run_id}/status"), "status_after_cancel")
    assert after["status"] == "cancelled"
    again = assert_like(http.post(f"{API}/{run_id}/cancel"), "cancel_completed")
    assert again == {"detail": f"Execution {run_id} is not running (cannot cancel)"}


def test_cancel_refuses_a_running_run_this_server_did_not_start(http, runs):
    run_id = runs["runaway"]["execution_id"]
    body = assert_like(http.post(f"{API}/{run_id}/cancel"), "cancel_not_owned_running")
    assert body == {"detail": f"Execution {run_id} is not running (cannot cancel)"}
    assert http.get(f"{API}/{run_id}").json()["status"] == "running"


# -- the rate limit ------------------------------------------------------------------------------


def test_sixty_a_minute_per_client_by_default_and_the_429(start_sandbox):
    default = start_sandbox(dialect="upstream")
    first = httpx.get(default.url + API, params={"limit": 1})
    assert first.headers["x-ratelimit-limit"] == "60"
    assert first.headers["x-ratelimit-remaining"] == "59"
    server = start_sandbox(dialect="upstream", rate_limit="3/min")
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for _ in range(3):
            http.get(f"{API}/nope")  # a 404 costs a request too
        refused = http.get(API)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert refused.json() == {"error": "Rate limit exceeded. Please try again later."}
        assert "x-ratelimit-limit" not in refused.headers
        assert http.get("/health").status_code == 200


def test_the_shape_comparison_sees_differences():
    recorded_task = {"task_id": "t", "depth": 1, "dependencies": ["a"], "result": None}
    assert shape_problems(dict(recorded_task, result="done"), recorded_task) == []
    assert shape_problems({"task_id": "t", "depth": 1}, recorded_task)  # a key missing
    assert shape_problems(dict(recorded_task, depth="1"), recorded_task)  # a type
    assert shape_problems(dict(recorded_task, depth=True), recorded_task)  # bool is not int
    assert shape_problems({"tasks": {"x": {"a": 1}}}, {"tasks": {"y": {"a": 2}}}) == []
    assert shape_problems({"tasks": {"x": {"b": 1}}}, {"tasks": {"y": {"a": 2}}})
    assert shape_problems({"progress": 0}, {"progress": 0.0})  # 0.0 is what FastAPI sends


# -- the command line: `roma-tui sandbox --dialect upstream` and `roma-tui demo --dialect ...` ---


def test_the_dialect_option_and_its_default_rates(tmp_path, monkeypatch):
    import io

    from roma_tui import sandbox_command
    from roma_tui.cli import build_parser
    from roma_tui.commands import Io

    parse = build_parser().parse_args
    db = ["--db", str(tmp_path / "s.db")]
    for argv, demo, dialect, rate in (
        (["sandbox", *db], False, "hosted", "1000/day"),
        (["sandbox", "--dialect", "upstream", *db], False, "upstream", "60/min"),
        (
            ["sandbox", "--dialect", "upstream", "--rate-limit", "5/s", *db],
            False,
            "upstream",
            "5/s",
        ),
        (["demo", *db], True, "hosted", "5000/hour"),
        (["demo", "--dialect", "upstream", *db], True, "upstream", "60/min"),
    ):
        settings = sandbox_command.settings_from(parse(argv), ["k"], [], demo=demo)
        assert (settings.dialect, settings.rate_limit) == (dialect, rate), argv
    served = []
    monkeypatch.setattr(sandbox_command, "serve", lambda api, host, port: served.append(api))
    out = io.StringIO()
    code = sandbox_command.run_sandbox(
        parse(["sandbox", "--dialect", "upstream", *db]), Io(out=out, err=io.StringIO())
    )
    assert code == 0 and type(served[0]).__name__ == "UpstreamApi"
    assert "dialect: upstream" in out.getvalue() and "60/min per client" in out.getvalue()
    assert "demo key" not in out.getvalue()  # the upstream server takes no key
    served[0].engine.storage.close()


# -- the console on it (what `roma-tui demo --dialect upstream` shows) ---------------------------


async def test_the_console_lists_the_runs_and_opens_a_running_dag(start_sandbox):
    from console_helpers import SIZE, app_for, shown, until
    from test_dag_screen import open_dag

    server = start_sandbox(
        dialect="upstream", seed_demo=12, time_scale=5.0, rate_limit="100000/hour"
    )
    rows = httpx.get(server.url + API, params={"compact": "true"}).json()["executions"]
    runaway = next(r for r in rows if "runaway" in r["initial_goal"])["execution_id"]
    tasks = httpx.get(f"{server.url}{API}/{runaway}/checkpoint").json()["tasks"]
    app = app_for(server.url, dialect="upstream")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) == len(rows))
        screen = await open_dag(pilot, app, runaway)
        assert set(screen.view.dag_graph) == set(tasks)
