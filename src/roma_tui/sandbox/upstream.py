"""The sandbox in the upstream dialect: the open-source ROMA server's routes, errors and limits.

`roma-tui sandbox --dialect upstream` serves the same simulated runs as the hosted dialect, the
way the real `roma_dspy` FastAPI app answers (DIALECTS.md, upstream-recorded/): the list
envelope ordered by experiment then newest first (sort and time filters ignored), `limit` 1-1000,
`{"detail": "..."}` errors and FastAPI's 422 lists, no `/dag` route, `/health` outside the API
prefix, no API key, and 60 requests a minute per client IP by default. Cancel refuses runs this
server process did not start (the seeded ones), as the real server does after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import upstream_shapes as shapes
from .engine import Engine
from .storage import Row
from .upstream_config import SOLVER_VERSION, experiment_of

API = "/api/v1"
MAX_BODY_BYTES = 1024 * 1024
TICK_SECONDS = 0.5
_TRUE, _FALSE = {"true", "1", "yes", "on", "t", "y"}, {"false", "0", "no", "off", "f", "n"}


class SlidingLimiter:
    """The upstream middleware's limit: at most N requests in any window, per client IP."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.time) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> tuple[bool, int, int]:
        """(allowed, remaining, reset) for one more request from `client`."""
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(client, deque())
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                return False, 0, int(now + self.window)
            seen.append(now)
            return True, self.limit - len(seen), int(now + self.window)


class Invalid(Exception):
    """A request FastAPI would refuse with 422: the list of what is wrong."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("validation error")
        self.errors = errors


def _detail(status: int, text: str) -> JSONResponse:
    return JSONResponse({"detail": text}, status)


def _query_int(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    loc = ["query", name]
    try:
        value = int(raw.strip())
    except ValueError:
        msg = "Input should be a valid integer, unable to parse string as an integer"
        raise Invalid([{"type": "int_parsing", "loc": loc, "msg": msg, "input": raw}]) from None
    if value < low:
        msg = f"Input should be greater than or equal to {low}"
        error = {"type": "greater_than_equal", "loc": loc, "msg": msg, "input": raw}
        raise Invalid([error | {"ctx": {"ge": low}}])
    if high is not None and value > high:
        msg = f"Input should be less than or equal to {high}"
        error = {"type": "less_than_equal", "loc": loc, "msg": msg, "input": raw}
        raise Invalid([error | {"ctx": {"le": high}}])
    return value


def _query_bool(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw.strip().lower() in _FALSE:
        return False
    if raw.strip().lower() in _TRUE:
        return True
    msg = "Input should be a valid boolean, unable to interpret input"
    raise Invalid([{"type": "bool_parsing", "loc": ["query", name], "msg": msg, "input": raw}])


def check_solve_request(body: Any) -> dict[str, Any]:
    """SolveRequest: goal (1+ chars), max_depth 0-10 (default 2), config_profile, overrides."""
    if not isinstance(body, dict):
        msg = "Input should be a valid dictionary or object to extract attributes from"
        raise Invalid(
            [{"type": "model_attributes_type", "loc": ["body"], "msg": msg, "input": body}]
        )
    errors: list[dict[str, Any]] = []

    def wrong(field: str, kind: str, msg: str, **ctx: Any) -> None:
        error = {"type": kind, "loc": ["body", field], "msg": msg, "input": body.get(field, body)}
        errors.append(error | ({"ctx": ctx} if ctx else {}))

    goal = body.get("goal")
    if "goal" not in body:
        wrong("goal", "missing", "Field required")
    elif not isinstance(goal, str):
        wrong("goal", "string_type", "Input should be a valid string")
    elif not goal:
        wrong("goal", "string_too_short", "String should have at least 1 character", min_length=1)
    depth = _lax_int(body.get("max_depth", 2))
    if isinstance(depth, tuple):
        wrong("max_depth", *depth)
    elif depth > 10:
        wrong("max_depth", "less_than_equal", "Input should be less than or equal to 10", le=10)
    elif depth < 0:
        wrong("max_depth", "greater_than_equal", "Input should be greater than or equal to 0", ge=0)
    if not isinstance(body.get("config_profile", ""), str):
        wrong("config_profile", "string_type", "Input should be a valid string")
    for field in ("config_overrides", "metadata"):
        if body.get(field) is not None and not isinstance(body[field], dict):
            wrong(field, "dict_type", "Input should be a valid dictionary")
    if errors:
        raise Invalid(errors)
    return {
        "goal": goal,
        "max_depth": depth,
        # The real server's default profile is "default"; the sandbox simulates "general".
        "config_profile": body.get("config_profile") or "general",
        "config_overrides": body.get("config_overrides") or {},
        "metadata": body.get("metadata") or {},
    }


def _lax_int(value: Any) -> int | tuple[str, str]:
    """Pydantic's lax integer: 3, 3.0, "3" and True pass; the rest is (type, msg) of its error."""
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return (
            "int_from_float",
            "Input should be a valid integer, got a number with a fractional part",
        )
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return (
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )
    return "int_type", "Input should be a valid integer"


class UpstreamApi:
    def __init__(self, engine: Engine, limiter: SlidingLimiter) -> None:
        self.engine, self.limiter = engine, limiter
        self.started_here: set[str] = set()  # the runs this process may cancel
        self.booted = engine.clock()

    async def _serve(self, request: Request, action: Callable[[], Awaitable[Any]]) -> Response:
        try:
            self.engine.settle()
            body = await action()
        except Invalid as invalid:
            return JSONResponse({"detail": invalid.errors}, 422)
        except HTTPException as exc:
            return _detail(exc.status_code, str(exc.detail))
        if isinstance(body, Response):
            return body
        return JSONResponse(body)

    async def _one(self, request: Request, shape: Callable[[Engine, Row], Any]) -> Response:
        """A read of one execution, in the given shape."""

        async def action() -> Any:
            return shape(self.engine, self._row(request))

        return await self._serve(request, action)

    def _row(self, request: Request) -> Row:
        execution_id = request.path_params["execution_id"]
        row = self.engine.storage.get(execution_id)
        if row is None:
            raise HTTPException(404, f"Execution {execution_id} not found")
        return row

    # -- endpoints -----------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        now = self.engine.clock()
        return JSONResponse(
            {
                "status": "healthy",
                "version": SOLVER_VERSION,
                "uptime_seconds": round(now - self.booted, 6),
                "active_executions": len(self.engine.storage.running()),
                "storage_connected": True,
                "cache_size": 0,
                "timestamp": shapes.stamp(now),
            }
        )

    async def create(self, request: Request) -> Response:
        async def action() -> Any:
            raw = bytearray()
            async for chunk in request.stream():
                raw.extend(chunk)
                if len(raw) > MAX_BODY_BYTES:  # stop reading: never hold a huge body
                    raise HTTPException(413, "Request body too large")
            try:
                body = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
                error = {"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error"}
                raise Invalid([error | {"input": {}, "ctx": {"error": str(exc)[:80]}}]) from None
            row = self.engine.create("upstream", check_solve_request(body))
            self.started_here.add(row.id)
            return JSONResponse(shapes.execution(self.engine, row), 202)

        return await self._serve(request, action)

    async def list(self, request: Request) -> Response:
        async def action() -> Any:
            offset = _query_int(request, "offset", 0, 0, None)
            limit = _query_int(request, "limit", 100, 1, 1000)
            compact = _query_bool(request, "compact")
            query = request.query_params
            # status and profile are exact matches ("RUNNING" finds nothing); sort, order,
            # created_after and created_before are not parameters of this server at all.
            rows, _ = self.engine.storage.page(
                limit=-1,
                offset=0,
                status=query.get("status"),
                profile=query.get("profile"),
                created_after=None,
                created_before=None,
                sort="created_at",
                order="desc",
            )
            experiment = query.get("experiment_name")
            if experiment is not None:
                rows = [r for r in rows if experiment_of(r) == experiment]
            rows.sort(key=experiment_of)  # stable: newest first inside an experiment
            page = rows[offset : offset + limit]
            return {
                "executions": [shapes.execution(self.engine, r, config=not compact) for r in page],
                "total": len(rows),
                "offset": offset,
                "limit": limit,
            }

        return await self._serve(request, action)

    async def get(self, request: Request) -> Response:
        return await self._one(request, shapes.execution_detail)

    async def status(self, request: Request) -> Response:
        return await self._one(request, shapes.status)

    async def cancel(self, request: Request) -> Response:
        async def action() -> Any:
            row = self._row(request)
            cancelled = None
            if row.status == "running" and row.id in self.started_here:
                cancelled = self.engine.cancel(row)
            if cancelled is None:
                raise HTTPException(400, f"Execution {row.id} is not running (cannot cancel)")
            return shapes.execution(self.engine, cancelled)

        return await self._serve(request, action)

    async def checkpoint(self, request: Request) -> Response:
        return await self._one(request, shapes.checkpoint)

    async def checkpoints(self, request: Request) -> Response:
        async def action() -> Any:
            limit = _query_int(request, "limit", 50, 1, 100)
            row = self._row(request)
            found = shapes.checkpoints(self.engine, row)
            newest = [shapes.checkpoint_row(row, at, why) for at, why in reversed(found)]
            return {"checkpoints": newest[:limit], "total": len(newest[:limit])}

        return await self._serve(request, action)

    async def metrics(self, request: Request) -> Response:
        return await self._one(request, shapes.metrics)

    async def costs(self, request: Request) -> Response:
        return await self._one(request, shapes.costs)

    # -- the frame: rate limit, timing, background settling ------------------------------------

    async def limit_rate(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        if request.url.path == "/health":
            response = await call_next(request)
        else:
            client = request.client.host if request.client else "unknown"
            allowed, remaining, reset = self.limiter.take(client)
            if not allowed:
                return Response(
                    '{"error": "Rate limit exceeded. Please try again later."}',
                    429,
                    media_type="application/json",
                    headers={"Retry-After": "60"},
                )
            response = await call_next(request)
            response.headers["X-RateLimit-Limit"] = str(self.limiter.limit)
            response.headers["X-RateLimit-Remaining"] = str(remaining)
            response.headers["X-RateLimit-Reset"] = str(reset)
        response.headers["X-Process-Time"] = f"{(time.perf_counter() - started) * 1000:.2f}ms"
        return response

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(self._tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _tick(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                self.engine.settle()
                self.engine.heartbeat()
            await asyncio.sleep(TICK_SECONDS)


def build_upstream_app(api: UpstreamApi) -> Starlette:
    async def not_found(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            return _detail(exc.status_code, str(exc.detail))
        return JSONResponse(
            {
                "error": "Internal server error",
                "detail": "An unexpected error occurred",
                "timestamp": shapes.stamp(api.engine.clock()),
            },
            500,
        )

    executions, one = API + "/executions", API + "/executions/{execution_id}"
    routes = [
        Route("/health", api.health, methods=["GET"]),
        Route(executions, api.create, methods=["POST"]),
        Route(executions, api.list, methods=["GET"]),
        Route(one, api.get, methods=["GET"]),
        Route(one + "/status", api.status, methods=["GET"]),
        Route(one + "/cancel", api.cancel, methods=["POST"]),
        Route(one + "/checkpoint", api.checkpoint, methods=["GET"]),
        Route(one + "/checkpoints", api.checkpoints, methods=["GET"]),
        Route(one + "/metrics", api.metrics, methods=["GET"]),
        Route(one + "/costs", api.costs, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=api.limit_rate)],
        exception_handlers={HTTPException: not_found, Exception: not_found},
        lifespan=api.lifespan,
    )
