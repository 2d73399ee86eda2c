"""One HTTP exchange, turned into decoded JSON or a typed error. No retries here (see client).

This is where httpx's exceptions and the servers' error bodies (both dialects) become the
`RomaError` hierarchy, and where the response's request ID and rate-limit headers are read.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ..safetext import one_line
from .errors import (
    ApiConnectionError,
    ApiResponseError,
    ApiStatusError,
    ApiTimeoutError,
    RateLimitError,
    error_class_for,
    plain_words_for,
)
from .models import parse_timestamp
from .ratelimit import RateLimit, parse_rate_limit

# Words for httpx's timeouts: a message may be cut for display, a class name must not be.
_TIMEOUT_WORDS: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connecting took too long",
    httpx.ReadTimeout: "no answer",
    httpx.WriteTimeout: "sending took too long",
    httpx.PoolTimeout: "no free connection",
}
log = logging.getLogger(__name__)
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id", "x-amzn-requestid")
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# What a server's echo of the API key becomes, in any answer (an error's message, a goal...):
# the key never shows, whoever wrote it. Plain ASCII with nothing JSON would escape.
KEY_SHOWN_AS = "<API key>"
_MIN_KEY_MASKED = 8  # a key this short would mask ordinary words


@dataclass
class Reply:
    """A decoded response: its JSON, status, request ID and the rate-limit state it told."""

    payload: Any
    status_code: int
    request_id: str | None
    rate_limit: RateLimit


def _key_sent(request: httpx.Request) -> str | None:
    key = request.headers.get("x-api-key")
    return key if key and len(key) >= _MIN_KEY_MASKED else None


def _masked(text: str | None, key: str | None) -> str | None:
    return text.replace(key, KEY_SHOWN_AS) if text and key else text


def _request_id_from_headers(response: httpx.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return one_line(value, 100)
    return None


def _request_id_from_body(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    for holder in (payload, payload.get("error"), payload.get("meta")):
        if isinstance(holder, dict):
            value = holder.get("request_id")
            if isinstance(value, str) and value:
                return one_line(value, 100)
    return None


async def exchange(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> Reply:
    """Send `request`; return its reply, or raise the typed error that describes the failure."""
    where = f"{request.url.host}:{request.url.port}" if request.url.port else request.url.host
    what = f"{request.method} {request.url.path}"
    key = _key_sent(request)
    try:
        response = await http.send(request, stream=True)
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > max_response_bytes:
                    raise ApiResponseError(
                        f"The answer to {what} is larger than "
                        f"{max_response_bytes // (1024 * 1024)} MB; it was not read.",
                        status_code=response.status_code,
                        request_id=_masked(_request_id_from_headers(response), key),
                    )
        finally:
            await response.aclose()
    except httpx.TimeoutException as exc:
        timeout = ApiTimeoutError(
            f"{where} did not answer {what} in time ({_TIMEOUT_WORDS.get(type(exc), 'timed out')})."
        )
        timeout.reached_server = not isinstance(exc, httpx.ConnectTimeout)
        raise timeout from None
    except httpx.ConnectError as exc:
        said = _masked(one_line(exc, 160), key) or "connection refused"
        refused = ApiConnectionError(f"Cannot connect to {where}: {said}.")
        refused.reached_server = False
        raise refused from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        # httpx quotes the bytes it could not parse: a broken status line may hold an echo.
        said = _masked(one_line(exc, 120), key) or type(exc).__name__
        raise ApiConnectionError(
            f"The connection to {where} dropped before the answer to {what} was complete ({said})."
        ) from None
    except httpx.DecodingError:
        raise ApiResponseError(
            f"The answer to {what} could not be decompressed.",
        ) from None
    except httpx.HTTPError as exc:
        said = _masked(one_line(exc, 160), key) or type(exc).__name__
        raise ApiConnectionError(f"The request {what} to {where} failed: {said}.") from None
    # httpx's own request line would quote the reason phrase, which a server may fill with
    # anything (the key included): this one says the status code only.
    log.info("%s %s: %d", request.method, request.url, response.status_code)

    now = datetime.now(UTC)
    rate_limit = parse_rate_limit(response.headers, now)
    header_request_id = _masked(_request_id_from_headers(response), key)
    if key is not None and key.encode() in body:  # one C scan of the bytes, before decoding
        body = body.replace(key.encode(), KEY_SHOWN_AS.encode())
    payload, decode_problem = _decode(bytes(body))
    request_id = _request_id_from_body(payload) or header_request_id

    if 300 <= response.status_code < 400:
        redirect = ApiResponseError(
            _masked(_redirect_message(request, response), key) or "",
            status_code=response.status_code,
            request_id=request_id,
        )
        redirect.rate_limit = rate_limit  # the server counted it: the budget says so
        raise redirect
    if response.status_code >= 400:
        error = status_error(response.status_code, payload, request_id, rate_limit, now)
        error.rate_limit = rate_limit
        raise error
    if decode_problem:
        if "html" in response.headers.get("content-type", "").lower():
            decode_problem = "it is an HTML page: a web server, not the API"
        unreadable = ApiResponseError(
            f"The answer to {what} is not valid JSON ({decode_problem}).",
            status_code=response.status_code,
            request_id=request_id,
        )
        unreadable.rate_limit = rate_limit  # its headers were readable: the budget says so
        raise unreadable
    return Reply(payload, response.status_code, request_id, rate_limit)


def _redirect_message(request: httpx.Request, response: httpx.Response) -> str:
    what = f"{request.method} {request.url.path}"
    location = response.headers.get("location")
    if not location:
        return (
            f"The server answered {what} with a redirect (HTTP {response.status_code}) "
            "without saying where to; not followed (check the URL)."
        )
    try:
        target = request.url.join(location)
        shown = f"{target.host}{target.path}" if target.host else target.path
    except httpx.InvalidURL:
        shown = location
    return f"The server redirected {what} to {one_line(shown, 120)}; not followed (check the URL)."


def _decode(body: bytes) -> tuple[Any, str | None]:
    if not body.strip():
        return None, "the body is empty"
    try:
        return json.loads(body), None
    except UnicodeDecodeError:  # a ValueError too: caught before the generic case below
        return None, "the body is not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, one_line(exc, 100)
    except RecursionError:
        return None, "it is nested too deeply"
    except ValueError:  # int() refuses a number of more than 4,300 digits
        return None, "it holds a number too large to read"


def _error_fields(payload: Any) -> tuple[str | None, str | None, Any]:
    """(code, message, details) from either dialect's error body."""
    if not isinstance(payload, dict):
        return None, None, None
    error = payload.get("error")
    if isinstance(error, dict):  # hosted: {"error": {code, message, details}}
        code = error.get("code") if isinstance(error.get("code"), str) else None
        return code, _text(error.get("message")), error.get("details")
    detail = payload.get("detail")
    if isinstance(detail, list):  # upstream 422: [{loc, msg, type}]
        parts = []
        for item in detail[:5]:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                parts.append(f"{loc}: {item.get('msg')}" if loc else str(item.get("msg")))
        return "invalid_request", "; ".join(parts) or None, detail
    if isinstance(error, str):  # upstream 500 / 429: {"error": "text", "detail": ...}
        extra = _text(detail)
        return None, f"{error}: {extra}" if extra else error, None
    return None, _text(detail), None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return one_line(value if isinstance(value, str) else json.dumps(value, default=str), 300)


def status_error(
    status_code: int, payload: Any, request_id: str | None, rate_limit: RateLimit, now: datetime
) -> ApiStatusError:
    code, server_message, details = _error_fields(payload)
    plain = plain_words_for(status_code)
    message = f"{plain}: {one_line(server_message, 300)}" if server_message else plain + "."
    cls = error_class_for(status_code)
    if cls is RateLimitError:
        reset_at = None
        if isinstance(details, dict):
            reset_at = parse_timestamp(details.get("reset_at"))
        reset_at = reset_at or rate_limit.reset_at
        if reset_at is None and rate_limit.retry_after is not None:
            reset_at = now + timedelta(seconds=rate_limit.retry_after)
        if reset_at is not None:
            message = (
                message.rstrip(".")
                + f". It resets at {reset_at.astimezone().strftime('%H:%M:%S')}."
            )
        return RateLimitError(
            message,
            reset_at=reset_at,
            status_code=status_code,
            code=code or "rate_limit_exceeded",
            details=details,
            request_id=request_id,
        )
    return cls(message, status_code=status_code, code=code, details=details, request_id=request_id)
