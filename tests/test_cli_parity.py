"""`ls` and `status` say what the console says: runaways marked (by the profile's
runaway_minutes), `ls --runaway`, and the goal in `status`. Against the real sandbox."""

from __future__ import annotations

import json

import pytest

from roma_tui.settings import Profile, save_profile
from test_cli import run

RUNAWAY_GOAL = "Monitor every exchange for arbitrage forever (runaway)"


@pytest.fixture
def seeded(start_sandbox, monkeypatch):
    """20 runs, among them one left running for 4 minutes (the sandbox's runaway), and two
    profiles on it: `strict` calls a run a runaway after 3 minutes, `lenient` after 5."""
    from conftest import KEY

    monkeypatch.setenv("ROMA_API_KEY", KEY)
    server = start_sandbox(seed_demo=20, time_scale=0.02)
    save_profile(Profile(name="strict", base_url=server.url, runaway_minutes=3))
    save_profile(Profile(name="lenient", base_url=server.url, runaway_minutes=5))
    return server


def runaway_id(out: str) -> str:
    rows = json.loads(out)
    return next(r["execution_id"] for r in rows if r["initial_goal"] == RUNAWAY_GOAL)


def test_ls_marks_runaways_by_the_profiles_minutes(seeded):
    code, out, err = run(["ls", "--profile", "strict", "--json"])
    assert code == 0, err
    rows = json.loads(out)
    marked = [r for r in rows if r["runaway"]]
    assert [r["initial_goal"] for r in marked] == [RUNAWAY_GOAL]
    assert all(r["runaway"] is False for r in rows if r not in marked)
    code, out, _ = run(["ls", "--profile", "lenient", "--json"])
    assert code == 0 and not any(r["runaway"] for r in json.loads(out))  # 4 min < 5 min
    code, out, _ = run(["ls", "--profile", "strict"])
    line = next(x for x in out.splitlines() if "Monitor every exchange" in x)
    assert "running RUNAWAY" in line
    assert sum("RUNAWAY" in x for x in out.splitlines()) == 1


def test_ls_runaway_lists_only_runaways(seeded):
    code, out, err = run(["ls", "--profile", "strict", "--runaway", "--json"])
    assert code == 0, err
    rows = json.loads(out)
    assert [r["initial_goal"] for r in rows] == [RUNAWAY_GOAL] and rows[0]["runaway"] is True
    code, out, _ = run(["ls", "--profile", "strict", "--runaway"])
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "PROFILE", "CREATED", "DURATION", "GOAL"]
    assert sum(x.startswith("exec_") for x in lines) == 1
    assert "1 runaway (running over 3 min) of" in out
    # --all pages through everything, a page of one row at a time.
    code, out, _ = run(["ls", "--profile", "strict", "--runaway", "--all", "--limit", "1"])
    assert code == 0 and sum(x.startswith("exec_") for x in out.splitlines()) == 1
    code, out, _ = run(["ls", "--profile", "lenient", "--runaway", "--json"])
    assert code == 0 and json.loads(out) == []
    # A status that cannot be a runaway, asked for: nothing, said plainly.
    code, out, _ = run(["ls", "--profile", "strict", "--runaway", "--status", "completed"])
    assert code == 0 and "0 runaway (running over 3 min) of" in out


def test_status_shows_the_goal_and_the_runaway_mark(seeded):
    _, out, _ = run(["ls", "--profile", "strict", "--json"])
    runaway = runaway_id(out)
    code, out, err = run(["status", runaway, "--profile", "strict"])
    assert code == 0, err
    fields = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert RUNAWAY_GOAL in fields["goal"]
    assert "running  RUNAWAY: running for 4m" in fields["status"]
    assert "(the profile's limit is 3 min)" in fields["status"]
    code, out, _ = run(["status", runaway, "--profile", "strict", "--json"])
    shown = json.loads(out)
    assert shown["runaway"] is True and shown["initial_goal"] == RUNAWAY_GOAL
    assert shown["created_at"] and shown["execution_id"] == runaway
    code, out, _ = run(["status", runaway, "--profile", "lenient", "--json"])
    assert json.loads(out)["runaway"] is False
    code, out, _ = run(["status", runaway, "--profile", "lenient"])
    assert "RUNAWAY" not in out and RUNAWAY_GOAL in out


def test_status_of_a_cancelled_run_gives_the_reason_not_an_error(seeded):
    _, out, _ = run(["ls", "--profile", "strict", "--status", "cancelled", "--json"])
    cancelled = json.loads(out)[0]["execution_id"]
    code, out, _ = run(["status", cancelled, "--profile", "strict"])
    assert code == 0 and "reason:\nCancelled by the user." in out and "error" not in out
    assert "RUNAWAY" not in out


def test_status_goal_is_cleaned_of_escapes(seeded):
    _, out, _ = run(["ls", "--profile", "strict", "--json", "--limit", "100"])
    tricky = next(r["execution_id"] for r in json.loads(out) if "ANSI" in r["initial_goal"])
    code, out, _ = run(["status", tricky, "--profile", "strict"])
    assert code == 0 and "[bold]markup[/bold]" in out and "\x1b" not in out


def test_upstream_ls_and_status_mark_runaways_too(start_sandbox):
    """The upstream dialect (the open-source server, no key): the same marks, from its shapes."""
    server = start_sandbox(dialect="upstream", seed_demo=20, rate_limit="100000/hour")
    save_profile(Profile(name="up3", base_url=server.url, dialect="upstream", runaway_minutes=3))
    code, out, err = run(["ls", "--profile", "up3", "--runaway", "--json", "--all"])
    assert code == 0, err
    rows = json.loads(out)
    assert rows and all(r["runaway"] and r["status"] == "running" for r in rows)
    code, out, _ = run(["status", rows[0]["execution_id"], "--profile", "up3"])
    assert code == 0 and "RUNAWAY" in out and rows[0]["initial_goal"][:20] in out
