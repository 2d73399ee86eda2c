"""Status colours come from one table (`roma_tui/statuscolours.py`): the console's theme
defaults, the DAG exports and the terminal print all say the same."""

from __future__ import annotations

import tomllib

from roma_tui.api import Dag
from roma_tui.api.models import ExecutionStatus, NodeStatus
from roma_tui.dag import build_graph
from roma_tui.dag.export import to_dot, to_mermaid
from roma_tui.dag.graph import STOPPED
from roma_tui.statuscolours import STATUS_HEX, TERMINAL_STYLES, THEME_DEFAULTS, theme_variable
from roma_tui.ui.themes import STATUS_DEFAULTS, shipped_theme_dir


def test_every_status_a_run_or_a_node_can_have_has_a_colour_everywhere():
    for status in [*ExecutionStatus, *NodeStatus]:
        assert THEME_DEFAULTS[theme_variable(status.value)].startswith("#")
    for status in NodeStatus:  # what `roma-tui dag` paints on a terminal
        assert TERMINAL_STYLES[f"status-{status.value}"]
    assert theme_variable(STOPPED) == "status-cancelled"  # a stopped node looks cancelled


def test_the_console_defaults_are_the_table_and_the_dark_theme_says_the_same():
    assert STATUS_DEFAULTS == THEME_DEFAULTS
    dark = tomllib.loads((shipped_theme_dir() / "roma-dark.toml").read_text(encoding="utf-8"))
    assert dark["variables"] == THEME_DEFAULTS


def test_the_exports_fill_nodes_with_the_tables_colours():
    dag = Dag.model_validate(
        {
            "nodes": [{"id": "a", "status": "failed"}, {"id": "b", "status": "running"}],
            "edges": [{"from": "a", "to": "b"}],
        }
    )
    graph, _ = build_graph(dag)
    assert f'fillcolor="{STATUS_HEX["failed"]}"' in to_dot(graph, "exec_1")
    assert 'fillcolor="#F85149"' in to_dot(graph, "exec_1")  # what a user's file says
    classes = [line for line in to_mermaid(graph).splitlines() if "classDef" in line]
    assert classes == [
        "  classDef completed fill:#3FB950",
        "  classDef running fill:#4EA8DE",
        "  classDef failed fill:#F85149",
        "  classDef pending fill:#8B949E",
        "  classDef unknown fill:#BC8CFF",
    ]
