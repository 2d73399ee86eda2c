"""Cancelling runs, the same way from the console and the command line.

Each cancel carries its own idempotency key (the client's retries reuse it, so a retry never
cancels twice), ends in one of a few plain outcomes, and is written to the local action log.

A 400 to a cancel does not prove the run is over: the upstream server also answers "is not
running (cannot cancel)" for a running run that another server process started. So after a 400
the run is read again: still running means the server refused; finished means "already <status>".
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from ..api import (
    ApiStatusError,
    ExecutionStatus,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RomaClient,
    RomaError,
)
from ..api.errors import plain_words_for
from ..safetext import one_line
from .action_log import ActionLog

CANCELLED = "cancelled"
REFUSED = "refused"  # the server would not cancel a run that is still running
NOT_PERMITTED, NOT_FOUND, CANCEL_FAILED = "not permitted", "not found", "cancel failed"
FINE = frozenset(  # outcomes that leave the run stopped
    {CANCELLED} | {f"already {s.value}" for s in ExecutionStatus if s.is_finished}
)


def already(status: ExecutionStatus) -> str:
    return f"already {status.value}"


@dataclass(frozen=True)
class CancelOutcome:
    execution_id: str
    # cancelled, already completed/failed/cancelled, refused, not permitted, not found,
    # cancel failed
    outcome: str
    message: str | None  # the server's reason (or ours), when there is one
    request_id: str | None

    @property
    def ok(self) -> bool:
        return self.outcome in FINE

    def summary(self) -> str:
        """One line that cannot be read as the run's own state: "cancel refused: ..."."""
        if self.ok:
            return self.outcome
        words = self.outcome if self.outcome.startswith("cancel") else f"cancel {self.outcome}"
        detail = f": {one_line(self.message, 160)}" if self.message else ""
        request = f" (request {self.request_id})" if self.request_id else ""
        return f"{words}{detail}{request}"

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def outcome_of(error: RomaError | None) -> str:
    """The outcome an error means by itself (a 400 is settled by `cancel_one`, re-reading)."""
    if error is None:
        return CANCELLED
    if isinstance(error, InvalidRequestError) and not error.client_side:
        return REFUSED
    if isinstance(error, PermissionDeniedError):
        return NOT_PERMITTED
    if isinstance(error, NotFoundError):
        return NOT_FOUND
    return CANCEL_FAILED


async def cancel_one(client: RomaClient, execution_id: str) -> CancelOutcome:
    try:
        await client.cancel_execution(execution_id, idempotency_key=f"roma-tui-{uuid.uuid4().hex}")
    except RomaError as exc:
        error = exc
    else:
        return CancelOutcome(execution_id, CANCELLED, None, client.last_request_id)
    outcome = outcome_of(error)
    message = _reason(error)
    if outcome == REFUSED:
        try:
            execution = await client.get_execution(execution_id)
        except RomaError as exc:
            message = f"{message}; the run could not be read again: {exc.message}"
        else:
            if execution.is_finished:
                return CancelOutcome(
                    execution_id, already(execution.status), message, error.request_id
                )
            message = f"{message}; the run is still {execution.status.value}"
    return CancelOutcome(execution_id, outcome, message, error.request_id)


def _reason(error: RomaError) -> str:
    """The server's words without our preamble ("The server refused ...: <reason>")."""
    if isinstance(error, ApiStatusError):
        head, found, reason = error.message.partition(": ")
        if found and head == plain_words_for(error.status_code):
            return reason
    return error.message.rstrip(".")


async def cancel_runs(
    client: RomaClient, execution_ids: list[str], log: ActionLog | None = None
) -> list[CancelOutcome]:
    outcomes = []
    for execution_id in execution_ids:
        outcome = await cancel_one(client, execution_id)
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
