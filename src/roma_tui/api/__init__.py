"""The wire: models of the ROMA API, the async client, typed errors. No Textual here.

The names below are loaded on first use (PEP 562), so that `from roma_tui.api.validation import
STATUSES` (the CLI's parser) does not import httpx and pydantic; `from roma_tui.api import
RomaClient` works as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .client import RomaClient
    from .dialects import Dialect
    from .errors import (
        ApiConnectionError,
        ApiResponseError,
        ApiStatusError,
        ApiTimeoutError,
        AuthenticationError,
        ClientSetupError,
        InvalidRequestError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RomaError,
        ServerError,
    )
    from .models import (
        FINISHED_STATUSES,
        CancelResult,
        Dag,
        DagStats,
        Edge,
        ErrorBody,
        ErrorDetail,
        Execution,
        ExecutionPage,
        ExecutionStatus,
        Metadata,
        Node,
        NodeStatus,
        Pagination,
        Status,
    )
    from .ratelimit import RateLimit
    from .urls import InsecureTransportError, check_base_url, is_loopback
    from .validation import EXECUTION_ID, PROFILES, SORT_FIELDS, STATUSES

# Each exported name, and the submodule that defines it.
_SOURCES = {
    "RomaClient": "client",
    "Dialect": "dialects",
    **dict.fromkeys(
        (
            "ApiConnectionError",
            "ApiResponseError",
            "ApiStatusError",
            "ApiTimeoutError",
            "AuthenticationError",
            "ClientSetupError",
            "InvalidRequestError",
            "NotFoundError",
            "PermissionDeniedError",
            "RateLimitError",
            "RomaError",
            "ServerError",
        ),
        "errors",
    ),
    **dict.fromkeys(
        (
            "FINISHED_STATUSES",
            "CancelResult",
            "Dag",
            "DagStats",
            "Edge",
            "ErrorBody",
            "ErrorDetail",
            "Execution",
            "ExecutionPage",
            "ExecutionStatus",
            "Metadata",
            "Node",
            "NodeStatus",
            "Pagination",
            "Status",
        ),
        "models",
    ),
    "RateLimit": "ratelimit",
    **dict.fromkeys(("InsecureTransportError", "check_base_url", "is_loopback"), "urls"),
    **dict.fromkeys(("EXECUTION_ID", "PROFILES", "SORT_FIELDS", "STATUSES"), "validation"),
}

__all__ = [
    "EXECUTION_ID",
    "FINISHED_STATUSES",
    "PROFILES",
    "SORT_FIELDS",
    "STATUSES",
    "ApiConnectionError",
    "ApiResponseError",
    "ApiStatusError",
    "ApiTimeoutError",
    "AuthenticationError",
    "CancelResult",
    "ClientSetupError",
    "Dag",
    "DagStats",
    "Dialect",
    "Edge",
    "ErrorBody",
    "ErrorDetail",
    "Execution",
    "ExecutionPage",
    "ExecutionStatus",
    "InsecureTransportError",
    "InvalidRequestError",
    "Metadata",
    "Node",
    "NodeStatus",
    "NotFoundError",
    "Pagination",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RomaClient",
    "RomaError",
    "ServerError",
    "Status",
    "check_base_url",
    "is_loopback",
]

if not TYPE_CHECKING:  # mypy reads the imports above; a module __getattr__ would hide typos

    def __getattr__(name: str) -> object:
        source = _SOURCES.get(name)
        if source is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{source}"), name)
        globals()[name] = value  # once: later lookups do not come back here
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
