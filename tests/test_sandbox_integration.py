"""RomaClient against the real sandbox over loopback HTTP: every endpoint and every error."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from conftest import KEY, READ_ONLY_KEY
from roma_tui.api import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RomaClient,
)


async def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_create_then_watch_a_run_to_completion(sandbox):
    async with RomaClient(sandbox.url, KEY) as client:
        created = await client.create_execution(
            "Summarise solar power", max_depth=2, config_profile="fast", metadata={"team": "energy"}
        )
        assert created.status == "running" and created.dag is None
        assert created.metadata.user_metadata == {"team": "energy"}

        async def finished():
            status = await client.get_status(created.execution_id)
            return status if status.is_finished else None

        status = await wait_for(finished)
        assert status.status == "completed" and status.progress == 100.0
        assert "Summarise solar power" in status.result
        execution = await client.get_execution(created.execution_id)
        assert execution.completed_at is not None and execution.dag is not None
        dag = await client.get_dag(created.execution_id)
        assert dag.nodes and all(n.status == "completed" for n in dag.nodes)
        assert dag.computed_stats().total_nodes == len(dag.nodes)
        assert client.rate_limit.limit == 1000 and client.rate_limit.remaining < 1000


async def test_the_dag_moves_while_the_run_runs(start_sandbox):
    server = start_sandbox(time_scale=0.5)
    async with RomaClient(server.url, KEY) as client:
        created = await client.create_execution(
            "A goal to decompose into several parts", max_depth=3
        )
        first = await client.get_dag(created.execution_id)
        await asyncio.sleep(1.5)
        later = await client.get_dag(created.execution_id)
    # It grows as planners plan, and its tasks complete.
    moved = lambda dag: (len(dag.nodes), sum(n.status == "completed" for n in dag.nodes))  # noqa: E731
    assert moved(later) > moved(first)
    assert first.nodes[0].type == "planner"


async def test_list_filters_sorts_and_pages(start_sandbox):
    server = start_sandbox(seed_demo=30)
    async with RomaClient(server.url, KEY) as client:
        page = await client.list_executions(limit=10)
        assert len(page.data) == 10 and page.pagination.has_more
        assert page.pagination.total >= 30
        created = [e.created_at for e in page.data]
        assert created == sorted(created, reverse=True)
        second = await client.list_executions(limit=10, offset=10)
        assert not {e.execution_id for e in page.data} & {e.execution_id for e in second.data}
        completed = await client.list_executions(status="completed", limit=100)
        assert completed.data and all(e.status == "completed" for e in completed.data)
        fast = await client.list_executions(profile="fast", limit=100)
        assert all(e.config_profile == "fast" for e in fast.data)
        oldest = await client.list_executions(sort="created_at", order="asc", limit=5)
        assert [e.created_at for e in oldest.data] == sorted(e.created_at for e in oldest.data)
        cut = oldest.data[2].created_at
        after = await client.list_executions(created_after=cut, limit=100)
        assert all(e.created_at > cut for e in after.data)
        before = await client.list_executions(created_before=cut, limit=100)
        assert len(before.data) == 2


async def test_cancel_then_cancel_again(start_sandbox):
    server = start_sandbox(time_scale=5.0)
    async with RomaClient(server.url, KEY) as client:
        created = await client.create_execution("A slow goal")
        await asyncio.sleep(0.3)
        before = await client.get_dag(created.execution_id)
        result = await client.cancel_execution(created.execution_id)
        assert result.status == "cancelled" and result.cancelled_at is not None
        with pytest.raises(InvalidRequestError) as caught:
            await client.cancel_execution(created.execution_id)
        assert caught.value.code == "invalid_operation"
        assert "cancelled state" in str(caught.value) and caught.value.request_id
        await asyncio.sleep(0.3)
        after = await client.get_dag(created.execution_id)
        # the DAG stays as it was when the run was cancelled
        assert [n.status for n in after.nodes] == [n.status for n in before.nodes]


async def test_errors_carry_codes_and_request_ids(sandbox):
    async with RomaClient(sandbox.url, "wrong-key", max_retries=0) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.list_executions()
        assert caught.value.request_id.startswith("req_")
    async with RomaClient(sandbox.url, READ_ONLY_KEY) as client:
        await client.list_executions()
        with pytest.raises(PermissionDeniedError):
            await client.create_execution("x")
        with pytest.raises(PermissionDeniedError):
            await client.cancel_execution("exec_0000000000000000")
    async with RomaClient(sandbox.url, KEY) as client:
        with pytest.raises(NotFoundError) as missing:
            await client.get_status("exec_0000000000000000")
        assert missing.value.code == "not_found"


async def test_idempotent_create_returns_the_original(sandbox):
    async with RomaClient(sandbox.url, KEY) as client:
        one = await client.create_execution("Same goal", idempotency_key="k-1")
        two = await client.create_execution("Same goal", idempotency_key="k-1")
        assert one.execution_id == two.execution_id
        with pytest.raises(InvalidRequestError, match="different request"):
            await client.create_execution("Another goal", idempotency_key="k-1")
        page = await client.list_executions(limit=100)
        assert [e.initial_goal for e in page.data].count("Same goal") == 1


async def test_idempotent_cancel_replays_the_success(start_sandbox):
    server = start_sandbox(time_scale=5.0)
    async with RomaClient(server.url, KEY) as client:
        created = await client.create_execution("Cancel me once")
        first = await client.cancel_execution(created.execution_id, idempotency_key="c-1")
        again = await client.cancel_execution(created.execution_id, idempotency_key="c-1")
    assert first.cancelled_at == again.cancelled_at


async def test_rate_limit_bites_and_resets(start_sandbox):
    server = start_sandbox(rate_limit="5/s")
    async with RomaClient(server.url, KEY, max_retry_wait=0) as client:
        # Start right after a window edge so five requests fit in one window.
        await asyncio.sleep(1 - time.time() % 1 + 0.02)
        for _ in range(5):
            await client.list_executions(limit=1)
        assert client.rate_limit.remaining == 0
        with pytest.raises(RateLimitError) as caught:
            await client.list_executions(limit=1)
        assert caught.value.details["limit"] == 5 and caught.value.reset_at is not None
    async with RomaClient(server.url, KEY, max_retry_wait=2) as client:
        page = await client.list_executions(limit=1)  # waits for the reset, then succeeds
    assert page.pagination is not None


async def test_concurrent_runs_are_limited_per_key(start_sandbox):
    server = start_sandbox(time_scale=50.0, max_running_per_key=2)
    async with RomaClient(server.url, KEY, max_retry_wait=0) as client:
        await client.create_execution("one")
        await client.create_execution("two")
        with pytest.raises(RateLimitError, match="concurrent"):
            await client.create_execution("three")


async def test_runs_time_out_like_the_hosted_service(start_sandbox):
    server = start_sandbox(time_scale=50.0, execution_timeout=0.5)
    async with RomaClient(server.url, KEY) as client:
        created = await client.create_execution("slow")

        async def failed():
            status = await client.get_status(created.execution_id)
            return status if status.status == "failed" else None

        status = await wait_for(failed)
    assert "timed out" in status.error


def test_raw_http_details(sandbox):
    with httpx.Client(base_url=sandbox.url, headers={"X-API-Key": KEY}) as http:
        listing = http.get("/api/v1/executions", headers={"Accept-Encoding": "gzip"})
        assert listing.headers["X-Request-ID"].startswith("req_")
        for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
            assert header in listing.headers
        created = http.post("/api/v1/executions", json={"goal": "g" * 2000})
        assert created.status_code == 202
        big = http.get(
            f"/api/v1/executions/{created.json()['execution_id']}",
            headers={"Accept-Encoding": "gzip"},
        )
        assert big.headers.get("content-encoding") == "gzip"
        preflight = http.options(
            "/api/v1/executions",
            headers={
                "Origin": "https://example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "X-API-Key, Content-Type",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == "*"
        nowhere = http.get("/api/v1/nowhere")
        assert nowhere.status_code == 404 and "X-RateLimit-Remaining" in nowhere.headers
        spec = http.get("/openapi.json").json()
        assert set(spec["paths"]) >= {"/api/v1/executions", "/api/v1/executions/{execution_id}/dag"}


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/api/v1/executions", b"not json", "invalid_request"),
        ("POST", "/api/v1/executions", b"[1, 2]", "invalid_request"),
        ("POST", "/api/v1/executions", b'{"goal": 5}', "invalid_request"),
        ("POST", "/api/v1/executions", b'{"goal": "a\\u0000b"}', "invalid_request"),
        ("POST", "/api/v1/executions", b'{"goal": "g", "max_depth": "3"}', "invalid_request"),
        (
            "POST",
            "/api/v1/executions",
            b'{"goal": "g", "extra": 1, "max_depth": 99}',
            "invalid_request",
        ),
        (
            "POST",
            "/api/v1/executions",
            b'{"goal": "g", "metadata": {"webhook_url": "http://example.com/hook"}}',
            "invalid_request",
        ),
        ("POST", "/api/v1/executions", b"x" * (10 * 1024 * 1024), "invalid_request"),
        ("GET", "/api/v1/executions?limit=0", None, "invalid_request"),
        ("GET", "/api/v1/executions?limit=abc", None, "invalid_request"),
        ("GET", "/api/v1/executions?offset=-1", None, "invalid_request"),
        ("GET", "/api/v1/executions?status=paused", None, "invalid_request"),
        ("GET", "/api/v1/executions?created_after=yesterday", None, "invalid_request"),
        ("GET", "/api/v1/executions?sort=goal", None, "invalid_request"),
        ("GET", "/api/v1/executions/not-an-id", None, "invalid_request"),
        ("GET", "/api/v1/executions/exec_0000000000000000/dag", None, "not_found"),
    ],
)
def test_bad_input_is_a_documented_400(sandbox, method, path, body, code):
    with httpx.Client(base_url=sandbox.url, headers={"X-API-Key": KEY}, timeout=30) as http:
        response = http.request(
            method, path, content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code in (400, 404)
        error = response.json()
        assert error["error"]["code"] == code and error["error"]["message"]
        assert error["request_id"] == response.headers["X-Request-ID"]
        assert "Traceback" not in response.text
        assert http.get("/api/v1/executions").status_code == 200  # still serving


def test_webhook_is_delivered_on_completion(sandbox):
    received = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_port}/hook"
        with httpx.Client(base_url=sandbox.url, headers={"X-API-Key": KEY}) as http:
            created = http.post(
                "/api/v1/executions",
                json={
                    "goal": "notify me",
                    "metadata": {"webhook_url": url, "webhook_token": "tok"},
                },
            )
            assert created.json()["metadata"]["user_metadata"]["webhook_token"] == "***"
            deadline = time.monotonic() + 10
            while not received and time.monotonic() < deadline:
                time.sleep(0.05)
        assert received == [
            {
                "execution_id": created.json()["execution_id"],
                "status": "completed",
                "result": received[0]["result"],
                "metadata": {"webhook_token": "tok"},
            }
        ]
        assert "notify me" in received[0]["result"]
    finally:
        receiver.shutdown()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_process(db, port):
    # The key comes from the environment, so it is not in the process list.
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "roma_tui",
            "sandbox",
            "--db",
            str(db),
            "--port",
            str(port),
            "--api-key-env",
            "SANDBOX_TEST_KEY",
            "--time-scale",
            "50",
            "--fail-rate",
            "0",
            "--runaway-rate",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SANDBOX_TEST_KEY": KEY},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(process.stderr.read().decode())


def test_every_acknowledged_run_survives_sigkill(tmp_path):
    db, port = tmp_path / "kill.db", _free_port()
    url = f"http://127.0.0.1:{port}/api/v1"
    headers = {"X-API-Key": KEY}
    process = _start_process(db, port)
    try:
        ids = [
            httpx.post(f"{url}/executions", json={"goal": f"run {i}"}, headers=headers).json()[
                "execution_id"
            ]
            for i in range(5)
        ]
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    process = _start_process(db, port)
    try:
        for execution_id in ids:
            body = httpx.get(f"{url}/executions/{execution_id}", headers=headers).json()
            assert body["status"] == "failed"
            assert "stopped while this execution was running" in body["error"]
        listed = httpx.get(f"{url}/executions?limit=100", headers=headers).json()
        assert {e["execution_id"] for e in listed["data"]} == set(ids)
    finally:
        process.terminate()
        process.wait(timeout=10)
