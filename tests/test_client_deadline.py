"""The client's timeout is the deadline of a whole call; bad answers become typed errors.

The servers here are real sockets on loopback (tests/loopback.py). The elapsed-time asserts are
the deadline contract (a call must end by its timeout), with generous slack, not speed figures.
"""

from __future__ import annotations

import asyncio
import json
import math
import time

import httpx
import pytest

from loopback import loopback_server
from roma_tui.api import (
    ApiResponseError,
    ApiTimeoutError,
    InsecureTransportError,
    RateLimitError,
    RomaClient,
    ServerError,
    check_base_url,
    is_loopback,
)

KEY = "sk_live_SECRET_never_shown_0123456789"
SLACK = 1.5  # seconds over the deadline a loaded CI machine may take to unwind
PAGE = {"data": [], "pagination": {"total": 0, "limit": 20, "offset": 0, "has_more": False}}


async def _read_request(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


async def _answer(writer: asyncio.StreamWriter, status: str, body: bytes, extra: str = "") -> None:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()


async def test_a_silent_server_ends_the_call_at_its_deadline_retries_included():
    attempts = 0

    async def silent(reader, writer):
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(3600)

    sent: list[tuple[str, str]] = []
    async with (
        loopback_server(silent) as url,
        RomaClient(
            url, KEY, timeout=1, max_retries=3, on_send=lambda m, p: sent.append((m, p))
        ) as c,
    ):
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError) as caught:
            await c.list_executions()
        elapsed = time.monotonic() - started
    assert elapsed < 1 + SLACK
    message = str(caught.value)
    assert message.endswith("did not answer GET /api/v1/executions within 1 s.")
    assert "…" not in message and KEY not in message
    assert sent == [("GET", "/api/v1/executions")] * attempts


async def test_a_server_that_drips_its_answer_cannot_hold_the_call_past_its_deadline():
    async def drip(reader, writer):
        await _read_request(reader)
        body = json.dumps(PAGE).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        for byte in body:  # one byte every 0.2 s: each read is quick, the whole is not
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.2)

    async with loopback_server(drip) as url, RomaClient(url, KEY, timeout=1) as client:
        started = time.monotonic()
        with pytest.raises(ApiTimeoutError, match=r"within 1 s\.$"):
            await client.list_executions()
        assert time.monotonic() - started < 1 + SLACK


async def test_failing_retries_stop_before_the_deadline_and_say_what_failed():
    async def failing(reader, writer):
        await _read_request(reader)
        await _answer(writer, "500 Internal Server Error", b'{"error": "boom"}')

    sent: list[tuple[str, str]] = []
    async with (
        loopback_server(failing) as url,
        RomaClient(
            url, KEY, timeout=1, max_retries=5, on_send=lambda m, p: sent.append((m, p))
        ) as c,
    ):
        started = time.monotonic()
        with pytest.raises(ServerError, match="boom"):
            await c.get_status("exec_1a2b3c4d5e6f7g8h")
        assert time.monotonic() - started < 1 + SLACK
    # Backoff waits of 0.25-0.5 s then 0.5-1 s: the deadline leaves room for two or three tries.
    assert 1 <= len(sent) <= 3
    assert set(sent) == {("GET", "/api/v1/executions/exec_1a2b3c4d5e6f7g8h/status")}


async def test_on_send_sees_every_attempt_and_can_stop_one_before_it_is_sent():
    answers = [httpx.Response(503), httpx.Response(503), httpx.Response(200, json=PAGE)]
    requests: list[httpx.Request] = []

    def serve(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return answers.pop(0)

    async def no_sleep(seconds: float) -> None:
        pass

    sent: list[tuple[str, str]] = []
    async with RomaClient(
        "http://127.0.0.1:8765",
        KEY,
        transport=httpx.MockTransport(serve),
        sleep=no_sleep,
        on_send=lambda m, p: sent.append((m, p)),
    ) as client:
        await client.list_executions()
    assert sent == [("GET", "/api/v1/executions")] * 3 == [("GET", r.url.path) for r in requests]

    class OverBudget(Exception):
        pass

    def refuse(method: str, path: str) -> None:
        raise OverBudget(f"{method} {path}")

    requests.clear()
    async with RomaClient(
        "http://127.0.0.1:8765", KEY, transport=httpx.MockTransport(serve), on_send=refuse
    ) as client:
        with pytest.raises(OverBudget):
            await client.list_executions()
    assert requests == []


async def test_a_retry_after_beyond_the_deadline_is_reported_at_once():
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": "slow down"}, headers={"Retry-After": "20"})

    async with RomaClient(
        "http://127.0.0.1:8765",
        KEY,
        timeout=5,
        transport=httpx.MockTransport(limited),
        sleep=fake_sleep,
    ) as client:
        with pytest.raises(RateLimitError):
            await client.list_executions()
    assert sleeps == []


@pytest.mark.parametrize("bad", [0, -1, math.nan, math.inf])
def test_a_timeout_that_is_not_a_positive_number_is_refused(bad):
    with pytest.raises(ValueError, match="above 0"):
        RomaClient("http://127.0.0.1:8765", KEY, timeout=bad)


async def test_a_number_too_large_for_python_is_a_bad_answer_not_a_crash():
    body = b'{"data": [], "pagination": {"total": ' + b"1" * 5000 + b"}}"

    async def huge(reader, writer):
        await _read_request(reader)
        await _answer(writer, "200 OK", body)

    async with loopback_server(huge) as url, RomaClient(url, KEY, max_retries=0) as client:
        with pytest.raises(ApiResponseError, match=r"not valid JSON.*number too large"):
            await client.list_executions()


async def test_a_redirect_is_named_as_such_and_not_followed():
    hits = 0

    async def redirect(reader, writer):
        nonlocal hits
        hits += 1
        await _read_request(reader)
        await _answer(
            writer, "302 Found", b"", "Location: https://elsewhere.example/login?next=x\r\n"
        )

    async with loopback_server(redirect) as url, RomaClient(url, KEY) as client:
        with pytest.raises(ApiResponseError) as caught:
            await client.list_executions()
    assert str(caught.value) == (
        "The server redirected GET /api/v1/executions to elsewhere.example/login; "
        "not followed (check the URL)."
    )
    assert hits == 1


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("localhost.", True),
        ("127.0.0.1", True),
        ("127.9.8.7", True),
        ("::1", True),
        ("[::1]", True),
        ("evil.localhost", False),
        ("localhost.evil.com", False),
        ("localhost.localdomain", False),
        ("128.0.0.1", False),
        ("", False),
        (None, False),
    ],
)
def test_only_localhost_and_literal_loopback_addresses_are_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_a_key_never_goes_over_plain_http_to_a_name_under_localhost():
    with pytest.raises(InsecureTransportError, match=r"evil\.localhost"):
        RomaClient("http://evil.localhost:8765", KEY)
    assert str(check_base_url("http://localhost:8765/", sends_key=True, allow_insecure=False)) == (
        "http://localhost:8765/api/v1"
    )
