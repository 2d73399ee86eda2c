"""The two dialects of the ROMA API (DIALECTS.md), normalised to the hosted shape.

Each function takes decoded JSON and returns a dict in the shape of API.md, ready for the models.
Detection looks at the payload itself; the client remembers the answer once it is sure.
Nothing above `roma_tui.api` knows there are two dialects.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any


class Dialect(StrEnum):
    AUTO = "auto"
    HOSTED = "hosted"
    UPSTREAM = "upstream"


# Keys only the upstream server sends, per object.
_UPSTREAM_EXECUTION_KEYS = {"experiment_name", "profile", "total_tasks", "config"}
_UPSTREAM_STATUS_KEYS = {
    "current_task_id",
    "current_task_goal",
    "last_updated",
    "estimated_remaining_seconds",
}


def detect_list(payload: Any) -> Dialect | None:
    if isinstance(payload, dict):
        if "executions" in payload and "data" not in payload:
            return Dialect.UPSTREAM
        if "data" in payload:
            return Dialect.HOSTED
    return None


def detect_status(payload: Any) -> Dialect | None:
    if isinstance(payload, dict):
        if _UPSTREAM_STATUS_KEYS & payload.keys():
            return Dialect.UPSTREAM
        if "current_step" in payload or "updated_at" in payload:
            return Dialect.HOSTED
    return None


def normalise_execution(payload: Any, dialect: Dialect) -> Any:
    if not isinstance(payload, dict):
        return payload
    if dialect is Dialect.AUTO and not (_UPSTREAM_EXECUTION_KEYS & payload.keys()):
        return payload
    if dialect is Dialect.HOSTED:
        return payload
    data = dict(payload)
    data.setdefault("config_profile", data.get("profile"))
    data.setdefault("initial_goal", data.get("goal") or data.get("root_goal") or "")
    if "max_depth" not in data and isinstance(data.get("config"), dict):
        data["max_depth"] = data["config"].get("max_depth")
    if isinstance(data.get("dag"), dict) and "tasks" in data["dag"]:
        data["dag"] = flatten_snapshot(data["dag"])
    return data


def normalise_list(payload: Any, dialect: Dialect) -> Any:
    """Upstream `{"executions", "total", "offset", "limit"}` -> hosted `{"data", "pagination"}`."""
    if not isinstance(payload, dict):
        return payload
    found = detect_list(payload) if dialect is Dialect.AUTO else dialect
    if found is not Dialect.UPSTREAM:
        return payload
    rows = payload.get("executions")
    if not isinstance(rows, list):
        rows = []
    rows = [normalise_execution(r, Dialect.UPSTREAM) for r in rows]
    total, offset = _int_or_none(payload.get("total")), _int_or_none(payload.get("offset")) or 0
    return {
        "data": rows,
        "pagination": {
            "total": total,
            "limit": _int_or_none(payload.get("limit")),
            "offset": offset,
            "has_more": total is not None and offset + len(rows) < total,
        },
        "server_sorted": False,
    }


def normalise_status(payload: Any, dialect: Dialect) -> Any:
    """Upstream progress is 0-1 and names differ; hosted progress is 0-100."""
    if not isinstance(payload, dict):
        return payload
    found = detect_status(payload) if dialect is Dialect.AUTO else dialect
    if found is not Dialect.UPSTREAM:
        return payload
    data = dict(payload)
    progress = data.get("progress")
    if isinstance(progress, int | float) and not isinstance(progress, bool):
        data["progress"] = progress * 100 if progress <= 1 else progress
    if data.get("current_step") is None:
        data["current_step"] = data.get("current_task_goal") or data.get("current_task_id")
    data.setdefault("updated_at", data.get("last_updated"))
    return data


def normalise_checkpoint(payload: Any) -> dict[str, Any]:
    """Upstream `GET .../checkpoint` -> hosted `{"execution_id", "dag": {nodes, edges, stats}}`."""
    if not isinstance(payload, dict):
        return {"execution_id": "", "dag": {}}
    snapshot = payload.get("dag")
    if not isinstance(snapshot, dict):
        # No checkpoint yet: `{execution_id, tasks: {}, root_goal, status: "unknown", ...}`.
        snapshot = {"tasks": payload.get("tasks") if isinstance(payload.get("tasks"), dict) else {}}
    return {"execution_id": payload.get("execution_id") or "", "dag": flatten_snapshot(snapshot)}


_SUBGRAPH_ID = re.compile(r"_sub_(?P<parent>.+)$")


def flatten_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A recursive upstream DAG snapshot -> one node list and one edge list.

    Tasks appear both in the root and in their subgraph: each is kept once. Edges: dependency ->
    task for every `dependencies` entry, and planner -> child for each task of a planner's subgraph.
    """
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, str]] = []
    seen_edges: set[tuple[str, str]] = set()

    def add_edge(source: str, target: str, kind: str) -> None:
        if (source, target) not in seen_edges:
            seen_edges.add((source, target))
            edges.append({"from": source, "to": target, "type": kind})

    def walk(snap: dict[str, Any], owner: str | None, seen_snaps: set[int]) -> None:
        if id(snap) in seen_snaps:  # a malformed snapshot that contains itself
            return
        seen_snaps.add(id(snap))
        tasks = snap.get("tasks")
        tasks = tasks if isinstance(tasks, dict) else {}
        for key, task in tasks.items():
            if not isinstance(task, dict):
                continue
            task_id = str(task.get("task_id") or key)
            if task_id not in nodes:
                nodes[task_id] = _task_to_node(task_id, task)
            if owner is not None and owner != task_id:
                nodes[task_id].setdefault("parent_id", owner)
                add_edge(owner, task_id, "subtask")
            for dep in _as_list(task.get("dependencies")):
                add_edge(str(dep), task_id, "depends_on")
        dependencies = snap.get("dependencies")
        if isinstance(dependencies, dict):
            for task_id, deps in dependencies.items():
                for dep in _as_list(deps):
                    add_edge(str(dep), str(task_id), "depends_on")
        subgraphs = snap.get("subgraphs")
        if isinstance(subgraphs, dict):
            for sub_id, sub in subgraphs.items():
                if isinstance(sub, dict):
                    walk(sub, _owner_of(str(sub_id), nodes), seen_snaps)

    walk(snapshot, None, set())
    return {"nodes": list(nodes.values()), "edges": edges}


def _owner_of(subgraph_id: str, nodes: dict[str, dict[str, Any]]) -> str | None:
    for node_id, node in nodes.items():
        if node.get("subgraph_id") == subgraph_id:
            return node_id
    match = _SUBGRAPH_ID.search(subgraph_id)
    return match.group("parent") if match else None


def _task_to_node(task_id: str, task: dict[str, Any]) -> dict[str, Any]:
    task_type = task.get("task_type") or task.get("node_type") or task.get("type") or "task"
    return {
        "id": task_id,
        "type": str(task_type).lower(),
        "status": task.get("status"),
        "input": task.get("goal"),
        "output": task.get("result"),
        "error": task.get("error"),
        "depth": task.get("depth"),
        "subgraph_id": task.get("subgraph_id"),
        "started_at": task.get("started_at"),
        "completed_at": task.get("completed_at"),
        "retry_count": task.get("retry_count"),
    }


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | set):
        return [v for v in value if isinstance(v, str | int)]
    return []


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None
