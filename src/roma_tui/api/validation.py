"""Checks made before a request is sent, with the rules of API.md.

A request we know the server will refuse costs a request from a 1,000-a-day budget and a round
trip: refuse it here, with the same error type the server's refusal would give.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from .dialects import Dialect
from .errors import InvalidRequestError

EXECUTION_ID = re.compile(r"^exec_[A-Za-z0-9]{16}$")
# Self-hosted (upstream) servers name executions with UUIDs.
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PATH_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")

PROFILES = ("general", "high_quality", "fast", "crypto_agent")
OVERRIDE_KEYS = ("temperature", "max_tokens", "model")
STATUSES = ("running", "completed", "failed", "cancelled")
SORT_FIELDS = ("created_at", "updated_at", "status")
ORDERS = ("asc", "desc")
GOAL_MAX = 10_000
METADATA_MAX_PAIRS = 10
METADATA_KEY_MAX = 50
METADATA_VALUE_MAX = 500


def _refuse(message: str, **details: Any) -> InvalidRequestError:
    error = InvalidRequestError(
        message, status_code=400, code="invalid_request", details=details or None
    )
    error.client_side = True
    return error


def check_execution_id(execution_id: object, dialect: Dialect = Dialect.AUTO) -> str:
    """Return the id if it is well formed for this dialect; raise InvalidRequestError if not."""
    if isinstance(execution_id, str):
        if EXECUTION_ID.match(execution_id):
            return execution_id
        if dialect is Dialect.UPSTREAM and _PATH_SAFE.match(execution_id):
            return execution_id
        if dialect is Dialect.AUTO and _UUID.match(execution_id):
            return execution_id
    shown = repr(execution_id)[:60]
    raise _refuse(
        f"{shown} is not an execution ID: expected 'exec_' and 16 letters or digits "
        "(e.g. exec_1a2b3c4d5e6f7g8h)",
        field="execution_id",
    )


def check_create(
    goal: object,
    max_depth: object,
    config_profile: object,
    config_overrides: object,
    metadata: object,
) -> dict[str, Any]:
    """Validate a create request; return the JSON body to send."""
    if not isinstance(goal, str) or not goal.strip():
        raise _refuse("The goal must not be empty.", field="goal")
    if len(goal) > GOAL_MAX:
        raise _refuse(
            f"The goal is {len(goal):,} characters long; the limit is {GOAL_MAX:,}.", field="goal"
        )
    body: dict[str, Any] = {"goal": goal}
    if max_depth is not None:
        whole = isinstance(max_depth, int) and not isinstance(max_depth, bool)
        if not isinstance(max_depth, int) or not whole or not 1 <= max_depth <= 10:
            raise _refuse(
                f"max_depth must be a whole number from 1 to 10, not {max_depth!r}.",
                field="max_depth",
            )
        body["max_depth"] = max_depth
    if config_profile is not None:
        if config_profile not in PROFILES:
            raise _refuse(
                f"Unknown profile {str(config_profile)[:40]!r}: use one of {', '.join(PROFILES)}.",
                field="config_profile",
            )
        body["config_profile"] = config_profile
    if config_overrides:
        if not isinstance(config_overrides, dict):
            raise _refuse("config_overrides must be an object.", field="config_overrides")
        unknown = sorted(str(k) for k in config_overrides if k not in OVERRIDE_KEYS)
        if unknown:
            raise _refuse(
                f"Unknown override {', '.join(unknown)[:80]}: allowed are "
                f"{', '.join(OVERRIDE_KEYS)}.",
                field="config_overrides",
            )
        body["config_overrides"] = dict(config_overrides)
    if metadata:
        body["metadata"] = _check_metadata(metadata)
    return body


def _check_metadata(metadata: object) -> dict[str, str]:
    if not isinstance(metadata, dict):
        raise _refuse("metadata must be an object of text keys and values.", field="metadata")
    if len(metadata) > METADATA_MAX_PAIRS:
        raise _refuse(
            f"metadata has {len(metadata)} pairs; at most {METADATA_MAX_PAIRS} are allowed.",
            field="metadata",
        )
    for key, value in metadata.items():
        if not isinstance(key, str) or not 1 <= len(key) <= METADATA_KEY_MAX:
            raise _refuse(
                f"metadata keys must be 1-{METADATA_KEY_MAX} characters: {str(key)[:60]!r}.",
                field="metadata",
            )
        if not isinstance(value, str) or not 1 <= len(value) <= METADATA_VALUE_MAX:
            raise _refuse(
                f"metadata value of {key!r} must be text of 1-{METADATA_VALUE_MAX} characters.",
                field="metadata",
            )
    return dict(metadata)


def check_list_params(
    *,
    limit: int | None,
    offset: int | None,
    status: str | None,
    profile: str | None,
    created_after: datetime | str | None,
    created_before: datetime | str | None,
    sort: str | None,
    order: str | None,
    max_limit: int = 100,
) -> dict[str, str]:
    """Validate list parameters; return the query string values to send."""
    params: dict[str, str] = {}
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
            raise _refuse(f"limit must be from 1 to {max_limit}, not {limit!r}.", field="limit")
        params["limit"] = str(limit)
    if offset is not None:
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise _refuse(f"offset must be 0 or more, not {offset!r}.", field="offset")
        params["offset"] = str(offset)
    if status is not None:
        if status not in STATUSES:
            raise _refuse(
                f"Unknown status {status[:40]!r}: use one of {', '.join(STATUSES)}.", field="status"
            )
        params["status"] = status
    if profile is not None:
        if profile not in PROFILES:
            raise _refuse(
                f"Unknown profile {profile[:40]!r}: use one of {', '.join(PROFILES)}.",
                field="profile",
            )
        params["profile"] = profile
    for name, value in (("created_after", created_after), ("created_before", created_before)):
        if value is not None:
            params[name] = _iso_timestamp(name, value)
    if sort is not None:
        if sort not in SORT_FIELDS:
            raise _refuse(
                f"Cannot sort by {sort[:40]!r}: use one of {', '.join(SORT_FIELDS)}.", field="sort"
            )
        params["sort"] = sort
    if order is not None:
        if order not in ORDERS:
            raise _refuse(f"order must be 'asc' or 'desc', not {order[:20]!r}.", field="order")
        params["order"] = order
    return params


def _iso_timestamp(name: str, value: datetime | str) -> str:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            raise _refuse(
                f"{name} must be an ISO 8601 date or time (e.g. 2025-11-11T10:30:00Z), "
                f"not {text[:40]!r}.",
                field=name,
            ) from None
    if not isinstance(value, datetime):
        raise _refuse(f"{name} must be a date and time.", field=name)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
