"""The command-line companions, against the real sandbox: output, exit codes, no key shown."""

from __future__ import annotations

import io as stdio
import json
import subprocess
import sys

import pytest

from conftest import KEY, READ_ONLY_KEY
from roma_tui.cli import main
from roma_tui.commands import Io


def run(argv, *, answers=(), secret=None, interactive=False):
    out, err = stdio.StringIO(), stdio.StringIO()
    replies = iter(answers)
    code = main(
        argv,
        Io(
            out=out,
            err=err,
            ask=lambda _: next(replies),
            ask_secret=lambda _: secret,
            interactive=interactive,
        ),
    )
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def env_key(monkeypatch):
    monkeypatch.setenv("ROMA_API_KEY", KEY)


def test_version_from_the_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "roma_tui", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("roma-tui ")


def test_ls_shows_a_table_and_json(start_sandbox, env_key):
    server = start_sandbox(seed_demo=25)
    code, out, err = run(["ls", "--url", server.url, "--limit", "5"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "PROFILE", "CREATED", "DURATION", "GOAL"]
    assert len([line for line in lines if line.startswith("exec_")]) == 5
    assert "\x1b" not in out  # server text is cleaned before it reaches the terminal
    code, out, _ = run(["ls", "--url", server.url, "--all", "--limit", "7", "--json"])
    rows = json.loads(out)
    assert code == 0 and len(rows) == len({r["execution_id"] for r in rows}) >= 25
    code, out, _ = run(
        ["ls", "--url", server.url, "--status", "completed", "--json", "--limit", "100"]
    )
    assert {r["status"] for r in json.loads(out)} == {"completed"}


def test_status_and_cancel(start_sandbox, env_key):
    server = start_sandbox(time_scale=20)
    code, out, _ = run(["ls", "--url", server.url, "--json"])
    assert json.loads(out) == []
    import asyncio

    from roma_tui.api import RomaClient

    async def create():
        async with RomaClient(server.url, KEY) as client:
            return (await client.create_execution("Cancel me from the CLI")).execution_id

    execution_id = asyncio.run(create())
    code, out, _ = run(["status", execution_id, "--url", server.url])
    assert code == 0 and "running" in out and "progress" in out
    code, out, err = run(["cancel", execution_id, "--url", server.url])
    assert code == 2 and "--yes" in err  # no terminal to confirm: nothing sent
    code, out, _ = run(
        ["cancel", execution_id, "--url", server.url], answers=["n"], interactive=True
    )
    assert code == 0 and "Nothing was cancelled" in out and "Cancel me from the CLI" in out
    code, out, _ = run(["cancel", execution_id, "--url", server.url, "--yes"])
    assert code == 0 and f"{execution_id}  cancelled" in out
    code, out, _ = run(["cancel", execution_id, "--url", server.url, "--yes", "--json"])
    assert code == 0 and json.loads(out)[0]["outcome"] == "already cancelled"


def test_exit_codes_for_usage_and_api_errors(sandbox, env_key, monkeypatch):
    code, _, err = run(["status", "exec_nope", "--url", sandbox.url])
    assert code == 2 and "not an execution ID" in err
    code, _, err = run(["status", "exec_0000000000000000", "--url", sandbox.url])
    assert code == 1 and "not found" in err.lower() and "request ID req_" in err
    code, _, err = run(["ls", "--url", "http://127.0.0.1:9", "--timeout", "1"])
    assert code == 1 and "Is a ROMA server running" in err
    monkeypatch.setenv("ROMA_API_KEY", READ_ONLY_KEY)
    code, out, err = run(["cancel", "exec_0000000000000000", "--url", sandbox.url, "--yes"])
    assert code == 1 and "not permitted" in out
    monkeypatch.setenv("ROMA_API_KEY", "wrong")
    code, _, err = run(["ls", "--url", sandbox.url])
    assert code == 1 and "API key was refused" in err and "ROMA_API_KEY" in err
    with pytest.raises(SystemExit) as usage:
        run(["ls", "--limit", "many"])
    assert usage.value.code == 2


def test_login_verifies_and_stores_in_the_keyring(sandbox, memory_keyring):
    code, out, err = run(["login", "--profile", "local", "--url", sandbox.url], secret="bad")
    assert code == 1 and "not stored" in err and memory_keyring.store == {}
    code, out, err = run(["login", "--profile", "local", "--url", sandbox.url], secret=KEY)
    assert code == 0, err
    assert memory_keyring.store == {("roma-tui", "local"): KEY}
    code, out, _ = run(["profiles"])
    assert code == 0 and "local" in out and "stored" in out and KEY not in out
    code, out, _ = run(["ls"])  # the active profile and its stored key
    assert code == 0 and out.startswith("ID")
    code, out, _ = run(["logout", "--profile", "local"])
    assert code == 0 and memory_keyring.store == {}


def test_login_without_a_keyring_explains_and_stores_nothing(sandbox):
    import keyring
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())
    code, _, err = run(["login", "--url", sandbox.url], secret=KEY)
    assert code == 1 and "ROMA_API_KEY" in err
    from roma_tui.settings import config_path

    assert KEY not in config_path().read_text()


def test_dag_exports(start_sandbox, env_key):
    import asyncio as aio

    from roma_tui.api import RomaClient

    server = start_sandbox(time_scale=0.02)

    async def finished_run():
        async with RomaClient(server.url, KEY) as client:
            created = await client.create_execution("Export my DAG", max_depth=2)
            for _ in range(200):
                if (await client.get_status(created.execution_id)).is_finished:
                    return created.execution_id
                await aio.sleep(0.05)
        raise AssertionError("run did not finish")

    run_id = asyncio_run(finished_run())
    code, text, _ = run(["dag", run_id, "--url", server.url])
    assert code == 0 and "┌" in text and "▼" in text and "atomizer" in text
    code, text, _ = run(["dag", run_id, "--url", server.url, "--ascii"])
    assert code == 0 and text.isascii()
    code, out, _ = run(["dag", run_id, "--url", server.url, "--format", "json"])
    data = json.loads(out)
    assert data["execution_id"] == run_id and data["layers"][0] == ["task_0000"]
    assert {n["id"] for n in data["nodes"]} == {n for layer in data["layers"] for n in layer}
    code, out, _ = run(["dag", run_id, "--url", server.url, "--format", "dot"])
    assert out.startswith(f'digraph "{run_id}" {{') and '"task_0000" -> ' in out
    code, out, _ = run(["dag", run_id, "--url", server.url, "--format", "mermaid"])
    assert out.startswith("flowchart TD") and "n0 --> " in out


def asyncio_run(coroutine):
    import asyncio as aio

    return aio.run(coroutine)


@pytest.fixture
def upstream():
    from roma_tui.settings import Profile, save_profile
    from upstream_server import UpstreamServer

    server = UpstreamServer()
    # The upstream server has no auth: a profile of its dialect may go without a key.
    save_profile(Profile(name="up", base_url=server.url, dialect="upstream"), activate=True)
    yield server
    server.stop()


def test_ls_status_and_dag_against_an_upstream_server(upstream):
    from upstream_server import RUN_ID

    code, out, err = run(["ls", "--url", upstream.url, "--json"])
    assert code == 0, err
    rows = json.loads(out)
    assert rows[0]["execution_id"] == RUN_ID  # newest first: sorted by us
    assert rows[0]["config_profile"] == "general" and rows[0]["status"] == "running"
    code, out, _ = run(
        ["ls", "--url", upstream.url, "--sort", "created_at", "--order", "asc", "--json"]
    )
    assert [r["execution_id"] for r in json.loads(out)][-1] == RUN_ID
    # `status` reads GET /executions/{id} upstream, which this stand-in lacks: it is checked
    # against the recorded answers in test_upstream_golden.py.
    code, out, err = run(["dag", RUN_ID, "--url", upstream.url, "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["layers"] == [["t0"], ["t1"], ["t2"]]
