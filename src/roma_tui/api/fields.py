"""The building blocks of the API's models: status words, tolerant fields, the base model.

Tolerant by design: a field of the wrong type becomes None instead of failing its object, an
unknown status becomes `unknown` with the server's word kept in `status_raw`, and timestamps
with `Z`, `+00:00` or no zone at all parse (a naive one is taken as UTC).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
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


def _percent(value: float | None) -> float | None:
    """A share 0-100, or unknown: 250, -3 or NaN is no figure the API can mean."""
    return value if value is not None and 0.0 <= value <= 100.0 else None


Percent = Annotated[Lenient[float], AfterValidator(_percent)]
Timestamp = Annotated[datetime | None, BeforeValidator(parse_timestamp)]
Text = Annotated[str | None, BeforeValidator(_as_text)]


class Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)


def with_raw_status(data: Any, mapper: Any) -> Any:
    """Map the status word to ours; keep the server's word when it is not one we know."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    if "status" not in data:  # unknown, and no word of the server's to show ("null" was)
        data["status"] = mapper(None)
        return data
    raw = data["status"]
    mapped = mapper(raw)
    data["status"] = mapped
    if mapped.value == "unknown" or (isinstance(raw, str) and raw.lower() != mapped.value):
        data["status_raw"] = raw if isinstance(raw, str) else json.dumps(raw, default=str)
    return data


M = TypeVar("M", bound=BaseModel)


def readable(items: list[Any], model: type[M]) -> tuple[list[M], int]:
    """The items that validate as `model`, and how many did not: one bad item must not lose
    the others (a page's rows, a DAG's nodes)."""
    kept: list[M] = []
    for item in items:
        with contextlib.suppress(ValidationError):
            kept.append(model.model_validate(item))
    return kept, len(items) - len(kept)
