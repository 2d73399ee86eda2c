"""ASGI layers around the API: injected faults (`--faults`) and redirects that stay relative.

Faults let a user rehearse an incident against the sandbox: each API request draws from a
seeded RNG and may get a 500, a 503, a 429, an HTML page (what a misconfigured proxy returns),
a slow answer, or a dropped connection. A faulted request counts against the rate limit like
any other request.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FAULT_KINDS = ("500", "503", "429", "html", "slow", "drop")
SLOW_SECONDS = 3.0
RETRY_AFTER = "5"
_HTML = (
    b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>"
    b"<h1>It works!</h1><p>This is the default page of a web server.</p></body></html>"
)


def parse_faults(text: str) -> tuple[dict[str, float], float]:
    """'500:0.1,503:0.05,slow=2:0.05' -> ({kind: probability}, seconds of a slow answer)."""
    faults: dict[str, float] = {}
    slow = SLOW_SECONDS
    usage = f"write KIND:P,... with KIND one of {', '.join(FAULT_KINDS)} (slow=SECONDS:P)"
    for item in text.split(","):
        name, sep, chance = item.strip().partition(":")
        kind, _, seconds = name.strip().partition("=")
        kind = kind.strip().lower()
        if not sep or kind not in FAULT_KINDS or (seconds and kind != "slow"):
            raise ValueError(f"{item.strip()!r} is not a fault: {usage}")
        if kind in faults:
            raise ValueError(f"fault {kind!r} is given twice")
        faults[kind] = _number(chance, f"the probability of {kind}", 0.0, 1.0)
        if seconds:
            slow = _number(seconds, "the delay of slow", 0.0, 600.0)
    check_faults(faults)
    return faults, slow


def check_faults(faults: dict[str, float]) -> None:
    """Known kinds, probabilities from 0 to 1 that add up to at most 1; ValueError if not."""
    for kind, chance in faults.items():
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}: use {', '.join(FAULT_KINDS)}")
        _number(str(chance), f"the probability of {kind}", 0.0, 1.0)
    if sum(faults.values()) > 1.0 + 1e-9:
        raise ValueError(f"the probabilities add up to {sum(faults.values()):g}, more than 1")


def _number(text: str, what: str, low: float, high: float) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # NaN fails too
        raise ValueError(f"{what} must be a number from {low:g} to {high:g}, not {text.strip()!r}")
    return value


class FaultMiddleware:
    """Draws a fault for each request under /api/; answers it, or passes the request on."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: dict[str, float],
        slow_seconds: float,
        seed: str,
        account: Callable[[Request], tuple[Any, Any, dict[str, str]]],
    ) -> None:
        self.app, self.faults, self.slow_seconds = app, faults, slow_seconds
        self.account = account
        self._rng = random.Random(f"{seed}:faults")

    def draw(self) -> str | None:
        roll = self._rng.random()
        for kind in FAULT_KINDS:
            roll -= self.faults.get(kind, 0.0)
            if roll < 0:
                return kind
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        kind = self.draw()
        if kind is None:
            await self.app(scope, receive, send)
            return
        if kind == "slow":
            await asyncio.sleep(self.slow_seconds)
            await self.app(scope, receive, send)
            return
        _, allowance, headers = self.account(Request(scope, receive))
        if not allowance.allowed:  # the real 429 is the truer answer
            await self.app(scope, receive, send)
            return
        if kind == "drop":
            await _drop(scope, receive, send)
            return
        if kind == "html":
            await _send(send, 200, _HTML, {"content-type": "text/html; charset=utf-8"})
            return
        request_id = "req_" + secrets.token_hex(8)
        headers["X-Request-ID"] = request_id
        status, code, message = {
            "500": (500, "internal_error", "Internal server error"),
            "503": (503, "service_unavailable", "Service unavailable"),
            "429": (429, "rate_limit_exceeded", "Rate limit exceeded"),
        }[kind]
        details: dict[str, Any] = {"injected_fault": kind}
        if kind == "429":
            details |= {
                "limit": allowance.limit,
                "remaining": allowance.remaining,
                "reset_at": allowance.reset_at,
            }
        if kind in ("503", "429"):
            headers["Retry-After"] = RETRY_AFTER
        error = {
            "code": code,
            "message": f"{message} (fault injected by --faults).",
            "details": details,
        }
        body = json.dumps({"error": error, "request_id": request_id}).encode()
        await _send(send, status, body, {"content-type": "application/json", **headers})


async def _send(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _drop(scope: Scope, receive: Receive, send: Send) -> None:
    """Close the connection with no answer at all: the client sees it dropped."""
    # uvicorn's receive is a method of the request's cycle, which holds the connection.
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:  # another server: start an answer and never finish it
        await send({"type": "http.response.start", "status": 200, "headers": []})
        return
    transport.abort()
    while (await receive())["type"] != "http.disconnect":
        pass


class RelativeRedirects:
    """Redirects (the trailing-slash one) point at a path, never at the Host header's value."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message["headers"] = [
                    (name, _path_only(value) if name.lower() == b"location" else value)
                    for name, value in message["headers"]
                ]
            await send(message)

        await self.app(scope, receive, relative)


def _path_only(location: bytes) -> bytes:
    parts = urlsplit(location.decode("latin-1"))
    path = "/" + parts.path.lstrip("/")  # one slash: "//host/..." would name a host again
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")
