"""The sandbox's runs in the upstream server's JSON shapes (DIALECTS.md, upstream-recorded/).

The same Engine and plans as the hosted dialect; only the words differ: executions carry
`profile`, `experiment_name` and task counts that stay 0 until a run ends, `/status` knows no
progress while a run runs, and the DAG is a checkpoint: a recursive snapshot whose `tasks` list
every descendant, written at ROMA's checkpoint triggers (so it lags the run a little, and a run
that is still atomizing its root has none yet).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from .engine import Engine
from .simulation import PlanNode, checkpoint_times, exists, moment, phase
from .storage import Row
from .upstream_config import SOLVER_VERSION, experiment_of, run_config

COST_PER_TOKEN = 3e-6  # a plausible blended price, to show what a runaway costs
_TASK_STATES = {
    "pending": "PENDING",
    "atomizing": "ATOMIZING",
    "planning": "PLANNING",
    "plan_done": "PLAN_DONE",
    "aggregating": "AGGREGATING",
    "executing": "EXECUTING",
    "completed": "COMPLETED",
    "failed": "FAILED",
}
_ERRORS = {
    "RETRIEVE": "SearchToolError",
    "CODE_INTERPRET": "CodeInterpreterError",
    "IMAGE_GENERATION": "ImageGenerationError",
}


def stamp(epoch: float) -> str:
    """Executions and /status: microseconds and a Z."""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _naive(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).replace(tzinfo=None).isoformat()


def _uuid(*parts: str) -> str:
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def updated_at(engine: Engine, row: Row) -> float:
    if row.finished_at is not None:
        return row.finished_at
    return row.created_at + moment(row.plan, engine.elapsed(row)).last_event


# -- executions ----------------------------------------------------------------------------------


def _counts(engine: Engine, row: Row) -> tuple[int, int, int]:
    """(total, completed, failed) tasks: the server writes them only when a run ends, and a
    cancelled run keeps its zeros (as recorded)."""
    if row.status in ("running", "cancelled"):
        return 0, 0, 0
    at = engine.elapsed(row)
    shown = exists(row.plan, at)
    phases = [phase(n, at) for n in row.plan.nodes if n.id in shown]
    return len(phases), phases.count("completed"), phases.count("failed")


def error_of(row: Row) -> tuple[str, str] | None:
    """(error, error_type) of a failed run, worded the way ROMA words it."""
    if row.status != "failed":
        return None
    failing = next((n for n in row.plan.nodes if n.fails and n.end == row.frozen_at), None)
    if failing is not None:
        kind = _ERRORS.get(failing.task_type, "TaskExecutionError")
        return f"{kind}: {failing.label} failed (simulated failure)", "RecoveryError"
    if row.error and "timed out" in row.error:
        return row.error, "TimeoutError"
    return row.error or "Execution failed", "RuntimeError"


def execution(engine: Engine, row: Row, *, config: bool = True) -> dict[str, Any]:
    total, completed, failed = _counts(engine, row)
    metadata: dict[str, Any] = {"depth": 0}
    reason = error_of(row)
    if reason is not None:
        metadata["error"], metadata["error_type"] = reason
    metadata |= {
        "profile_name": row.profile,
        "execution_mode": "api",
        "solver_version": SOLVER_VERSION,
        "experiment_name": experiment_of(row),
    }
    return {
        "execution_id": row.id,
        "status": row.status,
        "initial_goal": row.goal,
        "max_depth": row.max_depth,
        "profile": row.profile,
        "experiment_name": experiment_of(row),
        "total_tasks": total,
        "completed_tasks": completed,
        "failed_tasks": failed,
        "created_at": stamp(row.created_at),
        "updated_at": stamp(updated_at(engine, row)),
        "config": run_config(row) if config else None,
        "metadata": metadata,
    }


def execution_detail(engine: Engine, row: Row) -> dict[str, Any]:
    data = execution(engine, row)
    found = latest_checkpoint(engine, row)
    data["statistics"] = None
    if found is not None:
        stats = snapshot(engine, row, found[0])["statistics"]
        data["statistics"] = {
            key: stats[key]
            for key in (
                "dag_id",
                "total_tasks",
                "status_counts",
                "depth_distribution",
                "num_subgraphs",
                "is_complete",
            )
        }
    return data


def status(engine: Engine, row: Row) -> dict[str, Any]:
    """While a run runs: progress 0.0, no counts and no current task (as recorded)."""
    total, completed, failed = _counts(engine, row)
    return {
        "execution_id": row.id,
        "status": row.status,
        "progress": min(1.0, (completed + failed) / total) if total else 0.0,
        "current_task_id": None,
        "current_task_goal": None,
        "completed_tasks": completed,
        "total_tasks": total,
        "estimated_remaining_seconds": None,
        "last_updated": stamp(updated_at(engine, row)),
    }


# -- checkpoints ---------------------------------------------------------------------------------


def _final_trigger(row: Row) -> str | None:
    return {"completed": "execution_complete", "failed": "on_failure"}.get(row.status)


def checkpoints(engine: Engine, row: Row) -> list[tuple[float, str]]:
    """Every checkpoint written so far (elapsed seconds, trigger), oldest first."""
    at = engine.elapsed(row)
    found = checkpoint_times(row.plan, at)
    final = _final_trigger(row)
    if final is not None:
        found.append((at, final))
    return found


def latest_checkpoint(engine: Engine, row: Row) -> tuple[float, str] | None:
    found = checkpoints(engine, row)
    return found[-1] if found else None


def checkpoint_id(row: Row, at: float) -> str:
    when = datetime.fromtimestamp(row.created_at + at, tz=UTC).strftime("%Y%m%d_%H%M%S_%f")
    return f"checkpoint_{when}_{_uuid(row.id, repr(at))[:8]}"


def checkpoint_row(row: Row, at: float, trigger: str) -> dict[str, Any]:
    """One entry of `GET .../checkpoints`."""
    ident = checkpoint_id(row, at)
    return {
        "checkpoint_id": ident,
        "execution_id": row.id,
        "created_at": stamp(row.created_at + at),
        "trigger": trigger,
        "state": "valid",
        "file_path": f".checkpoints/{ident}.json.gz",
        "file_size_bytes": None,
        "compressed": True,
        "dag_snapshot": None,
    }


def checkpoint(engine: Engine, row: Row) -> dict[str, Any]:
    found = latest_checkpoint(engine, row)
    if found is None:
        return {
            "execution_id": row.id,
            "tasks": {},
            "root_goal": "",
            "status": "unknown",
            "checkpoints": [],
        }
    at, trigger = found
    dag = snapshot(engine, row, at)
    return {
        "execution_id": row.id,
        "checkpoint_id": checkpoint_id(row, at),
        "created_at": datetime.fromtimestamp(row.created_at + at, tz=UTC).isoformat(),
        "trigger": trigger,
        "dag": dag,
        "tasks": dag["tasks"],
    }


def snapshot(engine: Engine, row: Row, at: float) -> dict[str, Any]:
    """The root DAG at `at`: each planner's subgraph nested in the snapshot holding the planner,
    and every snapshot's `tasks` listing all the tasks below it (nested subgraphs included)."""
    plan = row.plan
    shown = exists(plan, at)
    nodes = [n for n in plan.nodes if n.id in shown]
    ids = {n.id: _uuid(row.id, n.id) for n in nodes}
    dag_id = _uuid(row.id, "dag")
    children: dict[str | None, list[PlanNode]] = {}
    for node in nodes:
        children.setdefault(node.parent if node.parent in ids else None, []).append(node)
    deps: dict[str, list[str]] = {}
    for source, target, kind in plan.edges:
        if kind == "depends_on" and source in ids and target in ids:
            deps.setdefault(target, []).append(ids[source])
    sub_ids: dict[str, str] = {}
    tasks: dict[str, dict[str, Any]] = {}
    states: dict[str, str] = {}

    def below(owner: str | None) -> list[PlanNode]:
        found: list[PlanNode] = []
        for child in children.get(owner, []):
            found += [child, *below(child.id)]
        return found

    def build(owner: str | None, own_id: str) -> dict[str, Any]:
        members = below(owner)
        for child in children.get(owner, []):
            if children.get(child.id):
                sub_ids[child.id] = f"{own_id}_sub_{ids[child.id]}"
        subgraphs = {
            sub_ids[c.id]: build(c.id, sub_ids[c.id])
            for c in children.get(owner, [])
            if c.id in sub_ids
        }
        for node in members:
            if node.id not in tasks:
                states[node.id] = _TASK_STATES[phase(node, at)]
                tasks[node.id] = _task(row, node, ids, states[node.id], deps.get(node.id, []))
            tasks[node.id]["subgraph_id"] = sub_ids.get(node.id)
        members.sort(key=lambda n: ids[n.id])
        member_states = [states[n.id] for n in members]
        return {
            "dag_id": own_id,
            "tasks": {ids[n.id]: tasks[n.id] for n in members},
            "completed_tasks": [ids[n.id] for n in members if states[n.id] == "COMPLETED"],
            "failed_tasks": [ids[n.id] for n in members if states[n.id] == "FAILED"],
            "dependencies": {ids[n.id]: deps.get(n.id, []) for n in members},
            "subgraphs": subgraphs,
            "statistics": {
                "dag_id": own_id,
                "metadata": {
                    "created_at": _naive(row.created_at),
                    "updated_at": _naive(row.created_at + at),
                    "execution_id": row.id,
                    "execution_started_at": None,
                    "execution_completed_at": None,
                },
                "is_complete": bool(members) and set(member_states) == {"COMPLETED"},
                "total_tasks": len(members),
                "num_subgraphs": len(subgraphs),
                "status_counts": dict(Counter(member_states)),
                "depth_distribution": {
                    str(d): c for d, c in sorted(Counter(n.depth for n in members).items())
                },
            },
        }

    return build(None, dag_id)


def _task(
    row: Row, node: PlanNode, ids: dict[str, str], state: str, deps: list[str]
) -> dict[str, Any]:
    error = None
    if state == "FAILED":
        error = f"{_ERRORS.get(node.task_type, 'TaskExecutionError')}: simulated failure"
    return {
        "task_id": ids[node.id],
        "goal": node.label if node.parent is not None else row.goal,
        "status": state,
        "task_type": node.task_type,
        "depth": node.depth,
        "retry_count": 0,
        "max_retries": 3,
        "result": f"Simulated answer to: {node.label}" if state == "COMPLETED" else None,
        "error": error,
        "subgraph_id": None,
        "dependencies": deps,
        "metadata": {},
    }


# -- metrics, costs and the run's configuration --------------------------------------------------


def metrics(engine: Engine, row: Row) -> dict[str, Any]:
    now = moment(row.plan, engine.elapsed(row))
    calls = now.agent_calls
    return {
        "execution_id": row.id,
        "total_lm_calls": calls,
        "total_tokens": now.tokens_used,
        "total_cost_usd": round(now.tokens_used * COST_PER_TOKEN, 6),
        "average_latency_ms": round(1000.0 * _mean_call_seconds(row), 1) if calls else 0.0,
        "task_breakdown": {},
    }


def costs(engine: Engine, row: Row) -> dict[str, Any]:
    now = moment(row.plan, engine.elapsed(row))
    return {
        "total_cost_usd": round(now.tokens_used * COST_PER_TOKEN, 6),
        "total_tokens": now.tokens_used,
        "traces_count": now.agent_calls,
    }


def _mean_call_seconds(row: Row) -> float:
    spans = [n.atomized - n.start for n in row.plan.nodes if n.atomized is not None]
    finite = [s for s in spans if s == s and s < float("inf")]
    return sum(finite) / len(finite) if finite else 0.0
