"""The typed errors of the ROMA client.

Every failure a caller can meet derives from `RomaError`, and every message is written for a
person: what happened, and the request ID support will ask for. No message ever contains the
API key (the client never puts request headers into an error).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class RomaError(Exception):
    """Base of every error raised by roma_tui.api."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.rate_limit: Any = None  # the RateLimit the answer's headers told, when one came

    def __str__(self) -> str:
        if self.request_id:
            return f"{self.message} (request ID {self.request_id})"
        return self.message


class ClientSetupError(RomaError):
    """No connection could be set up from this environment: a proxy variable httpx cannot use,
    or a CA file or folder (SSL_CERT_FILE, SSL_CERT_DIR) that cannot be read."""


class ApiConnectionError(RomaError):
    """The server could not be reached, or the connection dropped before the answer was whole."""

    # False when no connection was made at all (refused, unresolvable, connect timeout): the
    # server never saw the request, so it cost nothing of its rate limit.
    reached_server = True


class ApiTimeoutError(ApiConnectionError):
    """The server did not answer within the timeout."""


class ApiResponseError(RomaError):
    """The server answered, but not with something we can read (bad JSON, wrong shape, too big)."""

    def __init__(
        self, message: str, *, status_code: int | None = None, request_id: str | None = None
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.status_code = status_code


class ApiStatusError(RomaError):
    """The server answered with an HTTP error status."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        details: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.status_code = status_code
        self.code = code
        self.details = details
        self.client_side = False  # True when our own checks refused it before sending

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class InvalidRequestError(ApiStatusError):
    """400: the request was refused as invalid (also raised before sending, by our own checks)."""


class AuthenticationError(ApiStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(ApiStatusError):
    """403: the key may not do this (e.g. a read-only key asked to cancel)."""


class NotFoundError(ApiStatusError):
    """404: no such execution (or no such route on this server)."""


class RateLimitError(ApiStatusError):
    """429: the rate limit is spent; `reset_at` says when it comes back, if the server said."""

    def __init__(self, message: str, *, reset_at: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reset_at = reset_at


class ServerError(ApiStatusError):
    """5xx: the server failed."""


_BY_STATUS: dict[int, type[ApiStatusError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: InvalidRequestError,  # the upstream (FastAPI) server's validation errors
    429: RateLimitError,
}

# What a person should read when the server gave no message of its own.
_PLAIN_WORDS: dict[int, str] = {
    400: "The server refused the request as invalid",
    401: "The API key was refused (missing, wrong or revoked)",
    403: "This API key is not allowed to do that (is it a read-only key?)",
    404: "Not found",
    422: "The server refused the request as invalid",
    429: "Rate limit reached",
    500: "The server failed with an internal error",
    502: "The server's gateway failed (502)",
    503: "The service is unavailable for now (503)",
    504: "The server's gateway timed out (504)",
}


def error_class_for(status_code: int) -> type[ApiStatusError]:
    if status_code in _BY_STATUS:
        return _BY_STATUS[status_code]
    if status_code >= 500:
        return ServerError
    return ApiStatusError


def plain_words_for(status_code: int) -> str:
    if status_code in _PLAIN_WORDS:
        return _PLAIN_WORDS[status_code]
    return f"The server answered HTTP {status_code}"
