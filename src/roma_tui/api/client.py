"""`RomaClient`: the async, typed client of the ROMA API (either dialect).

One instance per server and key, used as an async context manager. It validates requests before
sending them, retries what is safe to retry (GETs, and POSTs carrying an idempotency key) with
exponential backoff and jitter, honours `Retry-After` and the rate-limit reset, and keeps the last
rate-limit state it saw in `rate_limit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import ssl
import threading
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .. import __version__
from .dialects import (
    Dialect,
    detect_execution,
    detect_list,
    detect_status,
    normalise_checkpoint,
    normalise_execution,
    normalise_list,
    normalise_status,
    status_from_execution,
    upstream_list,
)
from .errors import (
    ApiConnectionError,
    ApiResponseError,
    ApiTimeoutError,
    ClientSetupError,
    NotFoundError,
    RateLimitError,
    RomaError,
    ServerError,
)
from .extras import Health, RunCost, cost_from_costs, cost_from_metadata, cost_from_metrics
from .listing import Gathered, arrange, upstream_params
from .models import CancelResult, Dag, DagResult, Execution, ExecutionPage, Status
from .ratelimit import RateLimit
from .row_memo import RowMemo
from .transport import DEFAULT_MAX_RESPONSE_BYTES, Reply, exchange
from .urls import API_PREFIX, InsecureTransportError, check_base_url, is_loopback
from .validation import check_create, check_execution_id, check_list_params

# Re-exported for callers that imported them from here before they moved to .urls.
__all__ = ["API_PREFIX", "InsecureTransportError", "RomaClient", "check_base_url", "is_loopback"]


_TLS_LOCK = threading.Lock()


def tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process: loading the CA bundle takes
    ~40 ms, which every client (each console start, each profile switch) paid again. The console
    builds it in a thread (`warm_tls`) before it needs it; a client that asks meanwhile waits
    for that one. A failure is not kept: the client's own call raises it again, and says it."""
    with _TLS_LOCK:
        return _tls_context()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def needs_tls(url: str | httpx.URL) -> bool:
    """Whether a client of `url` makes TLS handshakes with its server: unless it is plain http
    (a URL that does not parse counts as https: the client says what is wrong with it later).
    A proxy's own handshake never uses the client's context: httpcore verifies it with its own."""
    try:
        return httpx.URL(url).scheme != "http"
    except httpx.InvalidURL:
        return True


def preload_tls(url: str) -> None:
    """Build the CA context now if a client of `url` will need it (off the UI thread: ~40 ms).
    A bundle that cannot be read is left for the client to meet again, and to say."""
    if needs_tls(url):
        with contextlib.suppress(Exception):
            tls_context()


def _context_for(url: httpx.URL) -> ssl.SSLContext:
    """The CA bundle only where TLS can happen. A plain-http client gets a context with no CA
    at all, which fails any handshake it were asked to make instead of trusting it."""
    return tls_context() if needs_tls(url) else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


# What building httpx's client raises on a bad environment: an unknown proxy scheme
# (ValueError), a SOCKS proxy without socksio (ImportError), a proxy URL that does not parse,
# an unreadable CA file (OSError, ssl.SSLError).
_SETUP_ERRORS = (ValueError, ImportError, OSError, httpx.InvalidURL)
_SETUP_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


def _setup_problem(error: Exception) -> str:
    """What went wrong, and the variables that may be why (their names: a value may hold a
    proxy password)."""
    names = [
        name
        for name in _SETUP_VARIABLES
        if os.environ.get(name) is not None or os.environ.get(name.lower()) is not None
    ]
    where = f" Look at {', '.join(names)} in the environment." if names else ""
    return f"Cannot set up connections: {str(error).rstrip('.')}.{where}"


@dataclass
class _Call:
    """One public call in flight: its client, deadline (loop time) and the request it is on."""

    client: RomaClient
    deadline: float
    what: str = ""


# Set by `_within_deadline` for the task running a public call; each task has its own copy,
# so concurrent calls on one client keep their own deadlines.
_CURRENT_CALL: ContextVar[_Call | None] = ContextVar("roma_tui_current_call", default=None)


def _within_deadline(
    method: Callable[Concatenate[RomaClient, P], Awaitable[T]],
) -> Callable[Concatenate[RomaClient, P], Coroutine[Any, Any, T]]:
    """Bound the whole public call (every attempt, backoff sleep and body read) by `timeout`."""

    async def bounded(self: RomaClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        outer = _CURRENT_CALL.get()
        if outer is not None and outer.client is self:
            return await method(self, *args, **kwargs)  # already inside one of our calls
        loop = asyncio.get_running_loop()
        call = _Call(self, loop.time() + self.timeout)
        token = _CURRENT_CALL.set(call)
        try:
            async with asyncio.timeout_at(call.deadline) as scope:
                return await method(self, *args, **kwargs)
        except TimeoutError:
            if not scope.expired():
                raise
            raise ApiTimeoutError(
                f"{self._where} did not answer {call.what or 'the request'} "
                f"within {self.timeout:g} s."
            ) from None
        finally:
            _CURRENT_CALL.reset(token)

    functools.update_wrapper(bounded, method)
    return bounded


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
P = ParamSpec("P")


class RomaClient:
    """Async client of the ROMA API. Use `async with RomaClient(url, key) as client: ...`."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout: float = 15.0,
        max_retries: int = 3,
        max_retry_wait: float = 30.0,
        dialect: Dialect | str = Dialect.AUTO,
        allow_insecure: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        on_send: Callable[[str, str], None] | None = None,
    ) -> None:
        """`timeout` (seconds) is the deadline of each public call as a whole: all its attempts,
        the waits between them and the reading of the answer. `on_send(method, path)` is called
        right before every attempt goes out, retries included (an error it raises stops the
        call before that attempt is sent)."""
        if not timeout > 0 or timeout == float("inf"):
            raise ValueError(f"timeout must be a number of seconds above 0, not {timeout!r}")
        self._url = check_base_url(base_url, sends_key=bool(api_key), allow_insecure=allow_insecure)
        self.timeout = float(timeout)
        self._on_send = on_send
        self._api_key = api_key
        self.max_retries = max(0, max_retries)
        self.max_retry_wait = max_retry_wait
        self._dialect = Dialect(dialect)
        self._pinned = self._dialect is not Dialect.AUTO
        self._max_response_bytes = max_response_bytes
        self._sleep = sleep
        self.rate_limit: RateLimit | None = None
        self.last_request_id: str | None = None
        self._rows_read = RowMemo()  # upstream: the last whole-list read, for the next one
        headers = {
            "User-Agent": f"roma-tui/{__version__}",
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
        }
        if api_key:
            headers["X-API-Key"] = api_key
        try:
            self._http = httpx.AsyncClient(
                headers=headers,
                # The call's deadline (see _within_deadline) bounds everything; httpx's own
                # read timeout is only a backstop, set past it so the deadline's message shows.
                timeout=httpx.Timeout(timeout + 1.0, connect=min(timeout, 10.0)),
                transport=transport,
                verify=_context_for(self._url),
                follow_redirects=False,  # a redirect must not carry the key to another host
            )
        except _SETUP_ERRORS as exc:
            raise ClientSetupError(_setup_problem(exc)) from None

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"RomaClient(base_url={str(self._url)!r}, dialect={self.dialect!s}, api_key={key})"

    @property
    def base_url(self) -> str:
        return str(self._url)

    @property
    def _where(self) -> str:
        port = self._url.port
        return f"{self._url.host}:{port}" if port else self._url.host

    @property
    def dialect(self) -> Dialect:
        """The pinned dialect, the one detected from responses, or AUTO while not yet known."""
        return self._dialect

    async def __aenter__(self) -> RomaClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- the six endpoints -------------------------------------------------------------------

    @_within_deadline
    async def create_execution(
        self,
        goal: str,
        *,
        max_depth: int | None = None,
        config_profile: str | None = None,
        config_overrides: dict[str, Any] | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Execution:
        body = check_create(goal, max_depth, config_profile, config_overrides, metadata)
        reply = await self._request(
            "POST", "/executions", json=body, idempotency_key=idempotency_key or _new_key()
        )
        return self._parse(Execution, normalise_execution(reply.payload, self._dialect), reply)

    @_within_deadline
    async def list_executions(
        self,
        *,
        limit: int | None = None,
        offset: int | None = None,
        status: str | None = None,
        profile: str | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        sort: str | None = None,
        order: str | None = None,
    ) -> ExecutionPage:
        """A page of runs, newest first unless `sort`/`order` say otherwise.

        Upstream ignores order and time filters: there the whole list is read (see `listing`) and
        the page is cut from it here. While the dialect is unknown, `limit` may be up to 1,000:
        a hosted server is then read in pages of 100.
        """
        params = check_list_params(
            limit=limit,
            offset=offset,
            status=status,
            profile=profile,
            created_after=created_after,
            created_before=created_before,
            sort=sort,
            order=order,
            max_limit=100 if self._dialect is Dialect.HOSTED else 1000,
        )
        if self._dialect is Dialect.UPSTREAM:
            return await self._list_upstream(params, Gathered())
        probe = {**params, "limit": str(min(limit, 100))} if limit is not None else params
        reply = await self._request("GET", "/executions", params=probe)
        dialect = self._learn(detect_list(reply.payload))
        page = self._parse(ExecutionPage, normalise_list(reply.payload, dialect), reply)
        if dialect is Dialect.UPSTREAM:
            gathered = Gathered()
            if not offset:  # the first rows of the server's order: keep them, read on from there
                gathered.add(page)
            return await self._list_upstream(params, gathered)
        if limit is not None and limit > 100:
            return await self._more_hosted_pages(page, params, limit)
        return page

    async def _list_upstream(self, params: dict[str, str], gathered: Gathered) -> ExecutionPage:
        ended = False
        self._rows_read.start()
        while gathered.wants_more():
            reply = await self._request(
                "GET", "/executions", params=upstream_params(params, gathered.read)
            )
            if not gathered.add(self._upstream_page(reply)):
                ended = True  # fewer rows than the server counted: the list ended early
                break
        self._rows_read.finish()
        return arrange(gathered, params, complete=ended or gathered.complete)

    def _upstream_page(self, reply: Reply) -> ExecutionPage:
        """A page of the whole-list read; rows unchanged since the last read are not read
        again (`RowMemo`)."""
        if not isinstance(reply.payload, dict):
            return self._parse(ExecutionPage, reply.payload, reply)  # validation says so
        shape = upstream_list(reply.payload)
        page = self._parse(ExecutionPage, {**shape, "data": []}, reply)
        page.data, page.unreadable = self._rows_read.read(shape["data"], self._upstream_row)
        return page

    @staticmethod
    def _upstream_row(row: Any) -> Any:
        return normalise_execution(row, Dialect.UPSTREAM)

    async def _more_hosted_pages(
        self, page: ExecutionPage, params: dict[str, str], limit: int
    ) -> ExecutionPage:
        """Up to `limit` rows from a hosted server, 100 a request (its largest page)."""
        gathered = Gathered()
        gathered.add(page)
        start = int(params.get("offset") or 0)
        while len(gathered.rows) < limit and page.pagination.has_more and page.data:
            wanted = min(100, limit - len(gathered.rows))
            more = {**params, "limit": str(wanted), "offset": str(start + gathered.read)}
            reply = await self._request("GET", "/executions", params=more)
            page = self._parse(ExecutionPage, normalise_list(reply.payload, self._dialect), reply)
            gathered.add(page)
        page.data = gathered.rows[:limit]
        page.unreadable = gathered.unreadable
        page.pagination.limit, page.pagination.offset = limit, start
        return page

    @_within_deadline
    async def get_execution(self, execution_id: str) -> Execution:
        execution_id = check_execution_id(execution_id, self._dialect)
        execution, _reply = await self._read_execution(execution_id)
        return execution

    @_within_deadline
    async def get_status(self, execution_id: str) -> Status:
        """Status, progress and failure reason of a run.

        Upstream `/status` knows no progress while a run runs and no failure reason, but the
        execution does: in that dialect the status is read from `GET /executions/{id}` (one
        request). While the dialect is unknown, `/status` is asked first; if it turns out to be
        upstream, the execution is read as well (once: the dialect is known after that).
        """
        execution_id = check_execution_id(execution_id, self._dialect)
        if self._dialect is Dialect.UPSTREAM:
            return await self._status_from_execution(execution_id)
        reply = await self._request("GET", f"/executions/{execution_id}/status")
        dialect = self._learn(detect_status(reply.payload))
        if dialect is Dialect.UPSTREAM:
            return await self._status_from_execution(execution_id)
        return self._parse(Status, normalise_status(reply.payload, dialect), reply)

    @_within_deadline
    async def read_run(self, execution_id: str) -> tuple[Execution, Status]:
        """The whole run and its status. Upstream the status is read off the execution (one
        request); the hosted service answers them apart (two)."""
        execution_id = check_execution_id(execution_id, self._dialect)
        execution, reply = await self._read_execution(execution_id)
        if self._dialect is Dialect.UPSTREAM:
            return execution, self._parse(Status, status_from_execution(reply.payload), reply)
        return execution, await self.get_status(execution_id)

    @_within_deadline
    async def cancel_execution(
        self, execution_id: str, *, idempotency_key: str | None = None
    ) -> CancelResult:
        execution_id = check_execution_id(execution_id, self._dialect)
        reply = await self._request(
            "POST",
            f"/executions/{execution_id}/cancel",
            idempotency_key=idempotency_key or _new_key(),
        )
        return self._parse(CancelResult, reply.payload, reply)

    @_within_deadline
    async def get_dag(self, execution_id: str) -> Dag:
        """The execution's DAG; from `/dag` (hosted) or `/checkpoint` (upstream), flattened."""
        execution_id = check_execution_id(execution_id, self._dialect)
        if self._dialect is not Dialect.UPSTREAM:
            try:
                reply = await self._request("GET", f"/executions/{execution_id}/dag")
            except NotFoundError as exc:
                # The hosted server says not_found for an unknown run; the upstream one has no
                # /dag route at all (FastAPI's bare {"detail": "Not Found"}).
                if self._dialect is Dialect.HOSTED or exc.code == "not_found":
                    raise
                # The checkpoint's 404 names the run ("Execution ... not found"): it is the more
                # specific message, unless it too is a bare "Not Found" (then say /dag's).
                try:
                    return await self._checkpoint_dag(execution_id)
                except NotFoundError as checkpoint_error:
                    bare = checkpoint_error.message.rstrip(".").endswith("Not Found")
                    raise (exc if bare else checkpoint_error) from None
            return self._parse(DagResult, reply.payload, reply).dag
        return await self._checkpoint_dag(execution_id)

    async def _checkpoint_dag(self, execution_id: str) -> Dag:
        reply = await self._request("GET", f"/executions/{execution_id}/checkpoint")
        self._learn(Dialect.UPSTREAM)
        return self._parse(DagResult, normalise_checkpoint(reply.payload), reply).dag

    async def _read_execution(self, execution_id: str) -> tuple[Execution, Reply]:
        """`GET /executions/{id}`, read in the dialect its answer shows."""
        reply = await self._request("GET", f"/executions/{execution_id}")
        dialect = self._learn(detect_execution(reply.payload))
        return self._parse(Execution, normalise_execution(reply.payload, dialect), reply), reply

    async def _status_from_execution(self, execution_id: str) -> Status:
        reply = await self._request("GET", f"/executions/{execution_id}")
        return self._parse(Status, status_from_execution(reply.payload), reply)

    # -- beyond the six: health, tokens and cost -------------------------------------------

    async def health(self) -> Health:
        """`GET {root}/health` (outside /api/v1; upstream only, not rate limited): one try."""
        request = self._http.build_request("GET", str(self._url.copy_with(path=self._root_path)))
        if self._on_send is not None:  # not rate limited upstream, but still a request sent
            self._on_send("GET", self._root_path)
        reply = await exchange(self._http, request, max_response_bytes=self._max_response_bytes)
        return self._parse(Health, reply.payload, reply)

    @property
    def _root_path(self) -> str:
        return self._url.path.removesuffix(API_PREFIX).rstrip("/") + "/health"

    async def get_costs(self, execution_id: str) -> RunCost:
        """Tokens and cost of a run so far: upstream `/costs`; hosted `metadata.tokens_used`."""
        execution_id = check_execution_id(execution_id, self._dialect)
        if self._dialect is not Dialect.UPSTREAM:
            execution = await self.get_execution(execution_id)
            if self.dialect is not Dialect.UPSTREAM:  # reading it may have shown it is upstream
                return RunCost.model_validate(cost_from_metadata(execution.metadata, execution_id))
        reply = await self._request("GET", f"/executions/{execution_id}/costs")
        return self._parse(RunCost, cost_from_costs(reply.payload, execution_id), reply)

    async def get_metrics(self, execution_id: str) -> RunCost:
        """Upstream `/metrics`: tokens, cost, LM calls and their mean latency."""
        execution_id = check_execution_id(execution_id, self._dialect)
        reply = await self._request("GET", f"/executions/{execution_id}/metrics")
        return self._parse(RunCost, cost_from_metrics(reply.payload, execution_id), reply)

    # -- machinery ---------------------------------------------------------------------------

    def _learn(self, found: Dialect | None) -> Dialect:
        """Take the dialect a response showed (unless pinned); return the one now in use."""
        if not self._pinned and found is not None:
            self._dialect = found
        return self._dialect

    def _parse(self, model: type[M], payload: Any, reply: Reply) -> M:
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            errors = exc.errors()
            first: dict[str, Any] = dict(errors[0]) if errors else {}
            where = ".".join(str(p) for p in first.get("loc", ())) or "the body"
            raise ApiResponseError(
                f"The server's answer does not look like a ROMA {model.__name__} "
                f"({where}: {str(first.get('msg', 'unexpected shape'))[:120]}).",
                status_code=reply.status_code,
                request_id=reply.request_id,
            ) from None

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> Reply:
        headers = {"X-Idempotency-Key": idempotency_key} if idempotency_key else {}
        retryable = method == "GET" or idempotency_key is not None
        call = _CURRENT_CALL.get()
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            request = self._http.build_request(
                method,
                f"{self._url}{path}",
                params=params,
                json=json,
                headers=headers,
            )
            if call is not None:
                call.what = f"{method} {request.url.path}"
            if self._on_send is not None:
                self._on_send(method, request.url.path)
            try:
                reply = await exchange(
                    self._http, request, max_response_bytes=self._max_response_bytes
                )
            except (ApiConnectionError, ServerError, RateLimitError) as exc:
                self._note(exc)
                wait = self._retry_wait(exc, attempt)
                if not retryable or attempt >= self.max_retries or wait is None:
                    raise
                if call is not None and loop.time() + wait >= call.deadline:
                    raise  # the next try could not finish in time: say what went wrong now
                attempt += 1
                await self._sleep(wait)
                continue
            except RomaError as exc:
                self._note(exc)
                raise
            self.rate_limit = reply.rate_limit
            self.last_request_id = reply.request_id
            return reply

    def _note(self, exc: RomaError) -> None:
        self.last_request_id = exc.request_id or self.last_request_id
        if exc.rate_limit is not None:
            self.rate_limit = exc.rate_limit

    def _retry_wait(self, exc: RomaError, attempt: int) -> float | None:
        """Seconds to wait before the next try, or None when waiting is pointless."""
        backoff = min(8.0, 0.5 * 2.0**attempt) * (0.5 + random.random() / 2)
        if isinstance(exc, RateLimitError):
            told: float | None = None
            if self.rate_limit is not None and self.rate_limit.retry_after is not None:
                told = self.rate_limit.retry_after
            elif exc.reset_at is not None:
                told = (exc.reset_at - datetime.now(UTC)).total_seconds()
            wait = max(told, 0.0) if told is not None else backoff
            # Past the caller's limit: say so now rather than hang (the daily budget resets
            # hours away).
            return wait if wait <= self.max_retry_wait else None
        if isinstance(exc, ServerError) and self.rate_limit and self.rate_limit.retry_after:
            return float(min(self.rate_limit.retry_after, self.max_retry_wait))
        return backoff


def _new_key() -> str:
    return f"roma-tui-{uuid.uuid4().hex}"
