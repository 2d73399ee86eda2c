"""The DAG: validation of server graphs, layout invariants, rendering goldens, outline."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from roma_tui.api import Dag
from roma_tui.dag import build_graph, compute_layout, critical_path, outline, render_text
from roma_tui.dag.graph import depths, status_counts, subtree
from roma_tui.dag.layout import BOX_HEIGHT, ROW_PITCH
from roma_tui.dag.render import Painter, node_label, plain_text


def dag(nodes, edges, **node_fields):
    return Dag.model_validate(
        {
            "nodes": [
                {
                    "id": n,
                    "type": "executor",
                    "status": "completed",
                    "input": n,
                    **node_fields.get(n, {}),
                }
                for n in nodes
            ],
            "edges": [{"from": s, "to": t} for s, t in edges],
        }
    )


def layout_of(d: Dag):
    graph, report = build_graph(d)
    return graph, report, compute_layout(graph, lambda n: node_label(graph, n))


def test_bad_server_graphs_are_reported_not_fatal():
    d = Dag.model_validate(
        {
            "nodes": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "a", "type": "dup"}],
            "edges": [
                {"from": "a", "to": "b"},
                {"from": "b", "to": "c"},
                {"from": "c", "to": "a"},
                {"from": "b", "to": "b"},
                {"from": "a", "to": "nowhere"},
            ],
        }
    )
    _graph, report, layout = layout_of(d)
    assert report.duplicate_ids == ["a"]
    assert report.dangling_edges == [("a", "nowhere")]
    assert report.self_loops == ["b"]
    assert report.broken_cycle_edges == [("c", "a")]
    assert len(report.messages()) == 4
    assert [len(layer) for layer in layout.layers] == [1, 1, 1]


def test_empty_and_single_node_graphs():
    graph, _, layout = layout_of(dag([], []))
    assert layout.layers == [] and render_text(graph, layout) == ""
    graph, _, layout = layout_of(dag(["only"], []))
    assert layout.layers == [["only"]]
    assert "only" in render_text(graph, layout)


GOLDEN_DIAMOND = """\
          ┌───────────────┐
          │ ✔ executor: a │
          └───────┬───────┘
                  │
        ┌─────────┴────────┐
        ▼                  ▼
┌───────────────┐  ┌──────────────┐
│ ▶ executor: b │  │ ✘ planner: c │
└───────┬───────┘  └───────┬──────┘
        │                  │
        └────────┬─────────┘
                 ▼
        ┌─────────────────┐
        │ ◌ aggregator: d │
        └─────────────────┘"""


def test_golden_diamond():
    d = dag(
        ["a", "b", "c", "d"],
        [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")],
        b={"status": "running"},
        c={"status": "failed", "type": "planner"},
        d={"status": "pending", "type": "aggregator"},
    )
    graph, _, layout = layout_of(d)
    assert render_text(graph, layout) == GOLDEN_DIAMOND


def test_golden_long_edge_goes_round_through_a_dummy_lane():
    graph, _, layout = layout_of(dag(["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c")]))
    text = render_text(graph, layout, ascii=True)
    lines = text.splitlines()
    assert len(lines) == 3 * ROW_PITCH - (ROW_PITCH - BOX_HEIGHT)
    # One arrowhead per entry point: the long edge and b->c share c's lane and its arrow.
    assert text.count("v") == 2
    # the long edge passes the middle layer beside the box, not through it
    middle = lines[ROW_PITCH + 1]
    assert middle.count("|") >= 3


def test_ascii_rendering_has_no_unicode():
    graph, _, layout = layout_of(dag(["a", "b"], [("a", "b")]))
    assert render_text(graph, layout, ascii=True).isascii()


def test_labels_are_inert():
    d = dag(["x"], [], x={"input": "\x1b[31mred\x1b[0m [b]x[/b]\nnext"})
    graph, _, layout = layout_of(d)
    text = render_text(graph, layout)
    assert "\x1b" not in text
    assert "red [b]x[/b]" in text  # the newline became a space, cut at the box edge


def test_critical_path_by_duration_and_by_length():
    times = {
        "a": ("2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z"),
        "b": ("2025-01-01T00:00:01Z", "2025-01-01T00:10:00Z"),
        "c": ("2025-01-01T00:00:01Z", "2025-01-01T00:00:02Z"),
        "d": ("2025-01-01T00:00:02Z", "2025-01-01T00:00:03Z"),
    }
    fields = {n: {"started_at": s, "completed_at": e} for n, (s, e) in times.items()}
    edges = [("a", "b"), ("a", "c"), ("c", "d")]
    graph, _ = build_graph(dag(["a", "b", "c", "d"], edges, **fields))
    assert critical_path(graph) == ["a", "b"]  # b took ten minutes
    graph, _ = build_graph(dag(["a", "b", "c", "d"], edges))
    assert critical_path(graph) == ["a", "c", "d"]  # no times: the longest chain
    assert depths(graph) == {"a": 0, "b": 1, "c": 1, "d": 2}


def test_fold_hides_only_what_is_reached_through_the_node():
    edges = [("root", "plan"), ("plan", "x"), ("plan", "y"), ("root", "z"), ("z", "y")]
    graph, _ = build_graph(dag(["root", "plan", "x", "y", "z"], edges))
    assert subtree(graph, "plan") == {"x"}  # y is also reached from z
    assert status_counts(graph)["completed"] == 5


def test_outline_lists_every_node_once_and_names_repeats():
    graph, _ = build_graph(dag(["a", "b", "c"], [("a", "b"), ("a", "c"), ("b", "c")]))
    lines = outline(graph)
    ids = [n for _, n, text in lines if "shown above" not in text]
    assert sorted(ids) == ["a", "b", "c"]
    assert any("shown above" in text for _, _, text in lines)


def test_a_node_with_a_thousand_children():
    children = [f"c{i:04d}" for i in range(1000)]
    graph, _, layout = layout_of(dag(["p", *children], [("p", c) for c in children]))
    assert len(layout.layers[1]) == 1000
    rows = Painter(graph, layout).paint(0, 0, 160, 48)
    assert len(rows) == 48 and all(sum(len(t) for t, _ in row) == 160 for row in rows)


@st.composite
def random_dags(draw):
    size = draw(st.integers(1, 40))
    names = [f"n{i:02d}" for i in range(size)]
    edges = set()
    for target in range(1, size):
        for source in draw(st.lists(st.integers(0, target - 1), max_size=3)):
            edges.add((names[source], names[target]))
    return dag(names, sorted(edges))


@settings(deadline=None)
@given(random_dags())
def test_layout_invariants(d):
    graph, _, layout = layout_of(d)
    placed = [n for layer in layout.layers for n in layer]
    assert sorted(placed) == sorted(graph.nodes)  # every node placed once
    for source, target in graph.edges:  # every edge points down
        assert layout.position[source][1] < layout.position[target][1]
    for layer in layout.layers:  # no two boxes overlap
        spans = sorted(
            (layout.position[n][0], layout.position[n][0] + layout.width[n]) for n in layer
        )
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
        assert all(s >= 0 and e <= layout.canvas_width for s, e in spans)
    again = compute_layout(graph, lambda n: node_label(graph, n))
    assert again.position == layout.position  # same graph, same layout
    assert layout.crossings_after <= layout.crossings_before
    assert crossings_drawn(layout) == layout.crossings_after  # the count is what is drawn


def crossings_drawn(layout):
    """Crossings counted from the drawn routes: two segments between the same layers cross
    when their ends swap order (a shared end is no crossing)."""
    segments: dict[int, list[tuple[int, int]]] = {}
    for source, target in layout.routes:
        chain = layout.routes[source, target]
        assert chain[0] == (layout.centre(source), layout.layer_of(source))
        assert chain[-1] == (layout.centre(target), layout.layer_of(target))
        for (x1, layer), (x2, below) in itertools.pairwise(chain):
            assert below == layer + 1  # every segment joins adjacent layers
            segments.setdefault(layer, []).append((x1, x2))
    return sum(
        (a1 - b1) * (a2 - b2) < 0
        for pairs in segments.values()
        for (a1, a2), (b1, b2) in itertools.combinations(pairs, 2)
    )


@settings(deadline=None)
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=60))
def test_a_decomposition_tree_is_drawn_without_crossings(picks):
    # Each task is planned by an earlier one: a tree, which a depth-first order draws flat.
    names = [f"t{i:02d}" for i in range(len(picks) + 1)]
    edges = [(names[pick % (i + 1)], names[i + 1]) for i, pick in enumerate(picks)]
    _graph, _, layout = layout_of(dag(names, edges))
    assert layout.crossings_after == 0
    assert crossings_drawn(layout) == 0


# -- typed edges: decomposition vs dependency (ROMA's planners) ---------------------------------


def typed(nodes, subtasks, needs, **node_fields):
    """A DAG with typed edges: planner -> child ("subtask") and sibling dependencies."""
    d = dag(nodes, [], **node_fields)
    edges = [{"from": s, "to": t, "type": "subtask"} for s, t in subtasks]
    edges += [{"from": s, "to": t, "type": "depends_on"} for s, t in needs]
    return Dag.model_validate({"nodes": [n.model_dump() for n in d.nodes], "edges": edges})


def test_task_words_read_as_words():
    from roma_tui.dag.render import task_word

    assert task_word("CODE_INTERPRET") == "code interpret"
    assert task_word("image_generation") == "image generation"
    assert task_word("aggregator") == "aggregator"
    assert task_word(None) == "task" and task_word("\x1b[31mX\x1b[0m") == "x"


def test_planners_are_marked_and_an_ended_runs_running_nodes_are_stopped():
    from roma_tui.dag.render import labels_for

    d = typed(
        ["p", "x", "y"],
        [("p", "x"), ("p", "y")],
        [("x", "y")],
        p={"type": "THINK", "status": "running"},
        x={"type": "code_interpret", "status": "failed"},
        y={"type": "write", "status": "pending", "subgraph_id": "dag_sub_y"},
    )
    graph, _ = build_graph(d)
    live = labels_for(graph)
    assert live["p"].startswith("▶ ◆ think: ") and live["x"].startswith("✘ code interpret: ")
    assert live["y"].startswith("◌ ◆ write: ")  # a subgraph of its own makes a planner too
    ended = labels_for(graph, run_ended=True)
    assert ended["p"].startswith("■ ◆ think: ") and ended["x"] == live["x"]
    assert status_counts(graph, run_ended=True) == {"stopped": 1, "failed": 1, "pending": 1}
    assert status_counts(graph)["running"] == 1
    assert labels_for(graph, ascii=True, run_ended=True)["p"].startswith("# * think: ")


def test_the_innermost_planner_is_the_parent_even_when_outer_ones_claim_it():
    from roma_tui.api.dialects import normalise_checkpoint
    from roma_tui.dag.graph import decomposition_parents

    # The upstream shape: every snapshot's tasks list ALL its descendants (see DIALECTS.md).
    def task(tid, kind, status, deps=(), sub=None):
        return {"task_id": tid, "task_type": kind, "status": status, "goal": tid,
                "dependencies": list(deps), "subgraph_id": sub}  # fmt: skip

    g = {t: task(t, "THINK", "COMPLETED") for t in ("g1", "g2")}
    g["g3"] = task("g3", "THINK", "PENDING", ("g1", "g2"))
    children = {
        "c1": task("c1", "RETRIEVE", "COMPLETED"),
        "c2": task("c2", "THINK", "PLAN_DONE", sub="d_sub_root_sub_c2"),
        "c3": task("c3", "WRITE", "PENDING", ("c1", "c2")),
    }
    inner = {"tasks": g, "subgraphs": {}}
    middle = {"tasks": {**children, **g}, "subgraphs": {"d_sub_root_sub_c2": inner}}
    root = {"root": task("root", "THINK", "PLAN_DONE", sub="d_sub_root")}
    snapshot = {"tasks": {**root, **children, **g}, "subgraphs": {"d_sub_root": middle}}
    d = Dag.model_validate(normalise_checkpoint({"execution_id": "e", "dag": snapshot})["dag"])
    graph, _ = build_graph(d)
    parents = decomposition_parents(graph)
    assert parents == {
        "c1": "root", "c2": "root", "c3": "root", "g1": "c2", "g2": "c2", "g3": "c2",
    }  # fmt: skip
    depth = {n: level for level, n, _ in outline(graph)}
    assert depth == {"root": 0, "c1": 1, "c2": 1, "c3": 1, "g1": 2, "g2": 2, "g3": 2}
    assert subtree(graph, "c2") == {"g1", "g2", "g3"}


def test_untyped_graphs_keep_the_old_tree_and_a_loop_of_parents_is_cut():
    from roma_tui.dag.graph import decomposition_parents

    graph, _ = build_graph(dag(["a", "b"], [("a", "b")]))
    assert decomposition_parents(graph) is None  # no typed edges: today's behaviour
    looped = dag(["a", "b", "c"], [], a={"parent_id": "b"}, b={"parent_id": "a"})
    graph, _ = build_graph(looped)
    parents = decomposition_parents(graph)
    assert parents is not None and len(parents) == 1  # one link of the loop is cut
    assert sorted(n for _, n, _ in outline(graph)) == ["a", "b", "c"]  # all shown once


def test_the_typed_tree_names_dependencies_and_hides_folded_subtrees():
    d = typed(
        ["root", "a", "b", "c", "c1", "c2"],
        [("root", "a"), ("root", "b"), ("root", "c"), ("c", "c1"), ("c", "c2")],
        [("a", "c"), ("b", "c"), ("c1", "c2")],
    )
    graph, _ = build_graph(d)
    lines = outline(graph)
    assert [(depth, n) for depth, n, _ in lines] == [
        (0, "root"), (1, "a"), (1, "b"), (1, "c"), (2, "c1"), (2, "c2"),
    ]  # fmt: skip
    text = {n: t for _, n, t in lines}
    assert text["c"].endswith("← needs a, b") and text["c2"].endswith("← needs c1")
    assert "needs" not in text["c1"] and "needs" not in text["a"]
    assert outline(graph, ascii=True)[3][2].endswith("<- needs a, b")
    assert subtree(graph, "c") == {"c1", "c2"}
    folded = [n for _, n, _ in outline(graph, hidden=subtree(graph, "c"))]
    assert folded == ["root", "a", "b", "c"]


def test_dependency_edges_are_dashed_only_in_typed_graphs():
    d = typed(["p", "x", "y"], [("p", "x"), ("p", "y")], [("x", "y")])
    graph, _, layout = layout_of(d)
    rows = Painter(graph, layout).paint(0, 0, layout.canvas_width, layout.canvas_height)
    styles = {style for row in rows for _, style in row}
    assert {"edge", "edge-dependency"} <= styles
    assert "┆" in plain_text(rows)
    graph, _, layout = layout_of(dag(["p", "x", "y"], [("p", "x"), ("p", "y"), ("x", "y")]))
    text = render_text(graph, layout)
    assert "┆" not in text and "┄" not in text  # untyped: drawn as before


def test_wide_characters_keep_every_row_exactly_as_wide_as_the_window():
    from rich.cells import cell_len

    d = dag(["a", "b"], [("a", "b")], a={"input": "里斯本家庭旅行计划" * 3}, b={"input": "🚀 go"})
    graph, _, layout = layout_of(d)
    painter = Painter(graph, layout)
    for x0 in range(0, 8):
        for row in painter.paint(x0, 0, 20, layout.canvas_height):
            assert cell_len("".join(text for text, _ in row)) == 20


def test_exports_say_task_words_and_dash_only_dependencies():
    from roma_tui.dag.export import to_dot, to_mermaid

    d = typed(["p", "x", "y"], [("p", "x"), ("p", "y")], [("x", "y")],
              p={"type": "THINK"}, x={"type": "CODE_INTERPRET"})  # fmt: skip
    graph, _ = build_graph(d)
    dot = to_dot(graph, "e")
    assert '"p" -> "x";' in dot and '"x" -> "y" [style=dashed];' in dot
    assert "planner · think: p" in dot and "code interpret: x" in dot
    mermaid = to_mermaid(graph)
    assert "n0 --> n1" in mermaid and "n1 -.-> n2" in mermaid
    untyped, _ = build_graph(dag(["a", "b"], [("a", "b")]))
    assert "-.->" not in to_mermaid(untyped) and "dashed" not in to_dot(untyped, "e")


# -- compact structures (issue 13): shared or lazy data must read exactly like the plain kind ----


def test_a_new_status_keeps_the_shape_and_a_new_edge_does_not():
    from roma_tui.dag.graph import same_shape

    old, _ = build_graph(dag(["a", "b", "c"], [("a", "b"), ("a", "c")]))
    restated, _ = build_graph(
        dag(["c", "b", "a"], [("a", "c"), ("a", "b")], b={"status": "failed"})
    )
    grown, _ = build_graph(dag(["a", "b", "c"], [("a", "b"), ("a", "c"), ("b", "c")]))
    renamed, _ = build_graph(dag(["a", "b", "d"], [("a", "b"), ("a", "d")]))
    assert same_shape(old, restated)
    assert not same_shape(old, grown)
    assert not same_shape(old, renamed)


def test_nodes_sharing_their_bookkeeping_still_change_alone():
    a, b = dag(["a", "b"], []).nodes
    a.output = "done"
    a.note = "kept"  # an extra, as the server may send
    assert "output" in a.model_fields_set and "output" not in b.model_fields_set
    assert a.model_extra == {"note": "kept"} and b.model_extra == {}
    assert b.model_dump(exclude_unset=True) == {
        "id": "b",
        "type": "executor",
        "status": "completed",
        "input": "b",
    }
    graph, _ = build_graph(typed(["p", "a", "b"], [("p", "a"), ("p", "b")], [("a", "b")]))
    assert graph.edges["p", "a"]["type"] == "subtask"
    assert graph.edges["a", "b"]["type"] == "depends_on"
    copy = graph.copy()
    copy.edges["p", "a"]["type"] = "changed"  # a copy's edge data is its own
    assert graph.edges["p", "b"]["type"] == "subtask"


@settings(deadline=None)
@given(st.lists(st.integers(0, 40), max_size=2_500))
def test_inversions_are_counted_exactly(values):
    from roma_tui.dag.ordering import _inversions

    expected = sum(a > b for a, b in itertools.combinations(values[:300], 2))
    assert _inversions(values[:300]) == expected
    if len(values) > 1_024:  # across blocks too: sorted halves swapped
        half = sorted(values)
        swapped = half[len(half) // 2 :] + half[: len(half) // 2]
        low, high = swapped[: len(half) - len(half) // 2], swapped[len(half) - len(half) // 2 :]
        assert _inversions(swapped) == sum(sum(h > x for x in high) for h in low)


def test_painting_window_by_window_matches_one_whole_paint(monkeypatch):
    import roma_tui.dag.render as render

    monkeypatch.setattr(render, "INDEXED_CHANNELS", 2)  # indexes are dropped and built again
    names = [f"n{i:02d}" for i in range(40)]
    edges = [(names[i // 3], names[i]) for i in range(1, 40)] + [(names[1], names[39])]
    graph, _, layout = layout_of(dag(names, edges))
    whole = Painter(graph, layout).paint(0, 0, layout.canvas_width, layout.canvas_height)
    painter = Painter(graph, layout)
    for y in (0, 2 * ROW_PITCH, ROW_PITCH, 0, 3 * ROW_PITCH + 2):
        window = painter.paint(3, y, 50, 2 * ROW_PITCH)
        expected = [row[3:53] for row in plain_text(whole).split("\n")[y : y + 2 * ROW_PITCH]]
        got = [row.rstrip() for row in plain_text(window).split("\n")]
        expected += [""] * (len(got) - len(expected))  # rows below the canvas are blank
        assert got == [row.rstrip() for row in expected]
