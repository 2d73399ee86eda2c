"""The README's key tables name every key of the console and the DAG explorer (their bindings)."""

from __future__ import annotations

import re
from pathlib import Path

from roma_tui.ui.dag_screen import DagScreen
from roma_tui.ui.dag_view import DagView
from roma_tui.ui.executions_table import ExecutionsTable
from roma_tui.ui.help import binding_rows
from roma_tui.ui.main_screen import MainScreen

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(title)
    return README[start : README.index("\n### ", start + len(title))]


def _keys_named(section: str) -> set[str]:
    first_cells = re.findall(r"^\| (.+?) \|", section, flags=re.M)
    return {key for cell in first_cells for key in re.findall(r"`([^`]+)`", cell)}


def _missing(bindings: list[tuple[str, str]], section: str) -> list[str]:
    named = _keys_named(section)
    # `1`-`5` names the quick filters as a range; every other key is named as itself.
    named |= {str(n) for n in range(1, 6)} if "`1`-`5`" in section else set()
    return [
        f"{keys} ({what})"
        for keys, what in bindings
        if not any(key.strip() in named for key in keys.split(","))
    ]


def test_every_console_key_is_in_the_readme():
    rows = binding_rows(MainScreen.BINDINGS, ExecutionsTable.BINDINGS)
    assert _missing(rows, _section("### Keys in the console")) == []


def test_every_dag_key_is_in_the_readme():
    rows = binding_rows(DagView.BINDINGS, DagScreen.BINDINGS)
    assert _missing(rows, _section("### The DAG explorer")) == []
