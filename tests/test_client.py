"""RomaClient against faults injected at the network edge (httpx.MockTransport, a raw socket)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopback import loopback_server
from roma_tui.api import (
    ApiConnectionError,
    ApiResponseError,
    ApiTimeoutError,
    AuthenticationError,
    InsecureTransportError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RomaClient,
    RomaError,
    ServerError,
)
from roma_tui.api.client import _context_for, needs_tls

KEY = "sk_live_SECRET_never_shown_0123456789"
EID = "exec_1a2b3c4d5e6f7g8h"
EXECUTION = {
    "execution_id": EID,
    "status": "running",
    "initial_goal": "g",
    "config_profile": "general",
    "max_depth": 3,
    "metadata": {},
    "created_at": "2025-11-11T10:30:00Z",
    "updated_at": "2025-11-11T10:30:00Z",
}
PAGE = {
    "data": [EXECUTION],
    "pagination": {"total": 1, "limit": 20, "offset": 0, "has_more": False},
}


class Script:
    """Answers requests from a list of responses (the last one repeats); records requests."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def reply(status=200, body=None, headers=None, raw: bytes | None = None):
    content = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
    return httpx.Response(status, content=content, headers=headers or {})


def client_for(script, **options):
    sleeps: list[float] = []

    async def no_sleep(seconds):
        sleeps.append(seconds)

    options.setdefault("sleep", no_sleep)
    client = RomaClient(
        "http://127.0.0.1:8765", KEY, transport=httpx.MockTransport(script), **options
    )
    client.sleeps = sleeps
    return client


async def test_every_request_carries_key_agent_and_gzip():
    script = Script(
        reply(
            200,
            PAGE,
            {
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Remaining": "847",
                "X-RateLimit-Reset": str(int(time.time()) + 3600),
                "X-Request-ID": "req_abc",
            },
        )
    )
    async with client_for(script) as client:
        page = await client.list_executions(limit=5, status="running", sort="status", order="asc")
    sent = script.requests[0]
    assert sent.headers["X-API-Key"] == KEY
    assert sent.headers["User-Agent"].startswith("roma-tui/")
    assert "gzip" in sent.headers["Accept-Encoding"]
    assert sent.url.path == "/api/v1/executions"
    assert dict(sent.url.params) == {
        "limit": "5",
        "status": "running",
        "sort": "status",
        "order": "asc",
    }
    assert page.data[0].execution_id == EID
    assert client.rate_limit.limit == 1000 and client.rate_limit.remaining == 847
    assert client.last_request_id == "req_abc"


async def test_create_sends_an_idempotency_key_and_reuses_it_on_retry():
    script = Script(
        reply(503, {"error": {"code": "service_unavailable", "message": "busy"}}),
        reply(202, EXECUTION),
    )
    async with client_for(script) as client:
        execution = await client.create_execution(
            "Write a haiku", max_depth=2, config_profile="fast"
        )
    first, second = script.requests
    assert first.headers["X-Idempotency-Key"] == second.headers["X-Idempotency-Key"]
    assert first.headers["X-Idempotency-Key"].startswith("roma-tui-")
    assert json.loads(first.content) == {
        "goal": "Write a haiku",
        "max_depth": 2,
        "config_profile": "fast",
    }
    assert execution.execution_id == EID


async def test_cancel_keeps_the_callers_idempotency_key():
    script = Script(
        reply(
            200,
            {"execution_id": EID, "status": "cancelled", "cancelled_at": "2025-11-11T10:31:00Z"},
        )
    )
    async with client_for(script) as client:
        result = await client.cancel_execution(EID, idempotency_key="mine-1")
    assert script.requests[0].headers["X-Idempotency-Key"] == "mine-1"
    assert script.requests[0].url.path == f"/api/v1/executions/{EID}/cancel"
    assert result.status == "cancelled"


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (
            400,
            {
                "error": {
                    "code": "invalid_operation",
                    "message": "Cannot cancel execution in completed state",
                }
            },
            InvalidRequestError,
            "Cannot cancel execution in completed state",
        ),
        (
            401,
            {"error": {"code": "unauthorized", "message": "Invalid API key"}},
            AuthenticationError,
            "API key was refused",
        ),
        (
            403,
            {"error": {"code": "forbidden", "message": "Read-only key"}},
            PermissionDeniedError,
            "not allowed",
        ),
        (
            404,
            {"error": {"code": "not_found", "message": "Execution not found"}},
            NotFoundError,
            "Execution not found",
        ),
        (
            422,
            {"detail": [{"loc": ["query", "limit"], "msg": "too big", "type": "x"}]},
            InvalidRequestError,
            "query.limit: too big",
        ),
        (
            500,
            {"error": "Internal server error", "detail": "boom", "timestamp": "t"},
            ServerError,
            "Internal server error: boom",
        ),
    ],
)
async def test_status_codes_become_typed_errors_with_request_ids(status, body, error, words):
    script = Script(reply(status, {**body, "request_id": "req_42"}))
    async with client_for(script, max_retries=0) as client:
        with pytest.raises(error) as caught:
            await client.get_status(EID)
    assert caught.value.status_code == status
    assert words in str(caught.value)
    assert "req_42" in str(caught.value)


async def test_request_id_from_a_header_when_the_body_has_none():
    script = Script(reply(404, {"detail": "Not Found"}, {"x-request-id": "req_hdr"}))
    async with client_for(script) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.get_execution(EID)
    assert caught.value.request_id == "req_hdr"


async def test_5xx_on_get_is_retried_with_backoff_then_succeeds():
    script = Script(reply(500, {}), reply(503, {}), reply(200, PAGE))
    async with client_for(script, max_retries=3) as client:
        page = await client.list_executions()
    assert len(script.requests) == 3 and len(page.data) == 1
    assert len(client.sleeps) == 2 and client.sleeps[0] < client.sleeps[1] * 2


async def test_5xx_gives_up_after_max_retries():
    script = Script(
        reply(503, {"error": {"code": "service_unavailable", "message": "maintenance"}})
    )
    async with client_for(script, max_retries=2) as client:
        with pytest.raises(ServerError, match="maintenance"):
            await client.get_status(EID)
    assert len(script.requests) == 3


async def test_429_honours_retry_after():
    script = Script(
        reply(429, {"error": "Rate limit exceeded"}, {"Retry-After": "3"}), reply(200, PAGE)
    )
    async with client_for(script) as client:
        await client.list_executions()
    assert client.sleeps == [3.0]


async def test_429_with_a_distant_reset_raises_at_once():
    reset = int(time.time()) + 6 * 3600
    body = {
        "error": {
            "code": "rate_limit_exceeded",
            "message": "Daily limit reached",
            "details": {"limit": 1000, "remaining": 0, "reset_at": reset},
        }
    }
    script = Script(
        reply(
            429,
            body,
            {
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            },
        )
    )
    async with client_for(script) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.list_executions()
    assert len(script.requests) == 1 and client.sleeps == []
    assert abs(caught.value.reset_at.timestamp() - reset) < 2
    assert client.rate_limit.remaining == 0


async def test_429_without_any_header_backs_off_and_retries():
    script = Script(reply(429, {}), reply(200, PAGE))
    async with client_for(script) as client:
        await client.list_executions()
    assert len(script.requests) == 2 and 0 < client.sleeps[0] <= 0.5


async def test_post_without_idempotency_is_never_retried():
    script = Script(reply(503, {}), reply(202, EXECUTION))
    async with client_for(script) as client:
        with pytest.raises(ServerError):
            await client._request("POST", "/executions", json={"goal": "g"})
    assert len(script.requests) == 1


async def test_connection_errors_are_retried_then_reported():
    script = Script(httpx.ConnectError("refused"))
    async with client_for(script, max_retries=2) as client:
        with pytest.raises(ApiConnectionError, match="Cannot connect") as refused:
            await client.list_executions()
    assert len(script.requests) == 3
    assert not refused.value.reached_server  # the planner's pace is not charged for it


async def test_timeouts_are_their_own_error():
    script = Script(httpx.ReadTimeout("slow"))
    async with client_for(script, max_retries=0) as client:
        with pytest.raises(ApiTimeoutError, match="did not answer") as slow:
            await client.get_status(EID)
    assert slow.value.reached_server  # it was sent: the server may have counted it


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"<html>oops</html>", "not valid JSON"),
        (b"", "empty"),
        (b"[1, 2, 3]", "does not look"),
        (b'{"data": "x", "pagination": 5}', "does not look"),
        (b'{"data": [], "pagination": 5}', None),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
async def test_malformed_bodies_give_a_readable_error(raw, words):
    script = Script(reply(200, raw=raw, headers={"x-request-id": "req_bad"}))
    async with client_for(script) as client:
        if words is None:  # an object without rows reads as an empty page
            page = await client.list_executions()
            assert page.data == []
            return
        with pytest.raises(ApiResponseError, match=words) as caught:
            await client.list_executions()
    assert caught.value.request_id == "req_bad"


async def test_an_array_where_an_object_belongs():
    script = Script(reply(200, [EXECUTION]))
    async with client_for(script) as client:
        with pytest.raises(ApiResponseError, match="Status"):
            await client.get_status(EID)


async def test_a_5mb_field_is_read_whole():
    big = "x" * (5 * 1024 * 1024)
    script = Script(reply(200, {**EXECUTION, "result": big}))
    async with client_for(script) as client:
        execution = await client.get_execution(EID)
    assert len(execution.result) == len(big)


async def test_an_oversized_answer_is_refused_not_read():
    script = Script(reply(200, {**EXECUTION, "result": "x" * 2048}))
    async with client_for(script, max_response_bytes=1024) as client:
        with pytest.raises(ApiResponseError, match="larger than"):
            await client.get_execution(EID)


async def test_a_missing_dag_is_none_not_an_error():
    script = Script(reply(200, EXECUTION))
    async with client_for(script) as client:
        assert (await client.get_execution(EID)).dag is None


@pytest.mark.parametrize(
    "bad",
    [
        "exec_short",
        "EXEC_1a2b3c4d5e6f7g8h",
        "exec_1a2b3c4d5e6f7g8!",
        "../admin",
        "",
        "exec_1a2b3c4d5e6f7g8h/cancel",
    ],
)
async def test_invalid_ids_are_refused_before_any_request(bad):
    script = Script(reply(200, EXECUTION))
    async with client_for(script) as client:
        for call in (
            client.get_execution,
            client.get_status,
            client.get_dag,
            client.cancel_execution,
        ):
            with pytest.raises(InvalidRequestError, match="not an execution ID"):
                await call(bad)
    assert script.requests == []


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"goal": "   "}, "must not be empty"),
        ({"goal": "x" * 10_001}, "limit is 10,000"),
        ({"goal": "g", "max_depth": 0}, "max_depth"),
        ({"goal": "g", "max_depth": 11}, "max_depth"),
        ({"goal": "g", "config_profile": "turbo"}, "Unknown profile"),
        ({"goal": "g", "config_overrides": {"top_p": 1}}, "Unknown override"),
        ({"goal": "g", "metadata": {str(i): "v" for i in range(11)}}, "at most 10"),
        ({"goal": "g", "metadata": {"k" * 51: "v"}}, "keys must be"),
        ({"goal": "g", "metadata": {"k": "v" * 501}}, "value of"),
    ],
)
async def test_create_is_validated_before_sending(kwargs, words):
    script = Script(reply(202, EXECUTION))
    async with client_for(script) as client:
        goal = kwargs.pop("goal")
        with pytest.raises(InvalidRequestError, match=words):
            await client.create_execution(goal, **kwargs)
    assert script.requests == []


async def test_list_parameters_are_validated_before_sending():
    script = Script(reply(200, PAGE))
    async with client_for(script) as client:
        for kwargs in (
            {"limit": 0},
            {"limit": 1001},  # up to 1,000 while the dialect is unknown
            {"offset": -1},
            {"status": "done"},
            {"sort": "goal"},
            {"order": "up"},
            {"created_after": "last tuesday"},
        ):
            with pytest.raises(InvalidRequestError):
                await client.list_executions(**kwargs)
        await client.list_executions(created_after="2025-11-11T10:30:00+02:00")
    assert len(script.requests) == 1
    assert script.requests[0].url.params["created_after"] == "2025-11-11T08:30:00Z"


def test_plain_http_to_a_remote_host_is_refused_unless_allowed():
    with pytest.raises(InsecureTransportError, match="plain http"):
        RomaClient("http://api.example.com", KEY)
    RomaClient("http://api.example.com", KEY, allow_insecure=True)
    RomaClient("http://localhost:8765", KEY)
    RomaClient("http://[::1]:8765", KEY)
    RomaClient("https://api.example.com", KEY)


async def test_upstream_dialect_is_detected_and_its_dag_read_from_checkpoint():
    upstream_page = {
        "executions": [
            {
                "execution_id": "9b2f5e3c-1d2e-4f5a-8b9c-0d1e2f3a4b5c",
                "status": "RUNNING",
                "profile": "general",
                "initial_goal": "g",
                "created_at": "2025-11-11T10:30:00",
            }
        ],
        "total": 1,
        "offset": 0,
        "limit": 20,
    }
    checkpoint = {
        "execution_id": "x",
        "checkpoint_id": "c",
        "dag": {
            "dag_id": "d",
            "tasks": {
                "t1": {"task_id": "t1", "status": "COMPLETED", "goal": "g"},
                "t2": {"task_id": "t2", "status": "FAILED", "goal": "h"},
            },
            "dependencies": {"t2": ["t1"]},
            "subgraphs": {},
        },
    }

    def route(request):
        if request.url.path.endswith("/dag"):
            return reply(404, {"detail": "Not Found"})
        if request.url.path.endswith("/checkpoint"):
            return reply(200, checkpoint)
        return reply(200, upstream_page)

    async with client_for(route) as client:
        page = await client.list_executions()
        assert client.dialect == "upstream"
        uid = page.data[0].execution_id
        dag = await client.get_dag(uid)  # the first /dag try is skipped once upstream is known
    assert [(e.source, e.target) for e in dag.edges] == [("t1", "t2")]
    assert {n.id: n.status for n in dag.nodes} == {"t1": "completed", "t2": "failed"}


async def test_an_upstream_row_unchanged_since_the_last_read_is_not_read_again():
    def row(execution_id, status, minute):
        return {
            "execution_id": execution_id,
            "status": status,
            "initial_goal": f"goal {execution_id}",
            "profile": "general",
            "created_at": f"2026-11-29T10:{minute:02d}:00Z",
            "config": {"max_depth": 2},
            "metadata": {},
        }

    listed = [row("a", "RUNNING", 3), row("b", "RUNNING", 2), {"execution_id": ["bad"]}]

    def route(request):
        body = {"executions": listed, "total": len(listed), "offset": 0, "limit": 1000}
        return reply(200, body)

    async with client_for(route, dialect="upstream") as client:
        first = await client.list_executions(limit=50)
        listed[1] = row("b", "COMPLETED", 2)  # b finished; a and the bad row are as they were
        second = await client.list_executions(limit=50)
    assert [e.execution_id for e in second.data] == ["a", "b"]
    assert first.unreadable == second.unreadable == 1
    assert second.data[0] is first.data[0]  # a: handed back as read before
    assert second.data[1].status == "completed" and first.data[1].status == "running"


async def test_an_upstream_row_equal_in_python_but_not_in_json_is_read_again():
    # 1 == 1.0 == True in Python; in the answer they are not the same: `true` is no count.
    row = {"execution_id": "a", "status": "RUNNING", "created_at": "2026-11-29T10:00:00Z"}
    answers = [
        {**row, "total_tasks": 1, "completed_tasks": 1, "result": 1},
        {**row, "total_tasks": True, "completed_tasks": True, "result": 1.0},
    ]

    def route(request):
        body = {"executions": [answers[0]], "total": 1, "offset": 0, "limit": 1000}
        return reply(200, body)

    async with client_for(route, dialect="upstream") as client:
        first = await client.list_executions(limit=50)
        answers.pop(0)
        second = await client.list_executions(limit=50)
    assert first.data[0].total_tasks == 1 and first.data[0].completed_tasks == 1
    assert second.data[0].total_tasks is None and second.data[0].completed_tasks is None
    assert repr(second.data[0].result) == "1.0"


async def test_auto_dialect_falls_back_to_checkpoint_on_a_bare_404():
    calls = []

    def route(request):
        calls.append(request.url.path)
        if request.url.path.endswith("/dag"):
            return reply(404, {"detail": "Not Found"})
        return reply(
            200,
            {
                "execution_id": EID,
                "tasks": {},
                "root_goal": "",
                "status": "unknown",
                "checkpoints": [],
            },
        )

    async with client_for(route) as client:
        dag = await client.get_dag(EID)
    assert dag.nodes == [] and calls[-1].endswith("/checkpoint")


async def test_hosted_not_found_on_dag_is_not_mistaken_for_upstream():
    script = Script(reply(404, {"error": {"code": "not_found", "message": "Execution not found"}}))
    async with client_for(script) as client:
        with pytest.raises(NotFoundError):
            await client.get_dag(EID)
    assert len(script.requests) == 1


async def test_the_key_never_appears_in_errors_reprs_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    texts = []
    for answer in (
        reply(401, {"error": {"code": "unauthorized", "message": "bad key"}}),
        reply(500, raw=b"boom"),
        httpx.ConnectError("refused"),
        reply(200, raw=b"not json"),
    ):
        async with client_for(Script(answer), max_retries=0) as client:
            texts.append(repr(client))
            try:
                await client.get_status(EID)
            except RomaError as exc:
                texts += [str(exc), repr(exc), exc.message]
    texts.append(caplog.text)
    assert texts and all(KEY not in t for t in texts)


async def test_a_dead_server_is_a_connection_error():
    async with RomaClient("http://127.0.0.1:9", KEY, max_retries=0) as client:
        with pytest.raises(ApiConnectionError, match=r"Cannot connect to 127\.0\.0\.1:9"):
            await client.list_executions()


async def test_a_connection_dropped_mid_body():
    async def handle(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b'Content-Length: 5000\r\n\r\n{"data": ['
        )
        await writer.drain()
        writer.close()

    async with (
        loopback_server(handle) as url,
        RomaClient(url, KEY, max_retries=0) as client,
    ):
        with pytest.raises(ApiConnectionError, match="dropped"):
            await client.list_executions()


async def test_a_server_that_never_answers_times_out():
    async def handle(reader, writer):
        await asyncio.sleep(5)  # never answers; the server's teardown ends it

    async with (
        loopback_server(handle) as url,
        RomaClient(url, KEY, max_retries=0, timeout=0.3) as client,
    ):
        with pytest.raises(ApiTimeoutError):
            await client.get_status(EID)


@settings(deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda c: (
            st.lists(c, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "data",
                        "pagination",
                        "execution_id",
                        "status",
                        "dag",
                        "nodes",
                        "edges",
                        "executions",
                        "total",
                        "progress",
                        "error",
                        "detail",
                    ]
                ),
                c,
                max_size=5,
            )
        ),
        max_leaves=20,
    ),
    st.sampled_from([200, 400, 404, 422, 429, 500]),
)
def test_any_json_answer_gives_a_model_or_a_roma_error(payload, status):
    async def go():
        script = Script(reply(status, raw=json.dumps(payload).encode()))
        async with client_for(script, max_retries=0) as client:
            for call in (
                client.list_executions(),
                client.get_status(EID),
                client.get_execution(EID),
                client.get_dag(EID),
            ):
                with contextlib.suppress(RomaError):
                    await call

    asyncio.run(go())


def test_the_ca_bundle_is_read_only_where_tls_can_happen():
    assert not needs_tls("http://127.0.0.1:8000")
    assert needs_tls("https://roma.example")
    assert needs_tls("http://[::1")  # does not parse: the client says why, with a bundle ready


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 that no CA signed, and its key, as PEM files."""
    pytest.importorskip("cryptography")  # SecretStorage's dependency (keyring, on Linux)
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_an_untrusted_certificate_is_refused_and_the_key_never_sent(tmp_path):
    cert_file, key_file = _self_signed(tmp_path)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)
    requests: list[bytes] = []

    async def answer(reader, writer):
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            requests.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_side)
    port = server.sockets[0].getsockname()[1]
    try:
        async with RomaClient(f"https://127.0.0.1:{port}", KEY, max_retries=0) as client:
            with pytest.raises(ApiConnectionError, match="certificate verify failed") as caught:
                await client.list_executions()
        assert KEY not in str(caught.value)
        # The context a plain-http client holds trusts no certificate at all.
        with pytest.raises(ssl.SSLCertVerificationError):
            await asyncio.open_connection(
                "127.0.0.1",
                port,
                ssl=_context_for(httpx.URL("http://127.0.0.1")),
                server_hostname="127.0.0.1",
            )
    finally:
        server.close()
    assert requests == []  # no request, so no key, ever reached the untrusted server


async def test_a_server_that_echoes_the_key_never_gets_it_shown():
    echo = f"Invalid API key: {KEY}"
    refusal = {"error": {"code": "unauthorized", "message": echo}, "request_id": "req_echo"}
    listed = {**PAGE, "data": [{**EXECUTION, "initial_goal": f"use {KEY} here"}]}
    script = Script(
        reply(401, refusal, {"X-Request-ID": KEY}),
        reply(200, listed, {"X-Request-ID": f"req-{KEY}"}),
    )
    async with client_for(script) as client:
        with pytest.raises(AuthenticationError) as refused:
            await client.list_executions()
        page = await client.list_executions()
    assert KEY not in str(refused.value) and "<API key>" in str(refused.value)
    assert refused.value.request_id == "req_echo"
    assert page.data[0].initial_goal == "use <API key> here"
    assert client.last_request_id == "req-<API key>"


@pytest.fixture
def console_log():
    """The console's own log file, as `setup_logging` makes it (in the test's XDG dirs); the
    loggers are put back as they were afterwards."""
    from roma_tui.logsetup import setup_logging

    loggers = [logging.getLogger(name) for name in ("roma_tui", "httpx")]
    saved = [(lg.level, lg.propagate, list(lg.handlers)) for lg in loggers]
    path = setup_logging()
    assert path is not None
    yield path
    for logger, (level, propagate, handlers) in zip(loggers, saved, strict=True):
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.setLevel(level)
        logger.propagate = propagate
        logger.handlers[:] = handlers


@pytest.mark.parametrize(
    "answer",
    [
        f"HTP/1.1 500 {KEY}\r\n\r\n",  # a status line httpx cannot parse, which it quotes
        f"HTTP/1.1 200 OK\r\n{KEY} x: 1\r\n\r\n",  # a header line it cannot parse
        f"HTTP/1.1 401 Bad key {KEY}\r\nContent-Length: 2\r\n\r\n{{}}",  # a reason phrase
    ],
)
async def test_a_broken_answer_that_quotes_the_key_never_shows_it(answer, console_log):
    async def handle(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer.encode())
        await writer.drain()
        writer.close()

    async with (
        loopback_server(handle) as url,
        RomaClient(url, KEY, max_retries=0) as client,
    ):
        with pytest.raises(RomaError) as failed:
            await client.list_executions()
    assert KEY not in str(failed.value)
    logged = console_log.read_text()
    assert KEY not in logged  # httpx's own request line quoted the reason phrase
    if " 401 " in answer:  # an answer came: the request is in the log, by its status code
        assert "/api/v1/executions: 401" in logged


async def test_an_unreadable_answer_still_tells_the_budget_its_headers_gave():
    limits = {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "997"}
    script = Script(reply(200, raw=b"{not json", headers=limits))
    async with client_for(script, max_retries=0) as client:
        with pytest.raises(ApiResponseError):
            await client.list_executions()
    assert client.rate_limit is not None and client.rate_limit.remaining == 997
