"""Cancelling runs, the same way from the console and the command line.

Each cancel carries its own idempotency key (the client's retries reuse it, so a retry never
cancels twice), ends in one of a few plain outcomes, and is written to the local action log.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from ..api import (
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RomaClient,
    RomaError,
)
from .action_log import ActionLog

CANCELLED, ALREADY_FINISHED = "cancelled", "already finished"
FINE = (CANCELLED, ALREADY_FINISHED)  # outcomes that leave the run stopped


@dataclass(frozen=True)
class CancelOutcome:
    execution_id: str
    outcome: str  # cancelled, already finished, not permitted, not found, failed
    message: str | None
    request_id: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def outcome_of(error: RomaError | None) -> str:
    if error is None:
        return CANCELLED
    if isinstance(error, InvalidRequestError) and error.code in ("invalid_operation", None):
        return ALREADY_FINISHED
    if isinstance(error, PermissionDeniedError):
        return "not permitted"
    if isinstance(error, NotFoundError):
        return "not found"
    return "failed"


async def cancel_runs(
    client: RomaClient, execution_ids: list[str], log: ActionLog | None = None
) -> list[CancelOutcome]:
    outcomes = []
    for execution_id in execution_ids:
        error: RomaError | None = None
        try:
            await client.cancel_execution(
                execution_id, idempotency_key=f"roma-tui-{uuid.uuid4().hex}"
            )
        except RomaError as exc:
            error = exc
        outcome = CancelOutcome(
            execution_id,
            outcome_of(error),
            error.message if error else None,
            error.request_id if error else client.last_request_id,
        )
        if log is not None:
            log.record(
                "cancel",
                execution_id,
                outcome.outcome,
                outcome.request_id,
                client.base_url,
                outcome.message,
            )
        outcomes.append(outcome)
    return outcomes
