"""The two dialects of the ROMA API (DIALECTS.md), normalised to the hosted shape.

Each function takes decoded JSON and returns a dict in the shape of API.md, ready for the models.
Detection looks at the payload itself; the client remembers the answer once it is sure.
Nothing above `roma_tui.api` knows there are two dialects.
"""

from __future__ import annotations

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


def detect_execution(payload: Any) -> Dialect | None:
    if isinstance(payload, dict) and "execution_id" in payload:
        if _UPSTREAM_EXECUTION_KEYS & payload.keys():
            return Dialect.UPSTREAM
        if "config_profile" in payload:
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
    data.update(_task_counts(data))
    metadata = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
    # The reason of a failed run: `metadata.error` ("CodeInterpreterError: ...") and the class
    # of the failure that ended it (`metadata.error_type`, e.g. "RecoveryError").
    if data.get("error") is None:
        data["error"] = metadata.get("error") or metadata.get("error_type")
    data.setdefault("error_type", metadata.get("error_type"))
    return data


def _task_counts(data: dict[str, Any]) -> dict[str, Any]:
    """Task counts that mean what they say, or None where the server did not know them.

    The execution's own `total_tasks`/`completed_tasks` stay 0 while a run runs (and in some
    finished runs); `statistics` (the DAG's counts by task state) is current all along.
    """
    stats = data.get("statistics")
    counts = stats.get("status_counts") if isinstance(stats, dict) else None
    if isinstance(counts, dict):
        numbers = {str(k).upper(): v for k, v in counts.items() if _int_or_none(v) is not None}
        total = _int_or_none(stats.get("total_tasks")) if isinstance(stats, dict) else None
        total = total if total is not None else sum(numbers.values())
        if total > 0:
            return {
                "total_tasks": total,
                "completed_tasks": numbers.get("COMPLETED", 0),
                "failed_tasks": numbers.get("FAILED", 0),
                "task_counts": numbers,
            }
    total = _int_or_none(data.get("total_tasks"))
    if not total:  # 0 is "not counted yet", not "no tasks"
        return {"total_tasks": None, "completed_tasks": None, "failed_tasks": None}
    return {}


def status_from_execution(payload: Any) -> Any:
    """An upstream execution (`GET /executions/{id}`) -> a hosted-shape Status.

    Upstream `/status` reports 0 of 0 tasks while a run runs; the execution carries the real
    counts, the failure reason and the update time, so in this dialect it replaces `/status`.
    """
    if not isinstance(payload, dict):
        return payload
    data = normalise_execution(payload, Dialect.UPSTREAM)
    total, done = data.get("total_tasks"), data.get("completed_tasks")
    progress = None
    if isinstance(total, int) and total > 0 and isinstance(done, int):
        progress = min(100.0, done / total * 100)
    return {
        "execution_id": data.get("execution_id"),
        "status": data.get("status"),
        "progress": progress,
        "current_step": None,  # not in the execution: the DAG's running tasks tell it
        "error": data.get("error"),
        "error_type": data.get("error_type"),
        "metadata": data.get("metadata"),
        "updated_at": data.get("updated_at"),
        "completed_tasks": done,
        "total_tasks": total,
        "failed_tasks": data.get("failed_tasks"),
        "task_counts": data.get("task_counts"),
    }


def normalise_list(payload: Any, dialect: Dialect) -> Any:
    """Upstream `{"executions", "total", "offset", "limit"}` -> hosted `{"data", "pagination"}`."""
    if not isinstance(payload, dict):
        return payload
    found = detect_list(payload) if dialect is Dialect.AUTO else dialect
    if found is not Dialect.UPSTREAM:
        return payload
    page = upstream_list(payload)
    page["data"] = [normalise_execution(r, Dialect.UPSTREAM) for r in page["data"]]
    return page


def upstream_list(payload: dict[str, Any]) -> dict[str, Any]:
    """An upstream list in the hosted page's shape, its rows as the server sent them (each is
    for `normalise_execution`)."""
    rows = payload.get("executions")
    if not isinstance(rows, list):
        rows = []
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
    """Upstream progress is 0-1 and names differ; hosted progress is 0-100.

    Upstream `/status` says progress 0.0 of total_tasks 0 until a run ends (and for cancelled
    runs): that is "not known", never 0%.
    """
    if not isinstance(payload, dict):
        return payload
    found = detect_status(payload) if dialect is Dialect.AUTO else dialect
    if found is not Dialect.UPSTREAM:
        return payload
    data = dict(payload)
    progress = data.get("progress")
    if not _int_or_none(data.get("total_tasks")):
        data.update(progress=None, total_tasks=None, completed_tasks=None)
    elif isinstance(progress, int | float) and not isinstance(progress, bool):
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


def flatten_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A recursive upstream DAG snapshot -> one node list and one edge list.

    Every snapshot's `tasks` lists ALL its descendants (nested subgraphs included), so a task
    appears once per level above it: each is kept once, and its parent is the planner owning
    the INNERMOST subgraph that holds it. Edges: planner -> child ("subtask") for that parent,
    and dependency -> task ("depends_on") for every `dependencies` entry.
    """
    nodes: dict[str, dict[str, Any]] = {}
    parents: dict[str, tuple[int, str]] = {}  # task -> (nesting level, owning planner)
    dependencies: list[tuple[str, str]] = []

    def walk(snap: dict[str, Any], owner: str | None, level: int, seen: set[int]) -> None:
        if id(snap) in seen:  # a malformed snapshot that contains itself
            return
        seen.add(id(snap))
        for key, task in _tasks_of(snap):
            task_id = str(task.get("task_id") or key)
            if task_id not in nodes:
                nodes[task_id] = _task_to_node(task_id, task)
            if owner is not None and owner != task_id and level > parents.get(task_id, (0, ""))[0]:
                parents[task_id] = (level, owner)
            dependencies.extend((str(dep), task_id) for dep in _as_list(task.get("dependencies")))
        deps = snap.get("dependencies")
        if isinstance(deps, dict):
            for task_id, listed in deps.items():
                dependencies.extend((str(dep), str(task_id)) for dep in _as_list(listed))
        subgraphs = snap.get("subgraphs")
        if isinstance(subgraphs, dict):
            for sub_id, sub in subgraphs.items():
                if isinstance(sub, dict):
                    walk(sub, _owner_of(str(sub_id), sub, nodes), level + 1, seen)

    walk(snapshot, None, 0, set())
    edges: list[dict[str, str]] = []
    seen_edges: set[tuple[str, str]] = set()
    decomposition = [(owner, task_id, "subtask") for task_id, (_, owner) in parents.items()]
    for source, target, kind in decomposition + [(s, t, "depends_on") for s, t in dependencies]:
        if (source, target) not in seen_edges:
            seen_edges.add((source, target))
            edges.append({"from": source, "to": target, "type": kind})
    for task_id, (_, owner) in parents.items():
        nodes[task_id]["parent_id"] = owner
    return {"nodes": list(nodes.values()), "edges": edges}


def _tasks_of(snap: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    tasks = snap.get("tasks")
    if isinstance(tasks, dict):
        return [(str(k), t) for k, t in tasks.items() if isinstance(t, dict)]
    if isinstance(tasks, list):  # tolerate a list of tasks too
        return [(str(t.get("task_id") or i), t) for i, t in enumerate(tasks) if isinstance(t, dict)]
    return []


def _owner_of(key: str, sub: dict[str, Any], nodes: dict[str, dict[str, Any]]) -> str | None:
    """The planner owning a subgraph: the task naming it, else the id's last `_sub_{task}`."""
    names = {key, str(sub.get("dag_id") or key)}
    for node_id, node in nodes.items():
        named = node.get("subgraph_id")
        if isinstance(named, str) and named in names:  # a list or dict here is no id
            return node_id
    _, found, owner = key.rpartition("_sub_")
    return owner if found and owner else None


# Upstream task types, in the words the console shows (the server's word stays in task_type).
_TASK_WORDS = {
    "THINK": "think",
    "RETRIEVE": "retrieve",
    "WRITE": "write",
    "CODE_INTERPRET": "code",
    "IMAGE_GENERATION": "image",
}


def task_word(task_type: object) -> str:
    if not isinstance(task_type, str) or not task_type.strip():
        return "task"
    raw = task_type.strip()
    return _TASK_WORDS.get(raw.upper(), raw.lower().replace("_", " "))


def _task_to_node(task_id: str, task: dict[str, Any]) -> dict[str, Any]:
    task_type = task.get("task_type") or task.get("node_type") or task.get("type")
    return {
        "id": task_id,
        "type": task_word(task_type),
        "task_type": task_type if isinstance(task_type, str) else None,
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
