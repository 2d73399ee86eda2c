"""Reading what a request sends, refusing what the sandbox cannot store or answer.

Everything here turns bad input into a `Problem` (a 400 or 415 with the documented error body)
before anything is stored: text that is not Unicode (lone surrogates), numbers JSON cannot carry
back (NaN, infinities, integers too long to convert), URLs that do not parse, dates that
overflow, and digits that are not ASCII.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

MAX_BODY_BYTES = 1024 * 1024
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")  # ASCII only: "²".isdigit() is True
_SURROGATE = re.compile("[\ud800-\udfff]")


class Problem(Exception):
    """An error answer: HTTP status, error code, message and details."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def _invalid(message: str, field: str | None = None) -> Problem:
    return Problem(400, "invalid_request", message, {"field": field} if field else None)


async def read_body(request: Request) -> bytes:
    """The body (at most 1 MB); a non-empty one must say it is JSON."""
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _invalid("The request body is larger than 1 MB.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise _invalid("The request body is larger than 1 MB.")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if (body or media_type) and media_type != "application/json":
        shown = media_type[:60] or "none"
        raise Problem(
            415,
            "unsupported_media_type",
            f"The request body must be JSON (Content-Type: application/json), not {shown}.",
            {"content_type": shown},
        )
    return bytes(body)


def _refuse_constant(name: str) -> Any:
    raise _invalid(f"The request body holds {name}, which JSON numbers cannot be.")


def json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object whose every string and number can be stored and sent back."""
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _invalid("The request body is not valid JSON.") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise _invalid("The request body holds a number too long to read.") from None
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    check_storable(body, "body")
    return body


def check_storable(value: Any, where: str) -> None:
    """Refuse lone surrogates (not Unicode: they cannot be stored or sent back) and inf floats."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise _invalid(f"{path} holds a lone surrogate (\\ud800-\\udfff): not text.", path)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise _invalid(f"{path} is a number too large to handle.", path)
        elif isinstance(item, dict):
            for key, inner in item.items():
                if _SURROGATE.search(key):
                    raise _invalid(f"A key in {path} holds a lone surrogate: not text.", path)
                stack.append((inner, f"{path}.{key}" if path != "body" else key))
        elif isinstance(item, list):
            stack.extend((inner, path) for inner in item)


def int_param(query: Any, name: str) -> int | None:
    value = query.get(name)
    if value is None:
        return None
    text = value.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise _invalid(f"{name} must be a whole number (ASCII digits 0-9).", name)
    return int(text)


def time_param(query: Any, name: str) -> datetime | None:
    """An ISO 8601 time in UTC; one that only exists outside years 1-9999 in UTC is refused."""
    value = query.get(name)
    if value is None:
        return None
    text = value.strip()
    example = "e.g. 2025-11-11T10:30:00Z"
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise _invalid(f"{name} must be an ISO 8601 date or time ({example}).", name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise _invalid(f"{name} is out of range once converted to UTC ({example}).", name) from None


def check_webhook_url(url: object) -> str | None:
    """The host of an http(s) URL with a valid port; None if there is no URL at all."""
    if url is None:
        return None
    field = "metadata.webhook_url"
    if not isinstance(url, str):
        raise _invalid("webhook_url must be an http(s) URL.", field)
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise _invalid("webhook_url must not hold spaces or control characters.", field)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check: out of range raises
    except ValueError as exc:
        raise _invalid(f"webhook_url is not a valid URL ({exc}).", field) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid("webhook_url must be an http(s) URL.", field)
    if parts.port == 0:
        raise _invalid("webhook_url's port must be from 1 to 65535.", field)
    return parts.hostname
