"""Pydantic models of the objects in API.md, in the hosted dialect's shape.

The models are tolerant by design: unknown fields are kept (they show in `--json` output), a
field of the wrong type becomes `None` instead of failing the whole object, an unknown status
becomes `unknown` (with the server's word kept in `status_raw`), and timestamps with `Z`,
`+00:00` or no zone at all parse (a naive one is taken as UTC). The upstream dialect is turned
into these shapes by `roma_tui.api.dialects` before validation.

Counts are None when the server did not know them: upstream says "0 of 0 tasks" while a run runs,
which the normalisers turn into None (unknown), never into 0%.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

T = TypeVar("T")


class ExecutionStatus(StrEnum):
    PENDING = "pending"  # upstream only
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_finished(self) -> bool:
        return self in FINISHED_STATUSES


FINISHED_STATUSES = frozenset(
    {ExecutionStatus.COMPLETED, ExecutionStatus.FAILED, ExecutionStatus.CANCELLED}
)


class NodeStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    UNKNOWN = "unknown"


# The upstream server's task states, folded into the four node states of the hosted API.
_UPSTREAM_NODE_STATES = {
    "pending": NodeStatus.PENDING,
    "ready": NodeStatus.PENDING,
    "atomizing": NodeStatus.RUNNING,
    "planning": NodeStatus.RUNNING,
    "plan_done": NodeStatus.RUNNING,
    "executing": NodeStatus.RUNNING,
    "aggregating": NodeStatus.RUNNING,
    "needs_replan": NodeStatus.RUNNING,
    "running": NodeStatus.RUNNING,
    "completed": NodeStatus.COMPLETED,
    "failed": NodeStatus.FAILED,
}

_EXECUTION_STATES = {
    "pending": ExecutionStatus.PENDING,
    "queued": ExecutionStatus.PENDING,
    "running": ExecutionStatus.RUNNING,
    "completed": ExecutionStatus.COMPLETED,
    "failed": ExecutionStatus.FAILED,
    "cancelled": ExecutionStatus.CANCELLED,
    "canceled": ExecutionStatus.CANCELLED,
}


def execution_status(value: object) -> ExecutionStatus:
    if isinstance(value, str):
        return _EXECUTION_STATES.get(value.strip().lower(), ExecutionStatus.UNKNOWN)
    return ExecutionStatus.UNKNOWN


def node_status(value: object) -> NodeStatus:
    if isinstance(value, str):
        return _UPSTREAM_NODE_STATES.get(value.strip().lower(), NodeStatus.UNKNOWN)
    return NodeStatus.UNKNOWN


def parse_timestamp(value: object) -> datetime | None:
    """ISO 8601 with `Z`, an offset or no zone (taken as UTC); Unix seconds too. Else None."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _lenient(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """A field that fails validation becomes None instead of failing its object."""
    try:
        return handler(value)
    except ValidationError:
        return None


def _as_text(value: object) -> str | None:
    """Free text fields may arrive as objects: keep them, as JSON text."""
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


Lenient = Annotated[T | None, WrapValidator(_lenient)]
Timestamp = Annotated[datetime | None, BeforeValidator(parse_timestamp)]
Text = Annotated[str | None, BeforeValidator(_as_text)]


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)


_FIELD_SETS: dict[frozenset[str], set[str]] = {}  # one shared set per shape of sent fields
_NO_EXTRA: dict[str, Any] = {}  # the shared empty extras of a compact model


class _Compact(_Tolerant):
    """A model held by the thousand (a DAG's nodes and edges): compact in memory.

    Objects with the same set fields share one field-name set and an empty extras dict (pydantic
    makes one of each per object: 280 bytes), and the short strings named in `_INTERNED` are
    interned, so an id and the edges naming it hold one string. Assigning an attribute gives
    the object its own set and dict first, so nothing shared ever changes.
    """

    _INTERNED: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _share(self) -> Self:
        values = self.__dict__
        for name in self._INTERNED:
            value = values[name]
            if type(value) is str:
                values[name] = sys.intern(value)
        fields = self.__pydantic_fields_set__
        object.__setattr__(
            self, "__pydantic_fields_set__", _FIELD_SETS.setdefault(frozenset(fields), fields)
        )
        if not self.__pydantic_extra__:
            object.__setattr__(self, "__pydantic_extra__", _NO_EXTRA)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, "__pydantic_fields_set__", set(self.__pydantic_fields_set__))
        if self.__pydantic_extra__ is _NO_EXTRA:
            object.__setattr__(self, "__pydantic_extra__", {})
        super().__setattr__(name, value)


class Metadata(_Tolerant):
    execution_time: Lenient[float] = None  # seconds
    tokens_used: Lenient[int] = None
    agent_calls: Lenient[int] = None
    user_metadata: Lenient[dict[str, Any]] = None


class Execution(_Tolerant):
    execution_id: str
    status: ExecutionStatus = ExecutionStatus.UNKNOWN
    status_raw: str | None = None  # what the server said, when it is not one of ours
    initial_goal: Text = ""
    result: Any = None
    error: Text = None
    config_profile: Lenient[str] = None
    max_depth: Lenient[int] = None
    dag: Lenient[Dag] = None
    metadata: Lenient[Metadata] = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    completed_at: Timestamp = None
    failed_at: Timestamp = None
    cancelled_at: Timestamp = None
    # Upstream only (None on the hosted service, and None while upstream has not counted).
    total_tasks: Lenient[int] = None
    completed_tasks: Lenient[int] = None
    failed_tasks: Lenient[int] = None
    task_counts: Lenient[dict[str, int]] = None  # tasks by the server's state word (PLAN_DONE: 2)
    error_type: Text = None  # the class of the failure, e.g. "RecoveryError" (upstream)

    _keep_raw_status = model_validator(mode="before")(
        lambda data: _with_raw_status(data, execution_status)
    )

    @property
    def finished_at(self) -> datetime | None:
        return self.completed_at or self.failed_at or self.cancelled_at

    @property
    def is_finished(self) -> bool:
        return self.status.is_finished


class Status(_Tolerant):
    execution_id: str
    status: ExecutionStatus = ExecutionStatus.UNKNOWN
    status_raw: str | None = None
    progress: Lenient[float] = None  # 0-100
    current_step: Text = None
    result: Any = None
    error: Text = None
    metadata: Lenient[Metadata] = None
    updated_at: Timestamp = None
    completed_at: Timestamp = None
    failed_at: Timestamp = None
    cancelled_at: Timestamp = None
    # Task counts ("2 of 7 tasks"): None when not known. Upstream, they come from the execution.
    completed_tasks: Lenient[int] = None
    total_tasks: Lenient[int] = None
    failed_tasks: Lenient[int] = None
    task_counts: Lenient[dict[str, int]] = None
    error_type: Text = None
    estimated_remaining_seconds: Lenient[float] = None

    _keep_raw_status = model_validator(mode="before")(
        lambda data: _with_raw_status(data, execution_status)
    )

    @property
    def is_finished(self) -> bool:
        return self.status.is_finished


class Node(_Compact):
    _INTERNED = ("type", "status_raw", "task_type")

    id: str
    type: Lenient[str] = "task"
    status: NodeStatus = NodeStatus.UNKNOWN
    status_raw: str | None = None
    input: Text = None
    output: Text = None
    error: Text = None
    started_at: Timestamp = None
    completed_at: Timestamp = None
    parent_id: Lenient[str] = None  # the planner that owns this node's sub-DAG (upstream)
    depth: Lenient[int] = None
    task_type: Lenient[str] = None  # upstream's word (CODE_INTERPRET); `type` is readable (code)
    subgraph_id: Lenient[str] = None  # upstream: the sub-DAG this task planned

    _keep_raw_status = model_validator(mode="before")(
        lambda data: _with_raw_status(data, node_status)
    )

    @property
    def is_planner(self) -> bool:
        """A task that split its goal into subtasks (upstream: it owns a subgraph)."""
        return bool(self.subgraph_id) or (self.type or "").lower() in ("planner", "plan")


class Edge(_Compact):
    _INTERNED = ("type",)

    source: str = Field(alias="from")
    target: str = Field(alias="to")
    type: Lenient[str] = "depends_on"


class DagStats(_Tolerant):
    total_nodes: Lenient[int] = None
    completed_nodes: Lenient[int] = None
    failed_nodes: Lenient[int] = None
    total_edges: Lenient[int] = None


class Dag(_Tolerant):
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    stats: Lenient[DagStats] = None
    unreadable_nodes: int = 0  # nodes or edges dropped because they could not be read
    unreadable_edges: int = 0

    @model_validator(mode="before")
    @classmethod
    def _drop_unreadable(cls, data: Any) -> Any:
        """One bad node must not lose the whole graph: keep the readable ones, count the rest."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, model, counter in (
            ("nodes", Node, "unreadable_nodes"),
            ("edges", Edge, "unreadable_edges"),
        ):
            items = data.get(key)
            if items is None:
                data[key] = []
                continue
            if not isinstance(items, list):
                data[key] = []
                data[counter] = 1
                continue
            kept = []
            for item in items:
                try:
                    kept.append(model.model_validate(item))
                except ValidationError:
                    data[counter] = data.get(counter, 0) + 1
            data[key] = kept
        _share_ids(data["nodes"], data["edges"])
        return data

    def settled(self, run_status: ExecutionStatus) -> Dag:
        """The DAG as it stands once its run is over.

        A failed or cancelled upstream run leaves its planners PLAN_DONE (and maybe a task
        EXECUTING): nothing will move them again, so they are not running. They become
        "unknown", keeping the server's word in `status_raw` ("? unknown (PLAN_DONE)"). The DAG
        of a run still going is returned as it is.
        """
        if not run_status.is_finished or not any(
            n.status is NodeStatus.RUNNING for n in self.nodes
        ):
            return self
        nodes = [
            n.model_copy(
                update={"status": NodeStatus.UNKNOWN, "status_raw": n.status_raw or n.status.value}
            )
            if n.status is NodeStatus.RUNNING
            else n
            for n in self.nodes
        ]
        return self.model_copy(update={"nodes": nodes})

    def running_goals(self) -> list[str]:
        """Goals of the tasks at work now (not planners waiting for their subtasks)."""
        return [
            n.input
            for n in self.nodes
            if n.status is NodeStatus.RUNNING and n.status_raw != "PLAN_DONE" and n.input
        ]

    def computed_stats(self) -> DagStats:
        """The stats the server sent, with gaps filled from the nodes themselves."""
        sent = self.stats or DagStats()
        return DagStats(
            total_nodes=sent.total_nodes if sent.total_nodes is not None else len(self.nodes),
            completed_nodes=sent.completed_nodes
            if sent.completed_nodes is not None
            else sum(n.status is NodeStatus.COMPLETED for n in self.nodes),
            failed_nodes=sent.failed_nodes
            if sent.failed_nodes is not None
            else sum(n.status is NodeStatus.FAILED for n in self.nodes),
            total_edges=sent.total_edges if sent.total_edges is not None else len(self.edges),
        )


def _share_ids(nodes: list[Node], edges: list[Edge]) -> None:
    """Edges and parent ids hold their node's id string, not a copy of it (each JSON string is
    its own object): 50 bytes and more per mention."""
    ids = {node.id: node.id for node in nodes}
    for node in nodes:
        if node.parent_id is not None:
            node.__dict__["parent_id"] = ids.get(node.parent_id, node.parent_id)
    for edge in edges:
        values = edge.__dict__
        values["source"] = ids.get(edge.source, edge.source)
        values["target"] = ids.get(edge.target, edge.target)


class Pagination(_Tolerant):
    total: Lenient[int] = None
    limit: Lenient[int] = None
    offset: Lenient[int] = None
    has_more: bool = False


class ExecutionPage(_Tolerant):
    data: list[Execution] = Field(default_factory=list)
    pagination: Pagination = Field(default_factory=Pagination)
    unreadable: int = 0  # rows the server sent that could not be read (never silently lost)
    server_sorted: bool = True  # False when the server ignored sort/order (upstream)
    # Upstream: the client read the whole list to sort and filter it; True when it stopped at its
    # page budget, so the order and the total cover only the runs it read.
    partial: bool = False

    @model_validator(mode="before")
    @classmethod
    def _drop_unreadable(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        items = data.get("data")
        if not isinstance(items, list):
            return data  # not a page at all: let validation say so
        kept, bad = [], 0
        for item in items:
            try:
                kept.append(Execution.model_validate(item))
            except ValidationError:
                bad += 1
        data["data"] = kept
        data["unreadable"] = bad
        if not isinstance(data.get("pagination"), dict):
            data["pagination"] = {}
        return data


class CancelResult(_Tolerant):
    execution_id: str
    status: ExecutionStatus = ExecutionStatus.CANCELLED
    status_raw: str | None = None
    cancelled_at: Timestamp = None

    _keep_raw_status = model_validator(mode="before")(
        lambda data: _with_raw_status(data, execution_status)
    )


class DagResult(_Tolerant):
    execution_id: str
    dag: Dag = Field(default_factory=Dag)


class ErrorDetail(_Tolerant):
    code: Lenient[str] = None
    message: Text = None
    details: Any = None


class ErrorBody(_Tolerant):
    error: Lenient[ErrorDetail] = None
    request_id: Lenient[str] = None


def _with_raw_status(data: Any, mapper: Any) -> Any:
    """Map the status word to ours; keep the server's word when it is not one we know."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    raw = data.get("status")
    mapped = mapper(raw)
    data["status"] = mapped
    if mapped.value == "unknown" or (isinstance(raw, str) and raw.lower() != mapped.value):
        data["status_raw"] = raw if isinstance(raw, str) else json.dumps(raw, default=str)
    return data


Execution.model_rebuild()
