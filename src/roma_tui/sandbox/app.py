"""The sandbox's HTTP surface: the six endpoints of API.md on Starlette, with its security.

Every response carries a request ID (`X-Request-ID`, and `request_id` in error bodies) and the
caller's `X-RateLimit-*` headers. Bad input of any kind is a 400 with the documented error body;
nothing returns a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..api.dialects import Dialect
from ..api.errors import InvalidRequestError
from ..api.urls import is_loopback
from ..api.validation import check_create, check_execution_id, check_list_params
from .engine import Engine
from .openapi import openapi_document
from .security import FULL, Allowance, ApiKeys, RateLimiter
from .storage import Row
from .webhooks import WebhookSender

MAX_BODY_BYTES = 1024 * 1024
IDEMPOTENCY_WINDOW = 24 * 3600.0
TICK_SECONDS = 0.5


class Problem(Exception):
    """An error answer: HTTP status, error code, message and details."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def _new_request_id() -> str:
    return "req_" + secrets.token_hex(8)


def _error_body(problem: Problem, request_id: str) -> dict[str, Any]:
    error = {"code": problem.code, "message": problem.message, "details": problem.details or {}}
    return {"error": error, "request_id": request_id}


class SandboxApi:
    def __init__(self, engine: Engine, keys: ApiKeys, limiter: RateLimiter) -> None:
        self.engine, self.keys, self.limiter = engine, keys, limiter
        self.webhooks = WebhookSender(engine)

    # -- the frame around every endpoint -------------------------------------------------------

    async def _serve(
        self,
        request: Request,
        action: Callable[[Request, str], Awaitable[tuple[int, Any]]],
        *,
        writes: bool = False,
    ) -> Response:
        request_id = _new_request_id()
        who, allowance, headers = self.account(request)
        headers["X-Request-ID"] = request_id
        try:
            if not allowance.allowed:
                headers["Retry-After"] = str(max(1, allowance.reset_at - int(self.engine.clock())))
                raise Problem(
                    429,
                    "rate_limit_exceeded",
                    "Rate limit exceeded",
                    {"limit": allowance.limit, "remaining": 0, "reset_at": allowance.reset_at},
                )
            if who is None:
                raise Problem(401, "unauthorized", "Missing or invalid API key (X-API-Key).")
            if writes and who[1] != FULL:
                raise Problem(403, "forbidden", "This API key is read-only.")
            self.engine.settle()
            status, body = await action(request, who[0])
        except Problem as problem:
            return JSONResponse(_error_body(problem, request_id), problem.status, headers=headers)
        if isinstance(body, Response):  # an idempotent replay
            body.headers.update(headers)
            return body
        return JSONResponse(body, status, headers=headers)

    def account(self, request: Request) -> tuple[tuple[str, str] | None, Allowance, dict[str, str]]:
        """Who is asking (key digest and role), what it costs them, and the headers saying so."""
        who = self.keys.identify(request.headers.get("x-api-key"))
        bucket = who[0] if who else "anonymous:" + (request.client.host if request.client else "")
        allowance = self.limiter.take(bucket)
        headers = {
            "X-RateLimit-Limit": str(allowance.limit),
            "X-RateLimit-Remaining": str(allowance.remaining),
            "X-RateLimit-Reset": str(allowance.reset_at),
        }
        return who, allowance, headers

    # -- endpoints -----------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        async def action(request: Request, owner: str) -> tuple[int, Any]:
            raw = await _read_body(request)
            return self._idempotent(request, owner, raw, lambda: self._create(raw, owner))

        return await self._serve(request, action, writes=True)

    def _create(self, raw: bytes, owner: str) -> tuple[int, Any]:
        body = _json_object(raw)
        goal = body.get("goal")
        if isinstance(goal, str) and "\x00" in goal:
            raise Problem(
                400,
                "invalid_request",
                "The goal must not contain NUL characters.",
                {"field": "goal"},
            )
        try:
            clean = check_create(
                goal,
                body.get("max_depth"),
                body.get("config_profile"),
                body.get("config_overrides"),
                body.get("metadata"),
            )
        except InvalidRequestError as exc:
            raise Problem(400, "invalid_request", exc.message, exc.details) from None
        self._check_webhook(clean.get("metadata") or {})
        running = self.engine.storage.count_running(owner)
        limit = self.engine.config.max_running_per_key
        if running >= limit:
            raise Problem(
                429,
                "rate_limit_exceeded",
                f"Too many concurrent executions: {running} running (limit {limit}).",
                {
                    "limit": limit,
                    "remaining": 0,
                    "reset_at": None,
                    "concurrent_executions": running,
                },
            )
        row = self.engine.create(owner, clean)
        return 202, self.engine.execution_json(row, with_dag=False)

    def _check_webhook(self, metadata: dict[str, str]) -> None:
        url = metadata.get("webhook_url")
        if url is None:
            return
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Problem(
                400,
                "invalid_request",
                "webhook_url must be an http(s) URL.",
                {"field": "metadata.webhook_url"},
            )
        if not is_loopback(parts.hostname) and not self.engine.config.allow_remote_webhooks:
            raise Problem(
                400,
                "invalid_request",
                "The sandbox only calls loopback webhooks (start it with "
                "--allow-remote-webhooks to change that).",
                {"field": "metadata.webhook_url"},
            )

    async def list(self, request: Request) -> Response:
        async def action(request: Request, owner: str) -> tuple[int, Any]:
            query = request.query_params
            try:
                params = check_list_params(
                    limit=_int_param(query, "limit"),
                    offset=_int_param(query, "offset"),
                    status=query.get("status"),
                    profile=query.get("profile"),
                    created_after=query.get("created_after"),
                    created_before=query.get("created_before"),
                    sort=query.get("sort"),
                    order=query.get("order"),
                )
            except InvalidRequestError as exc:
                raise Problem(400, "invalid_request", exc.message, exc.details) from None
            limit, offset = int(params.get("limit", 20)), int(params.get("offset", 0))
            rows, total = self.engine.storage.page(
                limit=limit,
                offset=offset,
                status=params.get("status"),
                profile=params.get("profile"),
                created_after=_epoch(params.get("created_after")),
                created_before=_epoch(params.get("created_before")),
                sort=params.get("sort", "created_at"),
                order=params.get("order", "desc"),
            )
            return 200, {
                "data": [self.engine.execution_json(r, with_dag=False) for r in rows],
                "pagination": {
                    "total": total,
                    "limit": limit,
                    "offset": offset,
                    "has_more": offset + len(rows) < total,
                },
            }

        return await self._serve(request, action)

    def _row(self, request: Request) -> Row:
        try:
            execution_id = check_execution_id(request.path_params["execution_id"], Dialect.HOSTED)
        except InvalidRequestError as exc:
            raise Problem(400, "invalid_request", exc.message, exc.details) from None
        row = self.engine.storage.get(execution_id)
        if row is None:
            raise Problem(404, "not_found", f"Execution {execution_id} not found.")
        return row

    async def get(self, request: Request) -> Response:
        async def action(request: Request, owner: str) -> tuple[int, Any]:
            return 200, self.engine.execution_json(self._row(request), with_dag=True)

        return await self._serve(request, action)

    async def status(self, request: Request) -> Response:
        async def action(request: Request, owner: str) -> tuple[int, Any]:
            return 200, self.engine.status_json(self._row(request))

        return await self._serve(request, action)

    async def dag(self, request: Request) -> Response:
        async def action(request: Request, owner: str) -> tuple[int, Any]:
            return 200, self.engine.dag_json(self._row(request))

        return await self._serve(request, action)

    async def cancel(self, request: Request) -> Response:
        async def action(request: Request, owner: str) -> tuple[int, Any]:
            raw = await _read_body(request)
            return self._idempotent(request, owner, raw, lambda: self._cancel(request))

        return await self._serve(request, action, writes=True)

    def _cancel(self, request: Request) -> tuple[int, Any]:
        row = self._row(request)
        cancelled = self.engine.cancel(row) if row.status == "running" else None
        if cancelled is None:
            current = self.engine.storage.get(row.id) or row
            raise Problem(
                400,
                "invalid_operation",
                f"Cannot cancel execution in {current.status} state.",
                {"status": current.status},
            )
        return 200, {
            "execution_id": cancelled.id,
            "status": "cancelled",
            "cancelled_at": self.engine.execution_json(cancelled, with_dag=False)["cancelled_at"],
        }

    # -- idempotency ---------------------------------------------------------------------------

    def _idempotent(
        self, request: Request, owner: str, raw: bytes, produce: Callable[[], tuple[int, Any]]
    ) -> tuple[int, Any]:
        """Same key and same request within 24 h: the original answer. Another request: 400."""
        key = request.headers.get("x-idempotency-key")
        if key is None:
            return produce()
        if not 1 <= len(key) <= 255:
            raise Problem(400, "invalid_request", "X-Idempotency-Key must be 1-255 characters.")
        storage = self.engine.storage
        fingerprint = hashlib.sha256(
            request.method.encode() + b" " + request.url.path.encode() + b"\n" + raw
        ).hexdigest()
        now = self.engine.clock()
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
                    json.dumps(_error_body(problem, "replayed")),
                    now,
                )
            raise
        storage.remember_reply(owner, key, fingerprint, status, json.dumps(body), now)
        return status, body

    # -- background work -----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(self._tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.webhooks.close()

    async def _tick(self) -> None:
        """Finish runs whose time came, note that we are alive, send webhooks."""
        while True:
            try:
                self.engine.settle()
                self.engine.heartbeat()
                self.webhooks.send_pending()
            except Exception:
                pass
            await asyncio.sleep(TICK_SECONDS)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Problem(400, "invalid_request", "The request body is larger than 1 MB.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise Problem(400, "invalid_request", "The request body is larger than 1 MB.")
    return bytes(body)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise Problem(400, "invalid_request", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise Problem(400, "invalid_request", "The request body must be a JSON object.")
    return body


def _int_param(query: Any, name: str) -> int | None:
    value = query.get(name)
    if value is None:
        return None
    text = value.strip()
    if not (text.isdigit() or (text.startswith("-") and text[1:].isdigit())) or len(text) > 12:
        raise Problem(400, "invalid_request", f"{name} must be a whole number.", {"field": name})
    return int(text)


def _epoch(value: str | None) -> float | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def build_app(api: SandboxApi) -> Starlette:
    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        codes = {
            404: ("not_found", "No such endpoint."),
            405: ("invalid_request", "Method not allowed on this endpoint."),
        }
        code, message = codes.get(status, ("internal_error", "Internal server error."))
        request_id = _new_request_id()
        headers = {"X-Request-ID": request_id}
        if status < 500:  # a wrong path costs a request like any other
            headers |= api.account(request)[2]
        return JSONResponse(
            _error_body(Problem(status, code, message), request_id), status, headers=headers
        )

    async def spec(request: Request) -> Response:
        return JSONResponse(openapi_document())

    prefix = "/api/v1/executions"
    routes = [
        Route(prefix, api.create, methods=["POST"]),
        Route(prefix, api.list, methods=["GET"]),
        Route(prefix + "/{execution_id}", api.get, methods=["GET"]),
        Route(prefix + "/{execution_id}/status", api.status, methods=["GET"]),
        Route(prefix + "/{execution_id}/cancel", api.cancel, methods=["POST"]),
        Route(prefix + "/{execution_id}/dag", api.dag, methods=["GET"]),
        Route("/openapi.json", spec, methods=["GET"]),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "X-API-Key", "X-Idempotency-Key"],
            expose_headers=[
                "X-Request-ID",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "Retry-After",
            ],
        ),
        Middleware(GZipMiddleware, minimum_size=500),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: not_found, Exception: not_found},
        lifespan=api.lifespan,
    )
