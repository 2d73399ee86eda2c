"""The sandbox's HTTP surface: the six endpoints of API.md on Starlette, with its security.

Every response carries a request ID (`X-Request-ID`, and `request_id` in error bodies) and the
caller's `X-RateLimit-*` headers. Bad input of any kind is a 400 with the documented error body;
nothing returns a traceback. Database work runs on one thread of its own (`run_db`), so a file
locked by another process never stalls the event loop: it answers 503 after a short wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

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
from .inputs import (
    Problem,
    check_webhook_url,
    int_param,
    json_object,
    read_body,
    time_param,
)
from .middleware import FaultMiddleware, RelativeRedirects
from .openapi import openapi_document
from .replies import commit_write, json_response
from .replies import error_body as _error_body
from .security import FULL, Allowance, ApiKeys, RateLimiter
from .storage import Row, is_busy
from .webhooks import Delivery, WebhookSender

TICK_SECONDS = 0.5
BUSY_RETRY_AFTER = "1"
log = logging.getLogger("roma_tui.sandbox")
T = TypeVar("T")


def _new_request_id() -> str:
    return "req_" + secrets.token_hex(8)


class SandboxApi:
    def __init__(self, engine: Engine, keys: ApiKeys, limiter: RateLimiter) -> None:
        self.engine, self.keys, self.limiter = engine, keys, limiter
        # One thread does all database work, in order: the event loop never waits on SQLite.
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="roma-sandbox-db")
        self.webhooks = WebhookSender(engine, self.run_db)
        self.faults: dict[str, float] = {}  # kind -> probability (`--faults`)
        self.slow_seconds = 3.0
        self._last_tick_error = ""

    async def run_db(self, work: Callable[[], T]) -> T:
        """Run `work` on the database thread; a busy database is a 503, a broken one a 500."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._db_thread, work)
        except sqlite3.Error as exc:
            if is_busy(exc):
                raise Problem(
                    503,
                    "service_unavailable",
                    "The sandbox database is busy (locked by another process); try again shortly.",
                ) from None
            log.exception("sandbox database error")
            raise Problem(500, "internal_error", "The sandbox database failed.") from None

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
            await self.run_db(self.engine.settle)
            status, body = await action(request, who[0])
            if not isinstance(body, Response):
                body = json_response(body, status)
        except Problem as problem:
            if problem.status == 503:
                headers["Retry-After"] = BUSY_RETRY_AFTER
            return JSONResponse(_error_body(problem, request_id), problem.status, headers=headers)
        except Exception:
            log.exception("sandbox request %s failed", request_id)
            failure = Problem(500, "internal_error", "Internal server error.")
            return JSONResponse(_error_body(failure, request_id), 500, headers=headers)
        body.headers.update(headers)
        return body

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
        return await self._serve_write(request, self._create)

    async def _serve_write(
        self, request: Request, write: Callable[[bytes, str], tuple[int, Any]]
    ) -> Response:
        """A write: its body read, then `write(body, owner)` committed on the database thread
        (with its idempotency key, see `commit_write`)."""

        async def action(request: Request, owner: str) -> tuple[int, Any]:
            raw = await read_body(request)
            return await self.run_db(
                lambda: commit_write(
                    self.engine.storage,
                    request,
                    owner,
                    raw,
                    self.engine.clock(),
                    lambda: write(raw, owner),
                )
            )

        return await self._serve(request, action, writes=True)

    def _create(self, raw: bytes, owner: str) -> tuple[int, Any]:
        body = json_object(raw)
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
        hostname = check_webhook_url(metadata.get("webhook_url"))
        if hostname is None:
            return
        if not is_loopback(hostname) and not self.engine.config.allow_remote_webhooks:
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
            after, before = time_param(query, "created_after"), time_param(query, "created_before")
            try:
                params = check_list_params(
                    limit=int_param(query, "limit"),
                    offset=int_param(query, "offset"),
                    status=query.get("status"),
                    profile=query.get("profile"),
                    created_after=after,
                    created_before=before,
                    sort=query.get("sort"),
                    order=query.get("order"),
                )
            except InvalidRequestError as exc:
                raise Problem(400, "invalid_request", exc.message, exc.details) from None
            return await self.run_db(lambda: self._page(params, after, before))

        return await self._serve(request, action)

    def _page(
        self, params: dict[str, str], after: datetime | None, before: datetime | None
    ) -> tuple[int, Any]:
        limit, offset = int(params.get("limit", 20)), int(params.get("offset", 0))
        rows, total = self.engine.storage.page(
            limit=limit,
            offset=offset,
            status=params.get("status"),
            profile=params.get("profile"),
            created_after=after.timestamp() if after else None,
            created_before=before.timestamp() if before else None,
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
            return 200, await self.run_db(
                lambda: self.engine.execution_json(self._row(request), with_dag=True)
            )

        return await self._serve(request, action)

    async def status(self, request: Request) -> Response:
        async def action(request: Request, owner: str) -> tuple[int, Any]:
            return 200, await self.run_db(lambda: self.engine.status_json(self._row(request)))

        return await self._serve(request, action)

    async def dag(self, request: Request) -> Response:
        async def action(request: Request, owner: str) -> tuple[int, Any]:
            return 200, await self.run_db(lambda: self.engine.dag_json(self._row(request)))

        return await self._serve(request, action)

    async def cancel(self, request: Request) -> Response:
        return await self._serve_write(request, lambda _raw, _owner: self._cancel(request))

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
            self._db_thread.shutdown(wait=True)

    async def _tick(self) -> None:
        """Finish runs whose time came, note that we are alive, send webhooks."""
        while True:
            try:
                self.webhooks.start(await self.run_db(self._background_work))
                self._last_tick_error = ""
            except Exception as exc:
                # Logged once per kind of failure, not every half second while it lasts.
                text = f"{type(exc).__name__}: {exc}"
                if text != self._last_tick_error:
                    log.warning("sandbox background work failed: %s", text, exc_info=exc)
                self._last_tick_error = text
            await asyncio.sleep(TICK_SECONDS)

    def _background_work(self) -> Sequence[Delivery]:
        self.engine.settle()
        self.engine.heartbeat()
        return self.webhooks.collect()


def build_app(api: SandboxApi) -> Starlette:
    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        codes = {
            404: ("not_found", "No such endpoint."),
            405: ("invalid_request", "Method not allowed on this endpoint."),
        }
        code, message = codes.get(status, ("internal_error", "Internal server error."))
        request_id = _new_request_id()
        if status >= 500:
            log.error("sandbox request %s failed", request_id, exc_info=exc)
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
    middleware.insert(0, Middleware(RelativeRedirects))
    if any(api.faults.values()):
        faults = Middleware(
            FaultMiddleware,
            faults=api.faults,
            slow_seconds=api.slow_seconds,
            seed=api.engine.config.seed,
            account=api.account,
        )
        middleware.insert(0, faults)
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: not_found, Exception: not_found},
        lifespan=api.lifespan,
    )
