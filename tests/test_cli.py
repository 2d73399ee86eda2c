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
    assert code == 0 and "┌" in text and "▼" in text and "planner: Export my D" in text
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


# -- against the sandbox in the upstream dialect (the open-source ROMA server's answers) --------


@pytest.fixture
def upstream(start_sandbox):
    """Seeded runs of every kind: completed, failed, cancelled, and a runaway still running."""
    from roma_tui.settings import Profile, save_profile

    server = start_sandbox(
        dialect="upstream", seed_demo=30, fail_rate=0.3, rate_limit="100000/hour"
    )
    # The upstream server has no auth: a profile of its dialect may go without a key.
    save_profile(Profile(name="up", base_url=server.url, dialect="upstream"), activate=True)
    return server


def raw(server, path, **params):
    """The server's own answer, to compare what the CLI shows with what it was told."""
    import httpx

    return httpx.get(server.url + "/api/v1" + path, params=params, timeout=10).json()


def all_runs(server):
    return raw(server, "/executions", limit=1000, compact="true")["executions"]


def newest(runs):
    return sorted(runs, key=lambda r: r["created_at"], reverse=True)


def test_upstream_ls_and_an_unknown_run(upstream):
    runs = all_runs(upstream)
    assert len(runs) == 30 and all(len(r["execution_id"]) == 36 for r in runs)  # UUIDs
    code, out, err = run(["ls", "--url", upstream.url, "--json", "--limit", "5"])
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 5 and {r["config_profile"] for r in rows} <= {
        "general",
        "fast",
        "high_quality",
        "crypto_agent",
    }
    unknown = "00000000-0000-0000-0000-000000000000"
    code, _, err = run(["status", unknown, "--url", upstream.url])
    assert code == 1 and f"Execution {unknown} not found" in err


def test_upstream_ls_limit_500_on_a_fresh_call(upstream):
    code, out, err = run(["ls", "--url", upstream.url, "--json", "--limit", "500"])
    assert code == 0, err
    assert len(json.loads(out)) == 30


def test_upstream_ls_shows_the_newest_runs_first(upstream):
    """The server orders by experiment; the CLI keeps its promise of newest first."""
    expected = [r["execution_id"] for r in newest(all_runs(upstream))]
    code, out, err = run(["ls", "--url", upstream.url, "--json", "--limit", "5"])
    assert code == 0, err
    assert [r["execution_id"] for r in json.loads(out)] == expected[:5]
    code, out, _ = run(["ls", "--url", upstream.url, "--json", "--all", "--limit", "7"])
    assert [r["execution_id"] for r in json.loads(out)] == expected


def test_upstream_ls_sorts_and_filters_by_time_on_the_client(upstream):
    runs = newest(all_runs(upstream))
    code, out, _ = run(
        ["ls", "--url", upstream.url, "--sort", "created_at", "--order", "asc", "--json", "--all"]
    )
    shown = [r["execution_id"] for r in json.loads(out)]
    assert code == 0 and shown == [r["execution_id"] for r in reversed(runs)]
    cut = runs[10]["created_at"]
    code, out, _ = run(["ls", "--url", upstream.url, "--after", cut, "--json", "--all"])
    assert code == 0
    assert {r["execution_id"] for r in json.loads(out)} == {r["execution_id"] for r in runs[:10]}


def running_run(server):
    return next(r for r in all_runs(server) if r["status"] == "running")


def test_upstream_status_of_a_running_run_shows_progress_from_task_counts(upstream):
    run_id = running_run(upstream)["execution_id"]
    assert raw(upstream, f"/executions/{run_id}/status")["progress"] == 0.0  # the server's word
    stats = raw(upstream, f"/executions/{run_id}")["statistics"]
    done, total = stats["status_counts"].get("COMPLETED", 0), stats["total_tasks"]
    assert 0 < done < total
    code, out, err = run(["status", run_id, "--url", upstream.url, "--json"])
    assert code == 0, err
    assert json.loads(out)["progress"] == pytest.approx(100.0 * done / total, abs=0.5)
    code, out, _ = run(["status", run_id, "--url", upstream.url])
    assert f"{done} of {total} tasks" in out


def test_upstream_status_of_a_failed_run_says_why(upstream):
    failed = next(r for r in all_runs(upstream) if r["status"] == "failed")
    reason = failed["metadata"]["error"]
    assert "(simulated failure)" in reason
    code, out, err = run(["status", failed["execution_id"], "--url", upstream.url])
    assert code == 0 and reason in out, err
    code, out, _ = run(["status", failed["execution_id"], "--url", upstream.url, "--json"])
    assert reason in json.loads(out)["error"]


def test_upstream_dag_of_a_running_run_has_its_nested_planners(upstream):
    run_id = running_run(upstream)["execution_id"]
    tasks = raw(upstream, f"/executions/{run_id}/checkpoint")["tasks"]
    code, out, err = run(["dag", run_id, "--url", upstream.url, "--format", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert {n["id"] for n in data["nodes"]} == set(tasks)
    assert max(t["depth"] for t in tasks.values()) == 2  # max_depth 3: nested planners


def test_upstream_dag_parent_is_the_planner_of_the_innermost_subgraph(upstream):
    run_id = running_run(upstream)["execution_id"]
    snapshot = raw(upstream, f"/executions/{run_id}/checkpoint")["dag"]
    parents: dict[str, str] = {}

    def walk(snap, owner):
        for sub_id, sub in snap["subgraphs"].items():
            planner = next(t for t, v in snap["tasks"].items() if v["subgraph_id"] == sub_id)
            for task_id in sub["tasks"]:
                parents[task_id] = planner  # the innermost owner is written last
            walk(sub, planner)

    walk(snapshot, None)
    deps = sum(len(t["dependencies"]) for t in snapshot["tasks"].values())
    code, out, err = run(["dag", run_id, "--url", upstream.url, "--format", "json"])
    assert code == 0, err
    edges = json.loads(out)["edges"]
    assert {(e["from"], e["to"]) for e in edges if e["type"] == "subtask"} == {
        (p, c) for c, p in parents.items()
    }
    assert len(edges) == len(parents) + deps


def test_upstream_cancel_refused_for_a_running_run_says_so(upstream):
    """The server refuses a run it did not start (400 "is not running") although it runs."""
    run_id = running_run(upstream)["execution_id"]
    code, out, err = run(["cancel", run_id, "--url", upstream.url, "--yes"])
    assert code == 1
    assert "already finished" not in out + err and "refused" in (out + err).lower()
    assert raw(upstream, f"/executions/{run_id}")["status"] == "running"


def test_upstream_dag_of_an_unknown_run_gives_the_specific_message(upstream):
    unknown = "00000000-0000-0000-0000-000000000000"
    code, _, err = run(["dag", unknown, "--url", upstream.url])
    assert code == 1 and f"Execution {unknown} not found" in err
