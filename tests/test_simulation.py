"""The simulated runs look like ROMA's: a tree of planners, subtasks in parallel, typed edges.

Pure functions of a seed and the elapsed time: no server, no clock, no sleeping.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

from roma_tui.sandbox.simulation import (
    MAX_NODES,
    PROFILE_SHAPES,
    Plan,
    checkpoint_times,
    draw_plan,
    exists,
    moment,
    phase,
)

GOAL = "Compare the fee structures of the five largest Ethereum layer-2 networks"
SEEDS = [f"seed-{i}" for i in range(40)]


def children_of(plan: Plan) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for source, target, kind in plan.edges:
        if kind == "subtask":
            found.setdefault(source, []).append(target)
    return found


def by_id(plan: Plan):
    return {n.id: n for n in plan.nodes}


@pytest.mark.parametrize("profile", sorted(PROFILE_SHAPES))
def test_planners_fan_out_within_the_profiles_range(profile):
    (low, high), _, _ = PROFILE_SHAPES[profile]
    fan_outs = Counter()
    for seed in SEEDS:
        plan = draw_plan(seed, GOAL, profile, 4, outcome="complete")
        for planner, kids in children_of(plan).items():
            assert by_id(plan)[planner].type == "planner"
            fan_outs[len(kids)] += 1
    assert min(fan_outs) >= max(2, low) and max(fan_outs) <= min(6, high)
    assert len(fan_outs) > 1  # not always the same number


def test_the_root_is_planned_and_every_task_but_the_root_has_its_planner_as_parent():
    plan = draw_plan("s", GOAL, "general", 3, outcome="complete")
    root = plan.nodes[0]
    assert root.parent is None and root.type == "planner" and root.depth == 0
    nodes = by_id(plan)
    for node in plan.nodes[1:]:
        parent = nodes[node.parent]
        assert parent.type == "planner" and node.depth == parent.depth + 1
        assert (parent.id, node.id, "subtask") in plan.edges


@pytest.mark.parametrize("max_depth", [1, 2, 3, 5])
def test_nested_planners_reach_the_runs_max_depth_and_no_deeper(max_depth):
    depths = set()
    for seed in SEEDS[:10]:
        plan = draw_plan(seed, GOAL, "general", max_depth, outcome="complete")
        deepest = max(n.depth for n in plan.nodes)
        depths.add(deepest)
        assert all(n.type == "executor" for n in plan.nodes if n.depth == deepest)
    assert depths == {max_depth - 1}  # levels 0 .. max_depth-1


def test_a_tree_not_a_staircase():
    """Wide levels and short chains (the old plans were one long diagonal, 19 levels deep)."""
    chains = []
    for seed in SEEDS[:10]:
        plan = draw_plan(seed, GOAL, "high_quality", 4, outcome="complete")
        assert max(n.depth for n in plan.nodes) == 3  # the tree view nests max_depth levels
        assert max(Counter(n.depth for n in plan.nodes).values()) >= 3
        longest: dict[str, int] = {}
        for node in plan.nodes:  # parents and earlier siblings come first
            preds = [s for s, t, _ in plan.edges if t == node.id]
            longest[node.id] = 1 + max((longest[p] for p in preds), default=0)
        chains.append(max(longest.values()) / len(plan.nodes))
    assert max(chains) < 0.75 and sum(chains) / len(chains) < 0.5


def test_edges_are_typed_and_some_siblings_depend_on_each_other():
    kinds = Counter()
    with_deps = total = 0
    for seed in SEEDS:
        plan = draw_plan(seed, GOAL, "general", 3, outcome="complete")
        nodes = by_id(plan)
        for source, target, kind in plan.edges:
            kinds[kind] += 1
            if kind == "depends_on":
                assert nodes[source].parent == nodes[target].parent  # siblings only
        total += len(plan.nodes) - 1
        with_deps += len({t for _, t, k in plan.edges if k == "depends_on"})
    assert set(kinds) == {"subtask", "depends_on"}
    assert 0.1 < with_deps / total < 0.4  # "some": about a quarter


def test_independent_siblings_run_in_parallel_and_dependent_ones_wait():
    overlapping = waited = 0
    for seed in SEEDS[:10]:
        plan = draw_plan(seed, GOAL, "general", 3, outcome="complete")
        nodes = by_id(plan)
        deps = {(s, t) for s, t, k in plan.edges if k == "depends_on"}
        for planner, kids in children_of(plan).items():
            free = [nodes[k] for k in kids if not any(t == k for _, t in deps)]
            for a in free:
                assert a.start == nodes[planner].planned  # all start when the plan is made
            if len(free) > 1:
                a, b = free[0], free[1]
                assert a.start < b.end and b.start < a.end
                overlapping += 1
        for source, target in deps:
            assert nodes[target].start >= nodes[source].end
            waited += 1
        for node in plan.nodes:
            if node.type == "planner":  # aggregates after its last subtask
                assert node.aggregating == max(nodes[k].end for k in children_of(plan)[node.id])
    assert overlapping and waited


def test_same_seed_same_plan_and_the_plan_survives_json():
    one = draw_plan("s", GOAL, "high_quality", 4)
    two = draw_plan("s", GOAL, "high_quality", 4)
    assert one.to_json() == two.to_json()
    assert draw_plan("t", GOAL, "high_quality", 4).to_json() != one.to_json()
    again = Plan.from_json(json.loads(json.dumps(one.to_json())))
    assert again.to_json() == one.to_json() and again.ends_at == one.ends_at


def test_a_plan_stored_by_the_previous_version_still_loads():
    old = {
        "nodes": [
            ["task_0000", "atomizer", "Goal", 0.0, 1.0, 100, False],
            ["task_0001", "executor", "Goal", 1.0, 2.5, 200, False],
            ["task_0002", "aggregator", "Goal", 2.5, -1, 50, False],
        ],
        "edges": [["task_0000", "task_0001"], ["task_0001", "task_0002"]],
        "outcome": "runaway",
        "result": "r",
    }
    plan = Plan.from_json(old)
    assert plan.edges[0] == ("task_0000", "task_0001", "depends_on")
    assert math.isinf(plan.ends_at) and math.isinf(plan.nodes[2].end)
    state = moment(plan, 1.5)
    assert state.statuses == {
        "task_0000": "completed",
        "task_0001": "running",
        "task_0002": "pending",
    }
    assert state.current_step == "executor: Goal"
    assert exists(plan, 0.0) == {"task_0000", "task_0001", "task_0002"}


def test_a_task_goes_through_roma_phases():
    plan = draw_plan("s", GOAL, "general", 2, outcome="complete")
    root = plan.nodes[0]
    leaf = plan.nodes[1]
    seen = [phase(root, t) for t in (0.0, root.atomized, root.planned, root.aggregating)]
    assert seen == ["atomizing", "planning", "plan_done", "aggregating"]
    assert phase(root, root.end) == "completed"
    assert phase(leaf, leaf.start - 0.001) == "pending"
    assert phase(leaf, leaf.atomized) == "executing"
    assert moment(plan, root.aggregating).current_step == f"aggregator: {root.label}"


def test_subtasks_exist_once_their_planner_has_planned():
    plan = draw_plan("s", GOAL, "general", 3, outcome="complete")
    root = plan.nodes[0]
    assert exists(plan, root.planned - 0.001) == {root.id}
    assert len(exists(plan, root.planned)) == 1 + len(children_of(plan)[root.id])
    assert exists(plan, plan.ends_at) == {n.id for n in plan.nodes}


def test_failures_and_runaways_stop_the_tree_where_they_happen():
    failed = draw_plan("s", GOAL, "general", 3, outcome="fail")
    culprit = next(n for n in failed.nodes if n.fails)
    assert culprit.type == "executor" and failed.ends_at == culprit.end
    frozen = moment(failed, failed.ends_at)
    assert frozen.statuses[culprit.id] == "failed"
    assert frozen.statuses[failed.nodes[0].id] == "running"  # its planner never aggregated
    runaway = draw_plan("s", GOAL, "general", 3, outcome="runaway")
    stuck = [n for n in runaway.nodes if math.isinf(n.end)]
    assert math.isinf(runaway.ends_at) and runaway.nodes[0] in stuck
    late = moment(runaway, 10_000.0)
    assert "running" in late.statuses.values()
    assert Plan.from_json(json.loads(json.dumps(runaway.to_json()))).ends_at == math.inf


def test_the_node_count_is_bounded():
    plan = draw_plan("s", GOAL * 10, "high_quality", 10, outcome="complete")
    assert len(plan.nodes) <= MAX_NODES
    sizes = [len(draw_plan(s, GOAL, "general", 3).nodes) for s in SEEDS]
    print(f"\ngeneral, max_depth 3: {min(sizes)}-{max(sizes)} tasks, mean {sum(sizes) / 40:.1f}")


def test_checkpoints_come_before_planning_and_aggregation_and_every_30_s():
    plan = draw_plan("s", GOAL, "general", 3, outcome="complete")
    root = plan.nodes[0]
    assert checkpoint_times(plan, root.atomized - 0.001) == []
    marks = checkpoint_times(plan, plan.ends_at)
    assert marks[0] == (root.atomized, "before_planning")
    assert (root.aggregating, "before_aggregation") in marks
    assert [t for t, why in checkpoint_times(plan, 75.0) if why == "periodic"] == [10.0, 40.0, 70.0]
