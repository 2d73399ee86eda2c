"""Golden tests: the real upstream ROMA server's recorded answers, read by our client.

`../shared/upstream-recorded/` holds one JSON file per real exchange with the open-source server
(request, status line, headers, body). Every file is checked here (a test below fails when a file
is added that no test reads). HTTP behaviour is tested with `Recorded`, a stand-in for that server
built only from those files (an httpx.MockTransport): it is their server we replace, not our client.
"""

from __future__ import annotations

import io as stdio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import KEY
from roma_tui.api import (
    Dialect,
    ExecutionStatus,
    InvalidRequestError,
    NodeStatus,
    NotFoundError,
    RomaClient,
    ServerError,
    Status,
)
from roma_tui.api.dialects import normalise_checkpoint, normalise_list, normalise_status
from roma_tui.api.listing import UPSTREAM_PAGE
from roma_tui.api.models import Dag, Execution, ExecutionPage
from roma_tui.api.transport import exchange
from roma_tui.dag import build_graph
from roma_tui.monitor.cancelling import cancel_runs

_HERE = Path(__file__).resolve().parent
# Beside the repository (../shared), or linked into tests/ (a worktree elsewhere).
RECORDED = next(
    (
        p
        for p in (_HERE.parents[1] / "shared/upstream-recorded", _HERE / "upstream_recorded")
        if p.is_dir()
    ),
    _HERE.parents[1] / "shared/upstream-recorded",
)
if not RECORDED.is_dir():  # fail loudly: these tests must never pass by reading nothing
    raise RuntimeError(f"the recorded upstream answers are missing: expected {RECORDED}")

RUNNING = "3156ed63-50b9-4b74-9670-e82c84863b1b"  # running; root planned 3, one planned 3 more
NOCKPT = "babfe2e3-9a6e-495e-b7bb-54bda205ed4e"  # running, no checkpoint, not this process's
COMPLETED = "a227a5e8-102a-45c8-9f49-74e53cef8fab"
FAILED = "e3bc10de-55ed-4340-a743-b444aaa1b5a9"
CANCELLED = "97256ae0-dbe8-48bd-9544-988fffadb2df"
UNKNOWN = "00000000-0000-0000-0000-000000000000"
REASON = "CodeInterpreterError: sandbox timed out after 600s"

CHECKED: set[str] = set()


def checks(*names: str) -> Callable[[Any], Any]:
    """Mark the recorded files a test reads (see test_every_recorded_file_is_checked)."""
    CHECKED.update(names)
    return lambda test: test


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.json").read_text())


def body(name: str) -> Any:
    return recorded(name)["body"]


def response_of(record: dict[str, Any]) -> httpx.Response:
    status = int(record["status_line"].split()[1])
    return httpx.Response(
        status, headers=record["headers"], content=json.dumps(record["body"]).encode()
    )


def list_rows() -> list[dict[str, Any]]:
    """The whole list in the server's own order (by experiment, then newest first)."""
    return body("list_default")["executions"]


class Recorded:
    """The upstream server, as recorded: each request gets the recorded answer to it.

    Requests that were recorded several times (or that a test scripts) get their answers in
    turn. `/executions` pages through `list_default`'s rows as that server does: in its order,
    `status` matched exactly, `sort`/`order`/`created_*` ignored, `limit` over 1,000 refused
    with the recorded 422. Anything else gets the server's recorded bare 404.
    """

    def __init__(self, *names: str, rows: list[dict[str, Any]] | None = None) -> None:
        self.answers: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for name in names:
            self.add(name)
        self.rows = list_rows() if rows is None else rows
        self.requests: list[httpx.Request] = []

    def add(self, name: str, request: str | None = None, record: dict[str, Any] | None = None):
        record = record or recorded(name)
        method, target = (request or record["request"]).split(" ", 1)
        self.answers.setdefault((method, target.split("?")[0]), []).append(record)
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        if key in self.answers:
            queue = self.answers[key]
            return response_of(queue.pop(0) if len(queue) > 1 else queue[0])
        if key == ("GET", "/api/v1/executions"):
            return self._page(request.url.params)
        return response_of(recorded("dag_route_absent"))

    def _page(self, params: httpx.QueryParams) -> httpx.Response:
        limit, offset = int(params.get("limit", 100)), int(params.get("offset", 0))
        if limit > 1000:
            return response_of(recorded("list_limit_2000"))
        rows = [r for r in self.rows if params.get("status") in (None, r["status"])]
        shown = [dict(r, config=None) if params.get("compact") == "true" else r for r in rows]
        answer = {"executions": shown[offset : offset + limit], "total": len(rows)}
        record = dict(recorded("list_limit5"), body={**answer, "offset": offset, "limit": limit})
        return response_of(record)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def client_for(server: Recorded, dialect: Dialect = Dialect.AUTO) -> RomaClient:
    async def no_sleep(_: float) -> None:
        return None

    return RomaClient(
        "http://roma.test",
        None,
        dialect=dialect,
        transport=httpx.MockTransport(server),
        sleep=no_sleep,
        max_retries=0,
    )


async def raw(name: str) -> Any:
    """One recorded exchange through our transport: its JSON, or the typed error it makes."""
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda _: response_of(recorded(name)))
    ) as http:
        request = http.build_request("GET", "http://roma.test/")
        return (await exchange(http, request)).payload


# -- the recordings are all read ------------------------------------------------------------


def test_every_recorded_file_is_checked():
    on_disk = {p.stem for p in RECORDED.glob("*.json")}
    assert len(on_disk) >= 36
    assert on_disk - CHECKED == set(), "recorded answers no test reads"
    assert CHECKED - on_disk == set(), "tests name files that are not recorded"


@checks("openapi")
def test_the_servers_own_schema_matches_what_the_client_assumes():
    schema = body("openapi")
    paths = schema["paths"]
    listing = {p["name"]: p for p in paths["/api/v1/executions"]["get"]["parameters"]}
    assert listing["limit"]["schema"]["maximum"] == UPSTREAM_PAGE
    assert "compact" in listing and "sort" not in listing and "created_after" not in listing
    assert "/health" in paths and "/api/v1/health" not in paths  # outside the API prefix
    assert "/api/v1/executions/{execution_id}/dag" not in paths
    for route in ("costs", "metrics", "checkpoint", "status", "cancel"):
        assert f"/api/v1/executions/{{execution_id}}/{route}" in paths


# -- 1. DAG parentage -----------------------------------------------------------------------


def _tree(dag: Dag) -> tuple[list[str], dict[str, list[str]]]:
    roots = [n.id for n in dag.nodes if n.parent_id is None]
    children: dict[str, list[str]] = {}
    for node in dag.nodes:
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(node.id)
    return roots, children


@checks("checkpoint_running_tree", "checkpoint_completed")
@pytest.mark.parametrize("name", ["checkpoint_running_tree", "checkpoint_completed"])
def test_a_task_belongs_to_the_planner_of_its_innermost_subgraph(name):
    dag = Dag.model_validate(normalise_checkpoint(body(name))["dag"])
    assert len(dag.nodes) == 7
    roots, children = _tree(dag)
    assert len(roots) == 1
    (root,) = roots
    assert len(children[root]) == 3
    (planner,) = [c for c in children[root] if c in children]
    assert len(children[planner]) == 3  # the grandchildren, under their planner, not the root
    assert sorted(children) == sorted([root, planner])
    kinds = [e.type for e in dag.edges]
    assert len(dag.edges) == 10 and kinds.count("subtask") == 6 and kinds.count("depends_on") == 4
    subtask_edges = {(e.source, e.target) for e in dag.edges if e.type == "subtask"}
    assert subtask_edges == {(n.parent_id, n.id) for n in dag.nodes if n.parent_id}
    graph, report = build_graph(dag)
    assert report.messages() == [] and graph.number_of_edges() == 10
    by_id = {n.id: n for n in dag.nodes}
    assert {n.id for n in dag.nodes if n.is_planner} == {root, planner}
    assert by_id[root].depth == 0 and {by_id[c].depth for c in children[planner]} == {2}


@checks("checkpoint_running_tree")
def test_task_types_read_as_words_and_keep_the_servers_word():
    dag = Dag.model_validate(normalise_checkpoint(body("checkpoint_running_tree"))["dag"])
    words = {(n.task_type, n.type) for n in dag.nodes}
    assert words == {
        ("THINK", "think"),
        ("RETRIEVE", "retrieve"),
        ("WRITE", "write"),
        ("CODE_INTERPRET", "code"),
    }
    executing = [n for n in dag.nodes if n.status_raw == "EXECUTING"]
    assert len(executing) == 1 and executing[0].type == "code"
    assert dag.running_goals() == [executing[0].input]  # not the PLAN_DONE planners


@checks("checkpoint_running_tree")
def test_planners_of_a_failed_or_cancelled_run_are_not_counted_running():
    dag = Dag.model_validate(normalise_checkpoint(body("checkpoint_running_tree"))["dag"])
    running = sum(n.status is NodeStatus.RUNNING for n in dag.nodes)
    assert running == 3  # 2 PLAN_DONE planners + 1 EXECUTING task, while the run runs
    assert dag.settled(ExecutionStatus.RUNNING) is dag
    for run_status in (ExecutionStatus.FAILED, ExecutionStatus.CANCELLED):
        settled = dag.settled(run_status)
        assert not any(n.status is NodeStatus.RUNNING for n in settled.nodes)
        stopped = [n for n in settled.nodes if n.status is NodeStatus.UNKNOWN]
        assert sorted(n.status_raw for n in stopped) == ["EXECUTING", "PLAN_DONE", "PLAN_DONE"]
    completed = sum(n.status is NodeStatus.COMPLETED for n in dag.nodes)
    assert completed == sum(n.status is NodeStatus.COMPLETED for n in settled.nodes) == 2


@checks("checkpoint_running_nockpt")
def test_a_run_without_a_checkpoint_has_an_empty_dag():
    dag = Dag.model_validate(normalise_checkpoint(body("checkpoint_running_nockpt"))["dag"])
    assert dag.nodes == [] and dag.edges == []


@checks("checkpoints_list_running_tree", "checkpoint_running_tree")
def test_the_checkpoint_read_is_the_runs_newest():
    listed = body("checkpoints_list_running_tree")["checkpoints"]
    newest = max(listed, key=lambda c: c["created_at"])
    assert body("checkpoint_running_tree")["checkpoint_id"] == newest["checkpoint_id"]


@checks("dag_route_absent", "checkpoint_running_tree")
async def test_get_dag_learns_there_is_no_dag_route_and_reads_the_checkpoint():
    server = Recorded("dag_route_absent", "checkpoint_running_tree")
    async with client_for(server) as client:
        dag = await client.get_dag(RUNNING)
        assert len(dag.nodes) == 7 and len(dag.edges) == 10
        assert client.dialect is Dialect.UPSTREAM
        await client.get_dag(RUNNING)
    assert server.paths() == [
        f"GET /api/v1/executions/{RUNNING}/dag",
        f"GET /api/v1/executions/{RUNNING}/checkpoint",
        f"GET /api/v1/executions/{RUNNING}/checkpoint",  # the missing route is not asked again
    ]


# -- 2, 3. progress and the failure reason ---------------------------------------------------


@checks(
    "status_running_tree",
    "status_running_nockpt",
    "status_cancelled",
    "status_after_cancel",
    "status_completed",
    "status_failed",
)
@pytest.mark.parametrize("dialect", [Dialect.AUTO, Dialect.UPSTREAM])
def test_status_zeros_are_unknown_never_zero_percent(dialect):
    def read(name: str) -> Status:
        return Status.model_validate(normalise_status(body(name), dialect))

    for name in ("status_running_tree", "status_running_nockpt"):
        running = read(name)
        assert running.status is ExecutionStatus.RUNNING
        assert (running.progress, running.total_tasks, running.completed_tasks) == (None,) * 3
        assert running.current_step is None
    for name in ("status_cancelled", "status_after_cancel"):
        assert read(name).status is ExecutionStatus.CANCELLED and read(name).progress is None
    done = read("status_completed")
    assert (done.progress, done.completed_tasks, done.total_tasks) == (100.0, 7, 7)
    failed = read("status_failed")
    assert (failed.completed_tasks, failed.total_tasks) == (3, 7)
    assert round(failed.progress) == 57 and failed.error is None  # no reason in /status
    assert failed.updated_at == datetime(2026, 11, 29, 7, 2, 39, 344255, tzinfo=UTC)


@checks("detail_running_tree", "detail_failed", "detail_completed", "detail_cancelled")
async def test_upstream_status_comes_from_the_execution_in_one_request():
    server = Recorded(
        "detail_running_tree", "detail_failed", "detail_completed", "detail_cancelled"
    )
    async with client_for(server, Dialect.UPSTREAM) as client:
        running = await client.get_status(RUNNING)
        failed = await client.get_status(FAILED)
        completed = await client.get_status(COMPLETED)
        cancelled = await client.get_status(CANCELLED)
    assert len(server.requests) == 4
    assert all("/status" not in path for path in server.paths())
    assert running.status is ExecutionStatus.RUNNING
    assert (running.completed_tasks, running.total_tasks) == (2, 7)  # "2 of 7 tasks"
    assert running.progress == pytest.approx(200 / 7)
    assert running.task_counts == {"PENDING": 2, "COMPLETED": 2, "EXECUTING": 1, "PLAN_DONE": 2}
    assert running.updated_at == datetime(2026, 11, 29, 7, 2, 39, 272211, tzinfo=UTC)
    assert failed.error == REASON and failed.error_type == "RecoveryError"
    assert (failed.completed_tasks, failed.total_tasks, failed.failed_tasks) == (2, 7, 1)
    assert (completed.progress, completed.completed_tasks, completed.error) == (100.0, 7, None)
    # No statistics and 0 of 0 counted: unknown, not 0%.
    assert cancelled.status is ExecutionStatus.CANCELLED
    assert (cancelled.progress, cancelled.total_tasks) == (None, None)


@checks("detail_running_tree")
async def test_a_run_and_its_status_are_one_read_upstream():
    server = Recorded("detail_running_tree")
    async with client_for(server) as client:  # the dialect is learnt from the answer
        execution, status = await client.read_run(RUNNING)
    assert server.paths() == [f"GET /api/v1/executions/{RUNNING}"]
    assert execution.initial_goal and (status.completed_tasks, status.total_tasks) == (2, 7)


@checks("status_running_tree", "detail_running_tree")
async def test_auto_reads_the_execution_once_status_reveals_upstream():
    server = Recorded("status_running_tree", "detail_running_tree")
    async with client_for(server) as client:
        first = await client.get_status(RUNNING)
        second = await client.get_status(RUNNING)
    assert server.paths() == [
        f"GET /api/v1/executions/{RUNNING}/status",
        f"GET /api/v1/executions/{RUNNING}",
        f"GET /api/v1/executions/{RUNNING}",
    ]
    for status in (first, second):
        assert (status.completed_tasks, status.total_tasks) == (2, 7)


@checks("detail_failed", "detail_running_tree")
def test_the_execution_carries_the_reason_and_real_counts():
    failed = Execution.model_validate(normalise_status_free(body("detail_failed")))
    assert failed.error == REASON and failed.error_type == "RecoveryError"
    assert failed.config_profile == "crypto_agent" and failed.status is ExecutionStatus.FAILED
    running = Execution.model_validate(normalise_status_free(body("detail_running_tree")))
    assert (running.completed_tasks, running.total_tasks, running.error) == (2, 7, None)


def normalise_status_free(payload: Any) -> Any:
    from roma_tui.api.dialects import normalise_execution

    return normalise_execution(payload, Dialect.AUTO)


# -- 4, 5, 8. the list: newest first, filters, limits ----------------------------------------


@checks("list_default", "list_limit5", "list_offset5_limit5", "list_sort_ignored")
def test_the_recorded_list_is_ordered_by_experiment_and_ignores_sort():
    rows = list_rows()
    assert len(rows) == body("list_default")["total"] == 68
    ids = [r["execution_id"] for r in rows]
    assert [r["execution_id"] for r in body("list_limit5")["executions"]] == ids[:5]
    assert [r["execution_id"] for r in body("list_offset5_limit5")["executions"]] == ids[5:10]
    assert body("list_sort_ignored")["executions"] == body("list_limit5")["executions"]
    assert rows[0]["experiment_name"] == "AAA-Benchmarks" and NOCKPT in ids[5:]
    page = ExecutionPage.model_validate(normalise_list(body("list_limit5"), Dialect.AUTO))
    assert page.pagination.total == 68 and page.pagination.has_more is True
    assert page.server_sorted is False


@checks("list_default")
async def test_upstream_list_is_read_whole_and_newest_comes_first():
    server = Recorded()
    async with client_for(server, Dialect.UPSTREAM) as client:
        page = await client.list_executions(limit=5)
        oldest = await client.list_executions(limit=3, sort="created_at", order="asc")
        second = await client.list_executions(limit=5, offset=5)
    assert [e.execution_id for e in page.data[:2]] == [NOCKPT, RUNNING]
    created = [e.created_at for e in page.data]
    assert created == sorted(created, reverse=True) and len(page.data) == 5
    assert page.pagination.total == 68 and page.pagination.has_more and not page.partial
    assert oldest.data[0].execution_id == "826f0254-202a-48bb-b78a-c114340be2b0"
    assert second.data[0].created_at <= page.data[-1].created_at
    assert second.pagination.offset == 5
    for request in server.requests:  # one request each: 68 rows fit in one page of 1,000
        params = request.url.params
        assert (params["limit"], params["offset"], params["compact"]) == ("1000", "0", "true")
        assert "sort" not in params and "order" not in params
    assert len(server.requests) == 3


@checks("list_created_after_ignored", "list_limit5")
async def test_time_filters_the_server_ignores_are_applied_here():
    assert body("list_created_after_ignored")["executions"] == body("list_limit5")["executions"]
    server = Recorded()
    async with client_for(server, Dialect.UPSTREAM) as client:
        future = await client.list_executions(created_after="2030-01-01T00:00:00Z")
        today = await client.list_executions(created_after="2026-11-29T00:00:00Z", limit=100)
        before = await client.list_executions(created_before="2026-11-01T00:00:00Z")
    assert future.data == [] and future.pagination.total == 0 and not future.pagination.has_more
    assert today.pagination.total == len(today.data) == 6
    assert {e.execution_id for e in today.data} >= {NOCKPT, RUNNING, FAILED, COMPLETED}
    assert all(e.created_at < datetime(2026, 11, 1, tzinfo=UTC) for e in before.data)
    assert len(before.data) == before.pagination.total >= 1
    async with client_for(Recorded(), Dialect.UPSTREAM) as client:
        strictly = await client.list_executions(created_after="2026-11-29T06:59:39.245493Z")
    assert [e.execution_id for e in strictly.data] == [NOCKPT]  # RUNNING was created then


@checks("list_status_running", "list_status_RUNNING")
async def test_status_filter_is_sent_in_lower_case():
    assert body("list_status_RUNNING")["executions"] == []  # the server matches exactly
    recorded_ids = [r["execution_id"] for r in body("list_status_running")["executions"]]
    server = Recorded()
    async with client_for(server, Dialect.UPSTREAM) as client:
        page = await client.list_executions(status="running")
    assert server.requests[0].url.params["status"] == "running"
    assert [e.execution_id for e in page.data] == [NOCKPT, RUNNING]  # newest first
    assert sorted(recorded_ids) == sorted([NOCKPT, RUNNING]) and page.pagination.total == 2


@checks("list_compact")
def test_compact_rows_carry_no_config():
    rows = body("list_compact")["executions"]
    assert rows and all(r["config"] is None for r in rows)


@checks("list_limit_2000")
async def test_limits_up_to_1000_before_the_dialect_is_known():
    refused = await _error_of("list_limit_2000")
    assert isinstance(refused, InvalidRequestError)
    assert "limit: Input should be less than or equal to 1000" in refused.message
    server = Recorded()
    async with client_for(server) as client:  # a fresh CLI call: dialect not known yet
        page = await client.list_executions(limit=500)
        first = list(server.requests)
        with pytest.raises(InvalidRequestError, match="from 1 to 1000"):
            await client.list_executions(limit=2000)
        await client.list_executions(limit=1000)
    assert len(page.data) == 68 and page.data[0].execution_id == NOCKPT
    assert len(first) == 1  # all 68 came in the first 100: nothing more to read
    assert first[0].url.params["limit"] == "100"  # valid in both dialects
    assert "compact" not in first[0].url.params  # not known to be upstream yet
    assert server.requests[1].url.params["compact"] == "true"  # known now
    hosted = client_for(Recorded(), Dialect.HOSTED)
    async with hosted:
        with pytest.raises(InvalidRequestError, match="from 1 to 100,"):
            await hosted.list_executions(limit=101)


async def test_the_page_budget_is_bounded_and_says_when_the_list_was_cut(monkeypatch):
    from roma_tui.api import listing

    monkeypatch.setattr(listing, "MAX_PAGES", 2)  # the same rule, with fewer rows to make
    template = list_rows()[0]
    many = [
        dict(template, execution_id=f"run-{i:05d}", created_at=f"2026-01-01T00:{i // 60:02d}Z")
        for i in range(UPSTREAM_PAGE * 2 + 5)
    ]
    server = Recorded(rows=many)
    async with client_for(server, Dialect.UPSTREAM) as client:
        page = await client.list_executions(limit=10)
        after = await client.list_executions(limit=10, created_after="2026-01-01T00:30:00Z")
    assert len(server.requests) == 2 * 2  # two pages each, then the budget stops it
    assert page.partial is True and page.pagination.total == len(many)
    assert len(page.data) == 10 and page.data[0].created_at.minute == 33  # newest of those read
    assert after.partial is True and after.pagination.total is None  # filtered part: unknown


async def test_a_hosted_server_is_read_in_pages_of_100_when_more_is_asked(start_sandbox):
    server = start_sandbox(seed_demo=130)
    async with RomaClient(server.url, KEY) as client:
        page = await client.list_executions(limit=120)
        assert client.dialect is Dialect.HOSTED
    assert len(page.data) == len({e.execution_id for e in page.data}) == 120
    created = [e.created_at for e in page.data]
    assert created == sorted(created, reverse=True)
    assert page.pagination.has_more and page.pagination.limit == 120


# -- 6. cancel ------------------------------------------------------------------------------


@checks("cancel_not_owned_running", "list_status_running")
async def test_a_400_cancel_of_a_running_run_is_refused_not_already_finished(tmp_path):
    from roma_tui.monitor.action_log import ActionLog

    # The re-read: the recorded list row of this run (the detail of it was not recorded).
    row = next(r for r in body("list_status_running")["executions"] if r["execution_id"] == NOCKPT)
    server = Recorded("cancel_not_owned_running")
    server.add(
        "",
        f"GET /api/v1/executions/{NOCKPT}",
        {**recorded("detail_unknown"), "status_line": "HTTP/1.1 200 OK", "body": row},
    )
    log = ActionLog(tmp_path / "actions.jsonl")
    async with client_for(server) as client:
        (outcome,) = await cancel_runs(client, [NOCKPT], log)
    assert outcome.outcome == "refused" and not outcome.ok
    assert (
        outcome.message
        == f"Execution {NOCKPT} is not running (cannot cancel); the run is still running"
    )
    assert outcome.summary().startswith("cancel refused: Execution")
    logged = [json.loads(line) for line in (tmp_path / "actions.jsonl").read_text().splitlines()]
    assert [entry["outcome"] for entry in logged] == ["refused"]


@checks("cancel_completed", "detail_completed")
async def test_a_400_cancel_of_a_finished_run_says_how_it_finished():
    server = Recorded("cancel_completed", "detail_completed")
    async with client_for(server) as client:
        (outcome,) = await cancel_runs(client, [COMPLETED])
    assert outcome.outcome == "already completed" and outcome.ok
    assert server.paths()[-1] == f"GET /api/v1/executions/{COMPLETED}"


@checks("cancel_owned_running", "status_after_cancel")
async def test_a_cancel_the_server_accepts_returns_the_execution():
    server = Recorded("cancel_owned_running")
    async with client_for(server) as client:
        (outcome,) = await cancel_runs(client, [RUNNING])
    assert outcome.outcome == "cancelled" and outcome.summary() == "cancelled"
    assert body("status_after_cancel")["status"] == "cancelled"


# -- 7. errors ------------------------------------------------------------------------------


async def _error_of(name: str) -> Exception:
    try:
        await raw(name)
    except Exception as exc:  # the error is what is tested
        return exc
    raise AssertionError(f"{name} did not make an error")


@checks("detail_unknown", "detail_not_uuid", "dag_route_absent")
async def test_dag_of_an_unknown_run_names_the_run_not_the_missing_route():
    # The checkpoint of an unknown run answers like its detail (issue 10: "Execution ... not
    # found").
    server = Recorded("dag_route_absent").add(
        "detail_unknown", f"GET /api/v1/executions/{UNKNOWN}/checkpoint"
    )
    async with client_for(server) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.get_dag(UNKNOWN)
    assert caught.value.message == f"Not found: Execution {UNKNOWN} not found"
    server = Recorded("detail_not_uuid")
    async with client_for(server) as client:
        with pytest.raises(NotFoundError, match="Execution exec_zzzzzzzzzzzzzzzz not found"):
            await client.get_execution("exec_zzzzzzzzzzzzzzzz")


@checks("create_bad_depth", "create_missing_goal", "data_running_tree")
async def test_validation_and_server_errors_read_as_sentences():
    depth = await _error_of("create_bad_depth")
    assert isinstance(depth, InvalidRequestError) and depth.status_code == 422
    assert depth.message.endswith("max_depth: Input should be less than or equal to 10")
    goal = await _error_of("create_missing_goal")
    assert goal.message.endswith("goal: Field required")
    failed = await _error_of("data_running_tree")
    assert isinstance(failed, ServerError)
    assert "Failed to fetch MLflow traces: No module named 'mlflow'" in failed.message


# -- 9. health and cost ---------------------------------------------------------------------


@checks("health")
async def test_health_is_read_outside_the_api_prefix():
    server = Recorded("health")
    async with client_for(server) as client:
        health = await client.health()
    assert server.paths() == ["GET /health"]
    assert (health.status, health.version, health.active_executions) == ("healthy", "0.1.0", 1)
    assert health.storage_connected is True


@checks("costs_completed", "metrics_completed")
async def test_costs_and_metrics_with_nothing_recorded_are_not_shown_as_free():
    server = Recorded("costs_completed", "metrics_completed")
    async with client_for(server, Dialect.UPSTREAM) as client:
        cost = await client.get_costs(COMPLETED)
        metrics = await client.get_metrics(COMPLETED)
    assert (cost.tokens, cost.cost_usd, cost.traces) == (0, 0.0, 0) and cost.known is False
    assert (metrics.lm_calls, metrics.tokens) == (0, 0) and metrics.known is False
    recorded_cost = dict(recorded("costs_completed"))
    recorded_cost["body"] = {"total_cost_usd": 0.0123, "total_tokens": 4567, "traces_count": 3}
    server = Recorded().add("", f"GET /api/v1/executions/{COMPLETED}/costs", recorded_cost)
    async with client_for(server, Dialect.UPSTREAM) as client:
        spent = await client.get_costs(COMPLETED)
    assert (spent.tokens, spent.cost_usd, spent.known) == (4567, 0.0123, True)


# -- the CLI on the recorded server ---------------------------------------------------------


def run_cli(monkeypatch, server: Recorded, argv: list[str], answers=(), interactive=False):
    # profile_commands is imported before the patch below: a command module first imported
    # while the patch is in place would keep the fake `make_client` it imported by name.
    import roma_tui.profile_commands  # noqa: F401
    from roma_tui import commands
    from roma_tui.cli import main

    def make_client(args, connection):
        return client_for(server, connection.profile.dialect)

    monkeypatch.setattr(commands, "make_client", make_client)
    monkeypatch.setenv("ROMA_API_KEY", "sk_recorded")  # the CLI sends nothing without a key
    out, err = stdio.StringIO(), stdio.StringIO()
    replies = iter(answers)

    def ask(_: str) -> str:
        answer = next(replies)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    io = commands.Io(out=out, err=err, ask=ask, interactive=interactive)
    code = main([*argv, "--url", "http://roma.test"], io)
    return code, out.getvalue(), err.getvalue()


@checks("status_running_tree", "detail_running_tree", "costs_completed")
def test_cli_status_of_a_running_run_says_2_of_7_tasks(monkeypatch):
    server = Recorded("status_running_tree", "detail_running_tree")
    server.add("", f"GET /api/v1/executions/{RUNNING}/costs", recorded("costs_completed"))
    code, out, err = run_cli(monkeypatch, server, ["status", RUNNING])
    assert code == 0, err
    assert "progress  2 of 7 tasks (29%)" in out and "0%" not in out
    assert server.paths().count(f"GET /api/v1/executions/{RUNNING}") == 1  # read once
    assert "tokens  not recorded by the server" in out


@checks("detail_failed", "status_failed")
def test_cli_status_of_a_failed_run_gives_the_reason(monkeypatch):
    server = Recorded("status_failed", "detail_failed")
    code, out, err = run_cli(monkeypatch, server, ["status", FAILED])
    assert code == 0
    assert "2 of 7 tasks, 1 failed (29%)" in out
    assert f"error (RecoveryError):\n{REASON}" in out
    assert "cost could not be read" in err  # no /costs recorded for it: said, not hidden
    code, out, _ = run_cli(monkeypatch, server, ["status", FAILED, "--json"])
    shown = json.loads(out)
    assert shown["error"] == REASON and shown["error_type"] == "RecoveryError"
    assert (shown["completed_tasks"], shown["total_tasks"]) == (2, 7)


@checks("status_running_nockpt")
def test_cli_status_with_nothing_counted_says_unknown(monkeypatch):
    row = next(r for r in list_rows() if r["execution_id"] == NOCKPT)
    server = Recorded("status_running_nockpt").add(
        "", f"GET /api/v1/executions/{NOCKPT}", {**recorded("detail_running_tree"), "body": row}
    )
    code, out, _ = run_cli(monkeypatch, server, ["status", NOCKPT])
    assert code == 0 and "progress  unknown" in out and "%" not in out


@checks("cancel_not_owned_running")
def test_cli_cancel_refused_exits_1(monkeypatch):
    row = next(r for r in list_rows() if r["execution_id"] == NOCKPT)
    server = Recorded("cancel_not_owned_running").add(
        "", f"GET /api/v1/executions/{NOCKPT}", {**recorded("detail_running_tree"), "body": row}
    )
    code, out, _ = run_cli(monkeypatch, server, ["cancel", NOCKPT, "--yes"])
    assert code == 1
    assert f"{NOCKPT}  cancel refused: Execution {NOCKPT} is not running (cannot cancel)" in out
    assert "already" not in out


@checks("detail_completed")
def test_cli_cancel_names_a_finished_run_and_does_not_ask(monkeypatch):
    server = Recorded("detail_completed")
    code, out, _ = run_cli(monkeypatch, server, ["cancel", COMPLETED], interactive=True)
    assert code == 0 and "completed" in out and "already completed: left alone" in out
    assert "Nothing to cancel" in out and all(r.method == "GET" for r in server.requests)


@pytest.mark.parametrize(
    ("answer", "code", "said"),
    [(KeyboardInterrupt(), 130, "interrupted"), (EOFError(), 0, "Nothing was cancelled")],
)
def test_cli_cancel_prompt_ctrl_c_aborts_and_eof_means_no(monkeypatch, answer, code, said):
    server = Recorded("detail_running_tree")
    got, out, err = run_cli(monkeypatch, server, ["cancel", RUNNING], [answer], interactive=True)
    assert got == code and said in out + err
    assert all(r.method == "GET" for r in server.requests)  # nothing was sent to cancel
