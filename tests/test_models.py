"""The models read both dialects, tolerate what servers really send, and never crash on JSON."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from roma_tui.api import Dag, Execution, ExecutionPage, ExecutionStatus, NodeStatus, Status
from roma_tui.api.dialects import (
    Dialect,
    normalise_checkpoint,
    normalise_execution,
    normalise_list,
    normalise_status,
)

HOSTED_EXECUTION = {
    "execution_id": "exec_1a2b3c4d5e6f7g8h",
    "status": "completed",
    "initial_goal": "Summarise the state of solar power",
    "result": "Solar is growing.",
    "config_profile": "general",
    "max_depth": 3,
    "metadata": {"execution_time": 42.5, "tokens_used": 1234, "agent_calls": 7},
    "created_at": "2025-11-11T10:30:00Z",
    "updated_at": "2025-11-11T10:31:00Z",
    "completed_at": "2025-11-11T10:31:00Z",
    "dag": {
        "nodes": [
            {"id": "n1", "type": "decompose", "status": "completed", "input": "goal"},
            {"id": "n2", "type": "research", "status": "running", "output": {"k": 1}},
        ],
        "edges": [{"from": "n1", "to": "n2", "type": "depends_on"}],
        "stats": {"total_nodes": 2, "completed_nodes": 1, "failed_nodes": 0, "total_edges": 1},
    },
    "a_new_field": {"kept": True},
}


def test_hosted_execution_reads_every_field():
    execution = Execution.model_validate(HOSTED_EXECUTION)
    assert execution.status is ExecutionStatus.COMPLETED and execution.is_finished
    assert execution.created_at == datetime(2025, 11, 11, 10, 30, tzinfo=UTC)
    assert execution.metadata.tokens_used == 1234
    assert [n.id for n in execution.dag.nodes] == ["n1", "n2"]
    assert execution.dag.nodes[1].output == '{"k": 1}'  # objects become readable text
    assert execution.dag.edges[0].source == "n1" and execution.dag.edges[0].target == "n2"
    assert execution.model_dump(by_alias=True)["a_new_field"] == {"kept": True}


def test_unknown_status_is_visible_not_fatal():
    execution = Execution.model_validate({**HOSTED_EXECUTION, "status": "PAUSED"})
    assert execution.status is ExecutionStatus.UNKNOWN
    assert execution.status_raw == "PAUSED"
    node = Dag.model_validate({"nodes": [{"id": "x", "status": 42}]}).nodes[0]
    assert node.status is NodeStatus.UNKNOWN and node.status_raw == "42"


def test_timestamps_with_z_offset_or_no_zone():
    for text, expected in (
        ("2025-11-11T10:30:00Z", datetime(2025, 11, 11, 10, 30, tzinfo=UTC)),
        ("2025-11-11T12:30:00+02:00", datetime(2025, 11, 11, 10, 30, tzinfo=UTC)),
        ("2025-11-11T10:30:00", datetime(2025, 11, 11, 10, 30, tzinfo=UTC)),
        ("2025-11-11T10:30:00.123456+00:00", datetime(2025, 11, 11, 10, 30, 0, 123456, UTC)),
    ):
        parsed = Execution.model_validate({**HOSTED_EXECUTION, "created_at": text}).created_at
        assert parsed == expected, text
        assert parsed.tzinfo is not None
    garbage = Execution.model_validate({**HOSTED_EXECUTION, "created_at": "yesterday-ish"})
    assert garbage.created_at is None


def test_wrong_types_lose_the_field_not_the_object():
    execution = Execution.model_validate(
        {**HOSTED_EXECUTION, "max_depth": "deep", "metadata": [1, 2], "dag": "nope"}
    )
    assert execution.max_depth is None and execution.metadata is None and execution.dag is None
    assert execution.initial_goal == HOSTED_EXECUTION["initial_goal"]


def test_a_bad_row_in_a_page_is_counted_not_fatal():
    page = ExecutionPage.model_validate(
        {
            "data": [HOSTED_EXECUTION, {"no_id": True}, "text"],
            "pagination": {"total": 3, "limit": 20, "offset": 0, "has_more": False},
        }
    )
    assert [e.execution_id for e in page.data] == [HOSTED_EXECUTION["execution_id"]]
    assert page.unreadable == 2


def test_upstream_list_is_normalised():
    payload = {
        "executions": [
            {
                "execution_id": "a" * 8,
                "status": "PENDING",
                "profile": "fast",
                "initial_goal": "g",
                "created_at": "2025-11-11T10:30:00+00:00",
                "total_tasks": 5,
                "completed_tasks": 2,
                "config": None,
            },
        ],
        "total": 7,
        "offset": 0,
        "limit": 1,
    }
    page = ExecutionPage.model_validate(normalise_list(payload, Dialect.AUTO))
    row = page.data[0]
    assert row.status is ExecutionStatus.PENDING and row.config_profile == "fast"
    assert row.total_tasks == 5
    assert page.pagination.total == 7 and page.pagination.has_more is True
    assert page.server_sorted is False


def test_upstream_status_progress_becomes_percent():
    payload = {
        "execution_id": "abc",
        "status": "running",
        "progress": 0.42,
        "current_task_id": "t7",
        "current_task_goal": None,
        "completed_tasks": 4,
        "total_tasks": 10,
        "estimated_remaining_seconds": 30,
        "last_updated": "2025-11-11T10:30:00",
    }
    status = Status.model_validate(normalise_status(payload, Dialect.AUTO))
    assert status.progress == 42.0
    assert status.current_step == "t7"
    assert status.updated_at == datetime(2025, 11, 11, 10, 30, tzinfo=UTC)
    hosted = Status.model_validate(
        normalise_status(
            {
                "execution_id": "e",
                "status": "running",
                "progress": 1,
                "current_step": "x",
                "updated_at": "2025-11-11T10:30:00Z",
            },
            Dialect.AUTO,
        )
    )
    assert hosted.progress == 1.0  # hosted progress is already a percentage


def _task(task_id, status, task_type="EXECUTE", **extra):
    return {
        "task_id": task_id,
        "goal": f"goal of {task_id}",
        "status": status,
        "task_type": task_type,
        "depth": extra.pop("depth", 0),
        **extra,
    }


def test_upstream_checkpoint_is_flattened_with_parent_edges_and_no_duplicates():
    sub = {
        "dag_id": "root_sub_plan",
        "tasks": {"a": _task("a", "COMPLETED", depth=1), "b": _task("b", "EXECUTING", depth=1)},
        "dependencies": {"b": ["a"]},
        "subgraphs": {},
    }
    root = {
        "dag_id": "root",
        "tasks": {
            "plan": _task("plan", "PLAN_DONE", "PLAN", subgraph_id="root_sub_plan"),
            # the root repeats every subgraph task
            "a": _task("a", "COMPLETED", depth=1),
            "b": _task("b", "EXECUTING", depth=1),
        },
        "dependencies": {},
        "subgraphs": {"root_sub_plan": sub},
    }
    result = normalise_checkpoint({"execution_id": "x", "checkpoint_id": "c", "dag": root})
    dag = Dag.model_validate(result["dag"])
    assert sorted(n.id for n in dag.nodes) == ["a", "b", "plan"]
    edges = {(e.source, e.target, e.type) for e in dag.edges}
    assert edges == {("plan", "a", "subtask"), ("plan", "b", "subtask"), ("a", "b", "depends_on")}
    by_id = {n.id: n for n in dag.nodes}
    assert by_id["b"].status is NodeStatus.RUNNING and by_id["b"].status_raw == "EXECUTING"
    assert by_id["a"].parent_id == "plan" and by_id["plan"].type == "plan"
    assert by_id["a"].input == "goal of a"


def test_subgraph_owner_found_from_its_id_when_the_task_does_not_say():
    root = {
        "tasks": {"p": _task("p", "PLANNING")},
        "subgraphs": {"root_sub_p": {"tasks": {"c": _task("c", "PENDING")}}},
    }
    dag = Dag.model_validate(normalise_checkpoint({"execution_id": "x", "dag": root})["dag"])
    assert [(e.source, e.target) for e in dag.edges] == [("p", "c")]


def test_a_subgraph_id_that_is_not_a_string_is_ignored_not_a_crash():
    odd = _task("p", "PLANNING") | {"subgraph_id": ["not", "an", "id"]}
    root = {
        "tasks": {"p": odd, "q": _task("q", "PLANNING") | {"subgraph_id": {"a": 1}}},
        "subgraphs": {"root_sub_p": {"tasks": {"c": _task("c", "PENDING")}}},
    }
    dag = Dag.model_validate(normalise_checkpoint({"execution_id": "x", "dag": root})["dag"])
    assert [(e.source, e.target) for e in dag.edges] == [("p", "c")]
    assert {n.id for n in dag.nodes} == {"p", "q", "c"}


def test_checkpoint_without_a_snapshot_is_an_empty_dag():
    empty = {
        "execution_id": "x",
        "tasks": {},
        "root_goal": "",
        "status": "unknown",
        "checkpoints": [],
    }
    dag = Dag.model_validate(normalise_checkpoint(empty)["dag"])
    assert dag.nodes == [] and dag.computed_stats().total_nodes == 0


def test_upstream_execution_maps_profile_and_keeps_counts():
    execution = Execution.model_validate(
        normalise_execution(
            {
                "execution_id": "u1",
                "status": "running",
                "profile": "high_quality",
                "experiment_name": "exp",
                "total_tasks": 3,
                "config": {"max_depth": 4},
                "created_at": "2025-01-01T00:00:00",
            },
            Dialect.AUTO,
        )
    )
    assert execution.config_profile == "high_quality" and execution.max_depth == 4
    assert execution.created_at.tzinfo is not None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
field_names = st.sampled_from(
    [
        "execution_id",
        "status",
        "initial_goal",
        "dag",
        "nodes",
        "edges",
        "tasks",
        "subgraphs",
        "dependencies",
        "progress",
        "created_at",
        "metadata",
        "data",
        "executions",
        "pagination",
        "from",
        "to",
        "id",
        "total",
        "task_id",
        "subgraph_id",
    ]
)
roma_like = st.recursive(
    json_values,
    lambda children: st.dictionaries(field_names, children, max_size=6),
    max_leaves=30,
)


@settings(deadline=None)
@given(roma_like)
def test_arbitrary_json_never_crashes_the_normalisers(payload):
    from pydantic import ValidationError

    for dialect in (Dialect.AUTO, Dialect.UPSTREAM, Dialect.HOSTED):
        for normalise, model in (
            (normalise_execution, Execution),
            (normalise_list, ExecutionPage),
            (normalise_status, Status),
        ):
            # A ValidationError is fine: the client turns it into ApiResponseError.
            with contextlib.suppress(ValidationError):
                model.model_validate(normalise(payload, dialect))
    with contextlib.suppress(ValidationError):
        Dag.model_validate(normalise_checkpoint(payload)["dag"])


def test_offsets_other_than_utc_are_converted():
    tz = timezone(timedelta(hours=-5))
    parsed = Execution.model_validate(
        {**HOSTED_EXECUTION, "created_at": datetime(2025, 1, 1, 5, tzinfo=tz).isoformat()}
    ).created_at
    assert parsed == datetime(2025, 1, 1, 10, tzinfo=UTC)


def test_a_nested_subgraph_without_an_owning_task_is_owned_by_its_last_id_part():
    # `{dag}_sub_{p}_sub_{q}` belongs to q (not to "p_sub_q"), the innermost planner.
    inner = {"tasks": {"c": _task("c", "PENDING", depth=2)}}
    middle = {
        "tasks": {"q": _task("q", "PLAN_DONE", depth=1), "c": _task("c", "PENDING", depth=2)},
        "subgraphs": {"d_sub_p_sub_q": inner},
    }
    root = {
        "tasks": {
            "p": _task("p", "PLAN_DONE"),
            "q": _task("q", "PLAN_DONE", depth=1),
            "c": _task("c", "PENDING", depth=2),
        },
        "subgraphs": {"d_sub_p": middle},
    }
    dag = Dag.model_validate(normalise_checkpoint({"execution_id": "x", "dag": root})["dag"])
    parents = {n.id: n.parent_id for n in dag.nodes}
    assert parents == {"p": None, "q": "p", "c": "q"}
    edges = [(e.source, e.target, e.type) for e in dag.edges]
    assert edges == [("p", "q", "subtask"), ("q", "c", "subtask")]  # no p -> c


def test_task_words_are_readable_and_unknown_types_are_kept():
    from roma_tui.api.dialects import task_word

    assert task_word("CODE_INTERPRET") == "code" and task_word("IMAGE_GENERATION") == "image"
    assert task_word("think") == "think" and task_word("NEW_KIND") == "new kind"
    assert task_word(None) == "task" and task_word(7) == "task"


def test_settled_leaves_a_hosted_dag_of_a_finished_run_without_running_nodes():
    dag = Dag.model_validate(
        {"nodes": [{"id": "a", "status": "running"}, {"id": "b", "status": "completed"}]}
    )
    settled = dag.settled(ExecutionStatus.CANCELLED)
    assert [n.status for n in settled.nodes] == [NodeStatus.UNKNOWN, NodeStatus.COMPLETED]
    assert settled.nodes[0].status_raw == "running" and dag.nodes[0].status is NodeStatus.RUNNING


def test_how_long_a_run_ran_is_never_its_age_once_it_finished():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    start = "2026-01-01T11:00:00Z"
    running = Execution(execution_id="r", status="running", created_at=start)
    assert running.ran_for(now) == 3600
    done = Execution(execution_id="d", status="completed", created_at=start)
    assert done.ran_for(now) is None  # no end time and no update: unknown
    updated = done.model_copy(update={"updated_at": datetime(2026, 1, 1, 11, 0, 17, tzinfo=UTC)})
    assert updated.ran_for(now) == 17  # upstream: it ran until its last update
    ended = Execution(
        execution_id="e", status="failed", created_at=start, failed_at="2026-01-01T11:01:00Z"
    )
    assert ended.ran_for(now) == 60


def test_a_progress_outside_0_to_100_is_unknown_not_shown_as_said():
    def progress(value):
        data = {"execution_id": "e", "status": "running", "progress": value}
        return Status.model_validate(data).progress

    assert [progress(v) for v in (0, 42.5, 100)] == [0.0, 42.5, 100.0]
    assert [progress(v) for v in (250, -3, float("nan"), "abc", None)] == [None] * 5


def test_a_status_the_server_left_out_is_unknown_with_no_word_of_its_own():
    missing = Execution.model_validate({"execution_id": "e"})
    assert missing.status == "unknown" and missing.status_raw is None
    said_null = Execution.model_validate({"execution_id": "e", "status": None})
    assert said_null.status == "unknown" and said_null.status_raw == "null"  # what it said
