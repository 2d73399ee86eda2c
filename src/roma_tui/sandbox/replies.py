"""Writes and their answers: idempotent replays, all-or-nothing commits, JSON that always renders.

A write (the row, its remembered idempotent reply) and its rendered answer commit together: a
row whose answer cannot be made is rolled back, so it can never break later reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .inputs import Problem
from .storage import Storage

IDEMPOTENCY_WINDOW = 24 * 3600.0
Produce = Callable[[], tuple[int, Any]]


def error_body(problem: Problem, request_id: str) -> dict[str, Any]:
    error = {"code": problem.code, "message": problem.message, "details": problem.details or {}}
    return {"error": error, "request_id": request_id}


def render(body: Any) -> bytes:
    """JSON as Starlette renders it; text that is not Unicode goes out escaped, not as a 500."""
    try:
        text = json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, allow_nan=False, separators=(",", ":")).encode("ascii")


def json_response(body: Any, status: int) -> Response:
    return Response(render(body), status, media_type="application/json")


def commit_write(
    storage: Storage, request: Request, owner: str, raw: bytes, now: float, produce: Produce
) -> tuple[int, Response]:
    """Run a write; it, its remembered reply and its rendered answer commit, or nothing does."""
    refused: Problem | None = None
    with storage.transaction():
        try:
            status, body = idempotent(storage, request, owner, raw, now, produce)
        except Problem as problem:  # a definite refusal: commit its remembered reply
            refused = problem
        else:
            if not isinstance(body, Response):
                body = json_response(body, status)  # may raise: then nothing is stored
    if refused is not None:
        raise refused
    return status, body


def idempotent(
    storage: Storage, request: Request, owner: str, raw: bytes, now: float, produce: Produce
) -> tuple[int, Any]:
    """Same key and same request within 24 h: the original answer. Another request: 400."""
    key = request.headers.get("x-idempotency-key")
    if key is None:
        return produce()
    if not 1 <= len(key) <= 255:
        raise Problem(400, "invalid_request", "X-Idempotency-Key must be 1-255 characters.")
    fingerprint = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + raw
    ).hexdigest()
    found = storage.idempotent_reply(owner, key, now - IDEMPOTENCY_WINDOW)
    if found is not None:
        stored_fingerprint, status, body = found
        if stored_fingerprint != fingerprint:
            raise Problem(
                400,
                "invalid_request",
                "This X-Idempotency-Key was used with a different request.",
            )
        replay = Response(
            body, status, media_type="application/json", headers={"Idempotent-Replayed": "true"}
        )
        return status, replay
    try:
        status, body = produce()
    except Problem as problem:
        if problem.status in (400, 404):  # a definite answer: the same key gets it again
            storage.remember_reply(
                owner,
                key,
                fingerprint,
                problem.status,
                json.dumps(error_body(problem, "replayed")),
                now,
            )
        raise
    storage.remember_reply(owner, key, fingerprint, status, json.dumps(body), now)
    return status, body
