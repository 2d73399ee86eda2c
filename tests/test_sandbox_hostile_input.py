"""Hostile input to the sandbox over loopback HTTP: a clear 4xx, nothing stored, still serving.

Each case here once answered 500 with a traceback (found by fuzzing); one of them (a lone
surrogate) also committed its row and broke every later list and get.
"""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest

from conftest import KEY
from roma_tui.sandbox import Engine, SandboxConfig
from roma_tui.sandbox.storage import Storage
from roma_tui.sandbox.webhooks import WebhookSender

EXECUTIONS = "/api/v1/executions"
JSON = {"Content-Type": "application/json"}
HUGE = "1" * 5000  # more digits than Python converts to an int by default (4,300)


def client(server) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30)


def assert_refused(response: httpx.Response, status: int = 400, code: str = "invalid_request"):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert "Traceback" not in response.text
    return body["error"]


def total(http: httpx.Client) -> int:
    listed = http.get(EXECUTIONS)
    assert listed.status_code == 200, listed.text
    return listed.json()["pagination"]["total"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (rb'{"goal": "x", "metadata": {"k": "\udfff"}}', "metadata.k"),
        (rb'{"goal": "x\ud800y"}', "goal"),
        (rb'{"goal": "x", "metadata": {"\udc00": "v"}}', "metadata"),
        (rb'{"goal": "x", "config_overrides": {"model": "\ud83d"}}', "config_overrides.model"),
        (rb'{"goal": "x", "metadata": {"webhook_token": "t\udfff"}}', "metadata.webhook_token"),
        (rb'{"goal": "x", "extra": ["\udfff"]}', "extra"),
    ],
)
def test_a_lone_surrogate_is_refused_and_nothing_is_stored(sandbox, raw, field):
    with client(sandbox) as http:
        error = assert_refused(http.post(EXECUTIONS, content=raw, headers=JSON))
        assert error["details"]["field"] == field and "surrogate" in error["message"]
        assert total(http) == 0
        created = http.post(
            EXECUTIONS, json={"goal": "after", "metadata": {"k": "\u00e9\U0001f600"}}
        )
        assert created.status_code == 202
        fetched = http.get(f"{EXECUTIONS}/{created.json()['execution_id']}")
        assert fetched.json()["metadata"]["user_metadata"] == {"k": "\u00e9\U0001f600"}
        assert total(http) == 1


def test_a_row_whose_answer_cannot_be_made_is_never_committed(sandbox):
    engine = sandbox.api.engine
    real = engine.execution_json
    engine.execution_json = lambda row, with_dag: {"x": float("nan")}  # JSON cannot carry NaN
    try:
        with client(sandbox) as http:
            assert_refused(
                http.post(EXECUTIONS, json={"goal": "lost"}), status=500, code="internal_error"
            )
    finally:
        engine.execution_json = real
    with client(sandbox) as http:
        assert total(http) == 0
        assert http.post(EXECUTIONS, json={"goal": "kept"}).status_code == 202
        assert total(http) == 1


def test_the_storage_transaction_rolls_everything_back(tmp_path):
    storage = Storage(tmp_path / "t.db")
    engine = Engine(storage, SandboxConfig())
    with pytest.raises(RuntimeError), storage.transaction():
        row = engine.create("owner", {"goal": "rolled back"})
        raise RuntimeError("the answer failed")
    assert storage.get(row.id) is None and storage.get_state("id_counter") is None
    again = engine.create("owner", {"goal": "another goal"})
    assert again.id == row.id  # the id was never used: the plan is the new goal's
    assert storage.get(again.id).goal == "another goal"
    storage.close()


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (f'{{"goal": "x", "max_depth": {HUGE}}}', "too long"),
        (f'{{"goal": "x", "config_overrides": {{"temperature": {HUGE}}}}}', "too long"),
        ('{"goal": "x", "config_overrides": {"temperature": NaN}}', "NaN"),
        ('{"goal": "x", "config_overrides": {"temperature": 1e999}}', "too large"),
    ],
)
def test_numbers_json_cannot_carry_back_are_a_400(sandbox, raw, words):
    with client(sandbox) as http:
        error = assert_refused(http.post(EXECUTIONS, content=raw, headers=JSON))
        assert words in error["message"]
        assert total(http) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://127.0.0.1:99999/hook",
        "http://127.0.0.1:-1/hook",
        "http://127.0.0.1:0/hook",
        "http://127.0.0.1:8/ho\x7fok",
        "http://127.0.0.1:8/a b",
    ],
)
def test_a_webhook_url_that_cannot_be_called_is_a_400(sandbox, url):
    with client(sandbox) as http:
        body = {"goal": "x", "metadata": {"webhook_url": url}}
        error = assert_refused(http.post(EXECUTIONS, json=body))
        assert error["details"]["field"] == "metadata.webhook_url"
        assert total(http) == 0


async def test_a_webhook_that_cannot_be_sent_is_marked_failed_and_logged(tmp_path, caplog):
    storage = Storage(tmp_path / "w.db")
    engine = Engine(storage, SandboxConfig(time_scale=0.001, fail_rate=0, runaway_rate=0))
    # Stored directly: the API refuses this URL now, but an older database may hold one.
    row = engine.create("owner", {"goal": "g", "metadata": {"webhook_url": "http://h\x7f/"}})
    engine.settle_one(row, row.created_at + 3600)
    sender = WebhookSender(engine)
    with caplog.at_level(logging.WARNING, logger="roma_tui.sandbox"):
        sender.send_pending()
        for _ in range(200):
            if storage.get(row.id).webhook != "pending":
                break
            await asyncio.sleep(0.01)
    await sender.close()
    assert storage.get(row.id).webhook == "failed"
    assert any(
        "webhook of" in r.getMessage() and "InvalidURL" in r.getMessage() for r in caplog.records
    )
    storage.close()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("created_after=9999-12-31T23:59:59-01:00", "created_after"),
        ("created_before=0001-01-01T00:00:00%2B01:00", "created_before"),
        ("limit=%C2%B2", "limit"),  # "²": isdigit() says yes, int() says no
        ("offset=%C2%B9", "offset"),
        ("limit=%D9%A3", "limit"),  # an Arabic-Indic three
    ],
)
def test_list_parameters_that_overflow_or_are_not_ascii_digits_are_a_400(sandbox, query, field):
    with client(sandbox) as http:
        error = assert_refused(http.get(f"{EXECUTIONS}?{query}"))
        assert error["details"]["field"] == field


def test_extreme_but_valid_times_still_list(sandbox):
    with client(sandbox) as http:
        http.post(EXECUTIONS, json={"goal": "x"})
        after = http.get(EXECUTIONS, params={"created_after": "0001-01-01T00:00:00Z"})
        before = http.get(EXECUTIONS, params={"created_before": "9999-12-31T23:59:59Z"})
        assert after.json()["pagination"]["total"] == before.json()["pagination"]["total"] == 1


def test_the_trailing_slash_redirect_never_names_the_host_header(sandbox):
    with client(sandbox) as http:
        response = http.get(f"{EXECUTIONS}/?limit=5", headers={"Host": "evil.example"})
        assert response.status_code in (301, 307, 308)
        assert response.headers["location"] == f"{EXECUTIONS}?limit=5"


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
)
def test_a_body_that_is_not_json_is_a_415(sandbox, headers):
    with client(sandbox) as http:
        response = http.post(EXECUTIONS, content=json.dumps({"goal": "x"}), headers=headers)
        error = assert_refused(response, status=415, code="unsupported_media_type")
        assert "application/json" in error["message"]
        assert "X-RateLimit-Remaining" in response.headers
        assert total(http) == 0
        charset = {"Content-Type": "application/json; charset=utf-8"}
        assert http.post(EXECUTIONS, content=b'{"goal": "x"}', headers=charset).status_code == 202


def test_a_cancel_without_a_body_needs_no_content_type(sandbox):
    with client(sandbox) as http:
        created = http.post(EXECUTIONS, json={"goal": "x"}).json()
        cancelled = http.post(f"{EXECUTIONS}/{created['execution_id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
