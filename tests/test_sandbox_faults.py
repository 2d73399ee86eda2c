"""Injected faults (`--faults`), for rehearsing an incident against the sandbox."""

from __future__ import annotations

import io
import time

import httpx
import pytest

from conftest import KEY
from roma_tui.cli import main
from roma_tui.commands import Io
from roma_tui.sandbox.middleware import parse_faults

EXECUTIONS = "/api/v1/executions"


def client(server) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30)


def test_a_fault_spec_reads_kinds_probabilities_and_the_slow_delay():
    assert parse_faults("500:0.1,503:0.05,slow:0.05,drop:0.05") == (
        {"500": 0.1, "503": 0.05, "slow": 0.05, "drop": 0.05},
        3.0,
    )
    assert parse_faults(" 429:0.2 , html:0.1, slow=0.5:0.3") == (
        {"429": 0.2, "html": 0.1, "slow": 0.3},
        0.5,
    )


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("404:0.1", "'404:0.1' is not a fault"),
        ("500", "'500' is not a fault"),
        ("500:1.5", "from 0 to 1, not '1.5'"),
        ("500:nan", "from 0 to 1, not 'nan'"),
        ("500:x", "from 0 to 1, not 'x'"),
        ("500:0.6,503:0.6", "add up to 1.2, more than 1"),
        ("500:0.1,500:0.2", "given twice"),
        ("drop=2:0.1", "is not a fault"),
        ("slow=-1:0.1", "the delay of slow"),
        ("", "is not a fault"),
    ],
)
def test_a_bad_fault_spec_says_what_is_wrong(spec, words):
    with pytest.raises(ValueError) as raised:
        parse_faults(spec)
    assert words in str(raised.value)


@pytest.mark.parametrize(
    ("faults", "words"),
    [({"404": 0.1}, "unknown fault '404'"), ({"500": 0.7, "drop": 0.7}, "more than 1")],
)
def test_settings_with_bad_faults_are_refused(tmp_path, faults, words):
    from roma_tui.sandbox import SandboxSettings, make_api

    with pytest.raises(ValueError, match=words):
        make_api(SandboxSettings(db=tmp_path / "x.db", faults=faults))


@pytest.mark.parametrize("command", ["sandbox", "demo"])
def test_a_bad_faults_option_is_a_usage_error(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--faults", "500:2"], Io(out=io.StringIO(), err=io.StringIO()))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "argument --faults: the probability of 500 must be a number from 0 to 1" in err
    assert "Traceback" not in err


def test_a_500_fault_is_the_hosted_error_with_a_request_id(start_sandbox):
    server = start_sandbox(faults={"500": 1.0})
    with client(server) as http:
        response = http.get(EXECUTIONS)
        spec = http.get("/openapi.json")
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert "--faults" in body["error"]["message"]
    assert response.headers["X-RateLimit-Remaining"] == "999"
    assert spec.status_code == 200  # only the API routes fail


def test_a_503_fault_says_when_to_retry(start_sandbox):
    server = start_sandbox(faults={"503": 1.0})
    with client(server) as http:
        response = http.post(EXECUTIONS, json={"goal": "never created"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "service_unavailable"
    assert server.api.engine.storage.page(
        limit=10,
        offset=0,
        status=None,
        profile=None,
        created_after=None,
        created_before=None,
        sort="created_at",
        order="desc",
    ) == ([], 0)


def test_a_429_fault_has_the_rate_limit_details(start_sandbox):
    server = start_sandbox(faults={"429": 1.0})
    with client(server) as http:
        response = http.get(EXECUTIONS)
    assert response.status_code == 429 and response.headers["Retry-After"] == "5"
    error = response.json()["error"]
    assert error["code"] == "rate_limit_exceeded"
    assert error["details"]["limit"] == 1000 and error["details"]["remaining"] == 999


def test_an_html_fault_is_a_proxy_page(start_sandbox):
    server = start_sandbox(faults={"html": 1.0})
    with client(server) as http:
        response = http.get(EXECUTIONS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_a_drop_fault_closes_the_connection_without_an_answer(start_sandbox):
    server = start_sandbox(faults={"drop": 1.0})
    with client(server) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            http.get(EXECUTIONS)
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(EXECUTIONS, json={"goal": "dropped"})
        assert http.get("/openapi.json").status_code == 200  # the server lives on


def test_a_slow_fault_answers_late_but_answers(start_sandbox):
    server = start_sandbox(faults={"slow": 1.0}, slow=0.3)
    with client(server) as http:
        started = time.monotonic()
        response = http.get(EXECUTIONS)
        waited = time.monotonic() - started
    assert response.status_code == 200 and response.json()["data"] == []
    assert waited >= 0.3


def test_faults_are_drawn_from_a_seeded_rng_and_count_against_the_rate_limit(start_sandbox):
    def statuses(server) -> list[tuple[int, str]]:
        with client(server) as http:
            answers = [http.get(EXECUTIONS) for _ in range(20)]
        return [(a.status_code, a.headers["X-RateLimit-Remaining"]) for a in answers]

    first = statuses(start_sandbox(faults={"500": 0.3, "503": 0.2}))
    again = statuses(start_sandbox(faults={"500": 0.3, "503": 0.2}))
    assert first == again  # the same seed, the same incident
    assert {status for status, _ in first} == {200, 500, 503}
    assert [int(left) for _, left in first] == list(range(999, 979, -1))


def test_when_the_budget_is_spent_the_real_429_wins(start_sandbox):
    server = start_sandbox(faults={"500": 1.0}, rate_limit="2/day")
    with client(server) as http:
        answers = [http.get(EXECUTIONS) for _ in range(3)]
    assert [a.status_code for a in answers] == [500, 500, 429]
    assert "--faults" not in answers[2].json()["error"]["message"]


def test_the_sandbox_command_says_which_faults_it_injects(monkeypatch):
    from roma_tui import sandbox_command

    served = []
    monkeypatch.setattr(sandbox_command, "serve", lambda api, host, port: served.append(api))
    out = io.StringIO()
    code = main(
        ["sandbox", "--db", ":memory:", "--faults", "500:0.1,drop:0.05"],
        Io(out=out, err=io.StringIO()),
    )
    assert code == 0
    assert "injected faults per API request: 500 10%, drop 5%" in out.getvalue()
    assert served[0].faults == {"500": 0.1, "drop": 0.05}
