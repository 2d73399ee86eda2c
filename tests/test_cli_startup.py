"""Start-up: what the CLI imports before it can answer, and the one source of its choices.

Each import check runs in a fresh interpreter (the test process has everything loaded). These
assert which modules load, never how long it takes: `benchmarks/startup.py` prints the times.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import KEY
from roma_tui.api import dialects, validation
from roma_tui.cli import build_parser

_IMPORTS_AFTER = """
import json, sys
from roma_tui import cli
try:
    code = cli.main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imports_after(*argv: str) -> tuple[int, str, set[str]]:
    """Run `roma-tui ARGV` in a fresh interpreter: its exit code, output, and top-level packages
    imported (roma_tui's own modules by their full name)."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORTS_AFTER, *argv], capture_output=True, text=True
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    names = {m if m.startswith("roma_tui") else m.split(".")[0] for m in report["modules"]}
    return report["code"], result.stdout, names


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["ls", "--help"]])
def test_version_and_help_load_no_client_ui_or_keyring(argv):
    code, out, modules = imports_after(*argv)
    assert code == 0 and out.startswith(("roma-tui ", "usage: roma-tui"))
    heavy = {"textual", "httpx", "pydantic", "keyring", "tomlkit", "rich", "networkx"}
    assert modules.isdisjoint(heavy), modules & heavy
    assert "roma_tui.commands" not in modules and "roma_tui.api.client" not in modules


def test_ls_loads_the_client_but_not_the_console_sandbox_or_graph(start_sandbox, monkeypatch):
    server = start_sandbox(seed_demo=3)
    monkeypatch.setenv("ROMA_API_KEY", KEY)
    code, out, modules = imports_after("ls", "--url", server.url, "--limit", "2")
    assert code == 0 and out.splitlines()[0].split()[:2] == ["ID", "STATUS"]
    assert {"httpx", "pydantic", "roma_tui.api.client"} <= modules
    # The key came from ROMA_API_KEY: the OS keyring is never asked, nor loaded.
    unused = {"textual", "starlette", "uvicorn", "networkx", "click", "pygments", "rich", "keyring"}
    assert modules.isdisjoint(unused), modules & unused


def test_the_api_package_still_exports_every_name():
    import roma_tui.api as api
    from roma_tui.api import RomaClient
    from roma_tui.api.client import RomaClient as defined

    assert RomaClient is defined
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    assert set(api.__all__) <= set(dir(api))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = api.Nope


def _choices(*path: str) -> dict[str, object]:
    """The choices of each option of a subcommand (or of a top-level option)."""
    parser = build_parser()
    for name in path:
        sub = next(a for a in parser._actions if a.dest == "command")
        parser = sub.choices[name]
    return {a.option_strings[-1]: a.choices for a in parser._actions if a.option_strings}


def test_the_cli_offers_the_api_s_own_choices():
    ls = _choices("ls")
    assert list(ls["--status"]) == list(validation.STATUSES)
    assert list(ls["--sort"]) == list(validation.SORT_FIELDS)
    assert list(ls["--order"]) == list(validation.ORDERS)
    spoken = [d.value for d in dialects.Dialect if d is not dialects.Dialect.AUTO]
    assert list(_choices("sandbox")["--dialect"]) == spoken == ["hosted", "upstream"]


def test_an_unknown_choice_names_the_api_s_values(capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["ls", "--status", "paused"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'paused'" in err
    assert "'running', 'completed', 'failed', 'cancelled'" in err
