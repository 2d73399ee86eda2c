"""What a failed request means for live polling: go on, wait, or stop and say what to do.

A wrong key answers 401 forever and a URL that is not a ROMA API answers HTML or 404 forever:
retrying those in a loop burns the budget (and, on the hosted service, locks the team out).
`classify` turns an error into one of a few kinds the planner and the screen act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..api import (
    ApiConnectionError,
    ApiResponseError,
    ApiStatusError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RomaError,
    ServerError,
)


class FailureKind(StrEnum):
    AUTH = "auth"  # 401/403: stop until the key or profile changes
    NOT_ROMA = "not a ROMA API"  # HTML, a bare 404 on the list route, 501: long backoff
    RATE_LIMITED = "429"  # wait for the reset
    TRANSIENT = "transient"  # 5xx, timeouts, dropped connections: back off, recover
    LOCAL = "local"  # the disk cache or our own code: log, go on


# HTTP statuses a ROMA server never answers on its list route: something else is listening.
_NOT_AN_API_STATUS = (405, 501)


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    message: str  # what the user reads (with the request ID when there is one)
    reason: str  # short, for the footer: "401", "503", "connection failure", ...


def classify(
    error: BaseException, base_url: str, profile: str, *, answered_before: bool = False
) -> Failure:
    """What `error` means for polling. `answered_before`: this server has given good answers
    this session, so an unreadable answer or a bare 404/405/501 on the list route is a passing
    fault (a maintenance page, a proxy's hiccup), not "not a ROMA API"."""
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        what = "refused the API key" if error.status_code == 401 else "does not allow this key"
        return Failure(
            FailureKind.AUTH,
            f"{base_url} {what} ({error}). Polling stopped: run `roma-tui login --profile "
            f"{profile}` or set ROMA_API_KEY, then press ctrl+r or switch profile.",
            str(error.status_code),
        )
    if isinstance(error, RateLimitError):
        return Failure(FailureKind.RATE_LIMITED, str(error), "429")
    if _not_roma(error) and not answered_before:
        return Failure(
            FailureKind.NOT_ROMA,
            f"{base_url} does not look like a ROMA API: {error}",
            "not a ROMA API",
        )
    if isinstance(error, ServerError):
        return Failure(FailureKind.TRANSIENT, str(error), str(error.status_code))
    if isinstance(error, ApiConnectionError):
        return Failure(FailureKind.TRANSIENT, str(error), "connection failure")
    if isinstance(error, RomaError):
        return Failure(FailureKind.TRANSIENT, str(error), type(error).__name__)
    return Failure(FailureKind.LOCAL, f"{type(error).__name__}: {error}", "local error")


def _not_roma(error: BaseException) -> bool:
    if isinstance(error, ApiResponseError):
        return True  # not JSON, or JSON of another shape
    if isinstance(error, NotFoundError):
        # A ROMA server says not_found (hosted) or names the execution; a bare 404 on the
        # list route means the route does not exist here.
        return error.code is None and "execution" not in error.message.lower()
    return isinstance(error, ApiStatusError) and error.status_code in _NOT_AN_API_STATUS
