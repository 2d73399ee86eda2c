"""Where each key of the DAG explorer leads (`dag/navigate.py`), without a screen.

The layouts here are drawn by hand, so each test knows exactly which node is nearest which.
"""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from roma_tui.api import Dag
from roma_tui.dag import build_graph, compute_layout
from roma_tui.dag.graph import depths
from roma_tui.dag.layout import ROW_PITCH, DagLayout
from roma_tui.dag.navigate import (
    along_graph,
    along_list,
    find,
    next_with_status,
    reading_order,
)

# root over a, b, c; a and b over e; b over f:
#
#                 root (centre 20)
#     a (5)          b (18)          c (31)
#           e (11)        f (25)
EDGES = [("root", "a"), ("root", "b"), ("root", "c"), ("a", "e"), ("b", "e"), ("b", "f")]
CENTRES = [{"root": 20}, {"a": 5, "b": 18, "c": 31}, {"e": 11, "f": 25}]


def graph_of(edges, statuses=None, inputs=None, *, names=None):
    names = names or list(dict.fromkeys(n for edge in edges for n in edge))
    statuses, inputs = statuses or {}, inputs or {}
    dag = Dag.model_validate(
        {
            "nodes": [
                {"id": n, "status": statuses.get(n, "completed"), "input": inputs.get(n, n)}
                for n in names
            ],
            "edges": [{"from": s, "to": t} for s, t in edges],
        }
    )
    graph, report = build_graph(dag)
    assert not report.messages()
    return graph


def hand_layout(centres: list[dict[str, int]], width: int = 5) -> DagLayout:
    """Boxes `width` wide whose middles sit on the given columns, one dict per layer."""
    position = {
        n: (centre - width // 2, index * ROW_PITCH)
        for index, layer in enumerate(centres)
        for n, centre in layer.items()
    }
    return DagLayout(
        layers=[list(layer) for layer in centres],
        position=position,
        width=dict.fromkeys(position, width),
        canvas_width=max(x for x, _ in position.values()) + width,
        canvas_height=len(centres) * ROW_PITCH,
    )


GRAPH, LAYOUT = graph_of(EDGES), hand_layout(CENTRES)


def test_down_and_up_go_to_the_nearest_child_or_parent_by_column():
    assert along_graph(GRAPH, LAYOUT, "root", "down") == "b"  # 18 is nearest 20
    assert along_graph(GRAPH, LAYOUT, "a", "down") == "e"
    assert along_graph(GRAPH, LAYOUT, "e", "up") == "a"  # 5 is 6 away from 11, 18 is 7
    assert along_graph(GRAPH, LAYOUT, "f", "up") == "b"
    assert along_graph(GRAPH, LAYOUT, "c", "up") == "root"


def test_a_tie_in_distance_goes_to_the_first_id():
    assert along_graph(GRAPH, LAYOUT, "b", "down") == "e"  # 11 and 25 are both 7 from 18
    graph = graph_of([("top", "zed"), ("top", "amy")])
    layout = hand_layout([{"top": 10}, {"zed": 4, "amy": 16}])
    assert along_graph(graph, layout, "top", "down") == "amy"


def test_there_is_nowhere_to_go_past_a_root_a_leaf_or_the_end_of_a_layer():
    assert along_graph(GRAPH, LAYOUT, "root", "up") is None
    assert along_graph(GRAPH, LAYOUT, "f", "down") is None
    assert along_graph(GRAPH, LAYOUT, "c", "down") is None
    assert along_graph(GRAPH, LAYOUT, "a", "left") is None
    assert along_graph(GRAPH, LAYOUT, "c", "right") is None
    assert along_graph(GRAPH, LAYOUT, "root", "right") is None  # alone in its layer


def test_left_and_right_move_within_the_layer_in_its_drawn_order():
    assert along_graph(GRAPH, LAYOUT, "a", "right") == "b"
    assert along_graph(GRAPH, LAYOUT, "b", "right") == "c"
    assert along_graph(GRAPH, LAYOUT, "c", "left") == "b"
    assert along_graph(GRAPH, LAYOUT, "f", "left") == "e"


def test_in_a_list_up_and_down_move_one_line_and_stop_at_the_ends():
    lines = ["root", "a", "e", "b", "e", "f"]  # a tree shows e under both its parents
    assert along_list(lines, "a", "down") == "e"
    assert along_list(lines, "a", "up") == "root"
    assert along_list(lines, "root", "up") == "root"
    assert along_list(lines, "f", "down") == "f"
    assert along_list(lines, "b", "left") == "b" and along_list(lines, "b", "right") == "b"
    assert along_list(lines, "e", "down") == "b"  # from the node's first line


def test_in_a_list_a_lost_cursor_counts_from_the_first_line_and_no_line_means_no_cursor():
    assert along_list(["x", "y", "z"], "gone", "down") == "y"
    assert along_list(["x", "y", "z"], "gone", "up") == "x"
    assert along_list(["x", "y", "z"], "gone", "left") == "x"
    assert along_list([], "x", "down") is None


def test_reading_order_is_the_list_shown_else_the_layers():
    assert reading_order(LAYOUT) == ["root", "a", "b", "c", "e", "f"]
    assert reading_order(LAYOUT, ["root", "a", "e", "b", "e", "f", "c"]) == [
        "root",
        "a",
        "e",
        "b",
        "f",
        "c",
    ]
    assert reading_order(None) == []
    assert reading_order(None, ["x"]) == ["x"]


ORDER = reading_order(LAYOUT)  # root, a, b, c, e, f
FAILED = graph_of(EDGES, {"a": "failed", "c": "failed", "f": "failed", "e": "running"})


def test_next_and_previous_failed_wrap_round_the_reading_order():
    assert next_with_status(FAILED, ORDER, "root", "failed", 1) == "a"
    assert next_with_status(FAILED, ORDER, "a", "failed", 1) == "c"
    assert next_with_status(FAILED, ORDER, "c", "failed", 1) == "f"
    assert next_with_status(FAILED, ORDER, "f", "failed", 1) == "a"  # round again
    assert next_with_status(FAILED, ORDER, "a", "failed", -1) == "f"
    assert next_with_status(FAILED, ORDER, "e", "failed", -1) == "c"


def test_without_a_cursor_the_first_or_the_last_match_comes_first():
    assert next_with_status(FAILED, ORDER, None, "failed", 1) == "a"
    assert next_with_status(FAILED, ORDER, None, "failed", -1) == "f"


def test_the_only_match_keeps_the_cursor_and_no_match_is_none():
    assert next_with_status(FAILED, ORDER, "e", "running", 1) == "e"
    assert next_with_status(FAILED, ORDER, "root", "running", 1) == "e"
    assert next_with_status(FAILED, ORDER, "root", "pending", 1) is None


def test_in_an_ended_run_nothing_runs_and_its_running_nodes_are_stopped():
    assert next_with_status(FAILED, ORDER, "root", "running", 1, run_ended=True) is None
    assert next_with_status(FAILED, ORDER, "root", "stopped", 1, run_ended=True) == "e"


def test_next_follows_a_list_views_order_not_the_layers():
    tree = reading_order(LAYOUT, ["root", "a", "e", "b", "f", "c"])
    assert next_with_status(FAILED, tree, "a", "failed", 1) == "f"  # the layers say c


@given(
    statuses=st.lists(st.sampled_from(["completed", "failed", "running"]), min_size=1),
    data=st.data(),
)
def test_next_always_lands_on_a_match_and_never_stays_while_another_exists(statuses, data):
    order = [f"n{i}" for i in range(len(statuses))]
    edges = list(itertools.pairwise(order))
    graph = graph_of(edges, dict(zip(order, statuses, strict=True)), names=order)
    cursor = data.draw(st.sampled_from([None, *order]))
    step = data.draw(st.sampled_from([1, -1]))
    target = next_with_status(graph, order, cursor, "failed", step)
    matches = [n for n, s in zip(order, statuses, strict=True) if s == "failed"]
    if not matches:
        assert target is None
    else:
        assert target in matches
        assert target != cursor or matches == [cursor]


LABELS = {"root": "✔ think: Plan a trip", "a": "✔ search: Find FLIGHTS", "c": "✔ write: flights"}


def test_find_matches_ids_and_labels_whatever_the_case_after_the_cursor():
    assert find(ORDER, None, "flights", LABELS) == "a"
    assert find(ORDER, "a", "Flights", LABELS) == "c"  # the next one after the cursor
    assert find(ORDER, "c", "flights", LABELS) == "a"  # round again
    assert find(ORDER, "root", "  B ", LABELS) == "b"  # the id itself; spaces around ignored
    assert find(ORDER, "a", "find flights", LABELS) == "a"  # the cursor's own node comes last


def test_find_says_none_for_no_match_and_for_a_blank_needle():
    assert find(ORDER, "root", "lisbon", LABELS) is None
    assert find(ORDER, "root", "   ", LABELS) is None
    assert find([], None, "a", {}) is None


def test_the_layout_layers_are_the_graphs_depths():
    graph = graph_of([*EDGES, ("root", "f"), ("c", "g"), ("g", "h"), ("a", "h")])
    layout = compute_layout(graph)
    assert {n: i for i, layer in enumerate(layout.layers) for n in layer} == depths(graph)
