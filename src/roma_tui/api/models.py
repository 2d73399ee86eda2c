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

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from .dag_models import Dag as Dag
from .dag_models import DagStats as DagStats
from .dag_models import Edge as Edge
from .dag_models import Node as Node
from .fields import FINISHED_STATUSES as FINISHED_STATUSES
from .fields import ExecutionStatus as ExecutionStatus
from .fields import Lenient as Lenient
from .fields import NodeStatus as NodeStatus
from .fields import Percent, Tolerant, execution_status, readable, with_raw_status
from .fields import Text as Text
from .fields import Timestamp as Timestamp
from .fields import parse_timestamp as parse_timestamp


class Metadata(Tolerant):
    execution_time: Lenient[float] = None  # seconds
    tokens_used: Lenient[int] = None
    agent_calls: Lenient[int] = None
    user_metadata: Lenient[dict[str, Any]] = None


class Execution(Tolerant):
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
        lambda data: with_raw_status(data, execution_status)
    )

    @property
    def finished_at(self) -> datetime | None:
        return self.completed_at or self.failed_at or self.cancelled_at

    def ran_for(self, now: datetime) -> float | None:
        """Seconds it ran: to its end, or to `now` while it runs. A finished run without an end
        time (the upstream server gives none) ran until its last update; without that: unknown,
        never its age."""
        if self.created_at is None:
            return None
        end = (self.finished_at or self.updated_at) if self.is_finished else now
        return None if end is None else (end - self.created_at).total_seconds()

    @property
    def is_finished(self) -> bool:
        return self.status.is_finished


class Status(Tolerant):
    execution_id: str
    status: ExecutionStatus = ExecutionStatus.UNKNOWN
    status_raw: str | None = None
    progress: Percent = None  # 0-100; anything else is unknown
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
        lambda data: with_raw_status(data, execution_status)
    )

    @property
    def is_finished(self) -> bool:
        return self.status.is_finished


class Pagination(Tolerant):
    total: Lenient[int] = None
    limit: Lenient[int] = None
    offset: Lenient[int] = None
    has_more: bool = False


class ExecutionPage(Tolerant):
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
        data["data"], data["unreadable"] = readable(items, Execution)
        if not isinstance(data.get("pagination"), dict):
            data["pagination"] = {}
        return data


class CancelResult(Tolerant):
    execution_id: str
    status: ExecutionStatus = ExecutionStatus.CANCELLED
    status_raw: str | None = None
    cancelled_at: Timestamp = None

    _keep_raw_status = model_validator(mode="before")(
        lambda data: with_raw_status(data, execution_status)
    )


class DagResult(Tolerant):
    execution_id: str
    dag: Dag = Field(default_factory=Dag)


class ErrorDetail(Tolerant):
    code: Lenient[str] = None
    message: Text = None
    details: Any = None


class ErrorBody(Tolerant):
    error: Lenient[ErrorDetail] = None
    request_id: Lenient[str] = None


Execution.model_rebuild()
