"""A simulated ROMA run: a tree of planners, played out over time.

No language model is involved. A plan is drawn once, deterministically from a seed, the way ROMA
works: the root task is atomized, then planned into subtasks; subtasks run in parallel unless one
needs a sibling's answer; a subtask may itself be planned (nested planners, down to the run's
`max_depth`); a planner aggregates once its subtasks are done. Every task has the times of its
phases, so the state of a run at any moment is a pure function of the plan and the elapsed time
(frozen when the run is cancelled, fails or times out): nothing needs to tick for the DAG to move,
and a restarted server reads the same history back.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

# Per profile: (subtasks per planner (min, max), seconds per phase (min, max), tokens per task).
PROFILE_SHAPES: dict[str, tuple[tuple[int, int], tuple[float, float], int]] = {
    "fast": ((2, 3), (0.4, 1.2), 300),
    "general": ((2, 4), (0.8, 2.5), 600),
    "high_quality": ((3, 6), (1.5, 4.0), 1200),
    "crypto_agent": ((2, 5), (1.0, 3.0), 900),
}
MAX_FAN_OUT = 6
MAX_NODES = 400  # keeps a max_depth=10 request from drawing a million tasks
SIBLING_DEPENDENCY_RATE = 0.33  # of the subtasks after the first: about a quarter of all
PLAN_AGAIN_RATE = {1: 0.45, 2: 0.35}  # chance that a subtask at this depth is planned again
PLAN_AGAIN_DEEPER = 0.3
PLAN_VERSION = 2  # plans stored before had one node per agent call and untyped edges

# ROMA's task types, how often a leaf gets each, and goals that read like one.
_TASK_GOALS: dict[str, tuple[float, tuple[str, ...]]] = {
    "RETRIEVE": (
        3.0,
        ("Collect sources on {}", "Search recent reports on {}", "Gather data on {}"),
    ),
    "THINK": (3.0, ("Analyse {}", "Compare the views on {}", "Verify the claims about {}")),
    "WRITE": (2.0, ("Write the section on {}", "Summarise {}", "Draft notes on {}")),
    "CODE_INTERPRET": (1.5, ("Compute statistics on {}", "Chart {}")),
    "IMAGE_GENERATION": (0.3, ("Illustrate {}",)),
}
_ASPECTS = (
    "background",
    "recent data",
    "key figures",
    "competing views",
    "sources",
    "risks",
    "trends",
    "open questions",
    "definitions",
    "examples",
    "costs",
    "timelines",
)


@dataclass
class PlanNode:
    """One task. Times are seconds after the run starts; math.inf: never (a runaway)."""

    id: str
    type: str  # planner or executor (plans of version 1: atomizer, planner, executor, aggregator)
    label: str
    start: float
    end: float
    tokens: int
    fails: bool = False
    parent: str | None = None  # the planner that decomposed the goal into this task
    depth: int = 0
    task_type: str = "THINK"
    atomized: float | None = None  # end of atomizing (None in version 1 plans: no phases)
    planned: float | None = None  # planners: end of planning, when the subtasks exist
    aggregating: float | None = None  # planners: start of aggregation

    def to_json(self) -> list[Any]:
        times = [_out(t) for t in (self.start, self.end, self.atomized, self.planned)]
        start, end, atomized, planned = times
        aggregating = _out(self.aggregating)
        return [
            self.id,
            self.type,
            self.label,
            start,
            end,
            self.tokens,
            self.fails,
            self.parent,
            self.depth,
            self.task_type,
            atomized,
            planned,
            aggregating,
        ]

    @classmethod
    def from_json(cls, row: list[Any]) -> PlanNode:
        node_id, kind, label, start, end, tokens, fails, *rest = row
        node = cls(node_id, kind, label, _in(start), _in(end), tokens, fails)
        if rest:  # version 2
            node.parent, node.depth, node.task_type = rest[0], rest[1], rest[2]
            node.atomized, node.planned, node.aggregating = (_in(t) for t in rest[3:6])
        return node


def _out(value: float | None) -> float | None:
    return None if value is None else (value if math.isfinite(value) else -1)


def _in(value: float | None) -> Any:
    return None if value is None else (math.inf if value < 0 else value)


@dataclass
class Plan:
    nodes: list[PlanNode]
    edges: list[tuple[str, str, str]]  # (from, to, "subtask" | "depends_on")
    outcome: str  # "complete", "fail" or "runaway"
    result: str
    ends_at: float = field(init=False)  # when the run finishes by itself (inf: never)

    def __post_init__(self) -> None:
        if self.outcome == "runaway":
            self.ends_at = math.inf
        elif self.outcome == "fail":
            self.ends_at = min(n.end for n in self.nodes if n.fails)
        else:
            self.ends_at = max((n.end for n in self.nodes), default=0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": PLAN_VERSION,
            "nodes": [n.to_json() for n in self.nodes],
            "edges": [list(e) for e in self.edges],
            "outcome": self.outcome,
            "result": self.result,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        """Reads both versions: version 1 edges were [from, to], all dependencies."""
        edges = [(e[0], e[1], e[2] if len(e) > 2 else "depends_on") for e in data["edges"]]
        nodes = [PlanNode.from_json(r) for r in data["nodes"]]
        return cls(nodes, edges, data["outcome"], data["result"])


@dataclass
class _Draft:
    node: PlanNode
    deps: list[str]  # sibling tasks this one waits for
    will_plan: bool
    durations: tuple[float, float, float]  # atomize, plan or execute, aggregate
    children: list[_Draft] = field(default_factory=list)


def draw_plan(
    seed: str,
    goal: str,
    profile: str,
    max_depth: int,
    *,
    fail_rate: float = 0.15,
    runaway_rate: float = 0.05,
    time_scale: float = 1.0,
    outcome: str | None = None,
) -> Plan:
    """Draw a run's plan. Same arguments, same plan. `outcome` forces how it ends.

    The tree has at most `max_depth` levels (the root is depth 0); it is drawn breadth first, so
    the MAX_NODES budget thins the deepest levels rather than starving later siblings.
    """
    rng = random.Random(f"{seed}|{profile}|{max_depth}|{goal}")
    (fan_min, fan_max), (dur_min, dur_max), tokens = PROFILE_SHAPES.get(
        profile, PROFILE_SHAPES["general"]
    )
    fan_max = min(MAX_FAN_OUT, fan_max + min(2, len(goal) // 400))  # long goals split more
    lo, hi = dur_min * time_scale, dur_max * time_scale
    nodes: list[PlanNode] = []

    def new_draft(label: str, parent: _Draft | None, task_type: str, will_plan: bool) -> _Draft:
        depth = 0 if parent is None else parent.node.depth + 1
        node = PlanNode(
            f"task_{len(nodes):04d}",
            "executor",
            label,
            0.0,
            0.0,
            int(tokens * rng.uniform(0.5, 1.5)),
            parent=None if parent is None else parent.node.id,
            depth=depth,
            task_type=task_type,
        )
        nodes.append(node)
        durations = (rng.uniform(lo, hi) * 0.5, rng.uniform(lo, hi), rng.uniform(lo, hi) * 0.7)
        return _Draft(node, [], will_plan, durations)

    root = new_draft(" ".join(goal.split())[:300] or "the goal", None, "THINK", max_depth > 1)
    queue = deque([root])
    while queue:
        draft = queue.popleft()
        fan = rng.randint(fan_min, fan_max)
        if not draft.will_plan or len(nodes) + fan > MAX_NODES:
            continue
        draft.node.type = "planner"
        child_depth = draft.node.depth + 1
        can_nest = child_depth + 1 < max_depth
        chance = PLAN_AGAIN_RATE.get(child_depth, PLAN_AGAIN_DEEPER)
        nests = [can_nest and rng.random() < chance for _ in range(fan)]
        if can_nest and not any(nests):  # at least one nested planner per level that allows one
            nests[rng.randrange(fan)] = True
        for index in range(fan):
            task_type = "THINK" if nests[index] else _task_type(rng)
            label = rng.choice(_TASK_GOALS[task_type][1]).format(rng.choice(_ASPECTS))
            child = new_draft(label, draft, task_type, nests[index])
            if index and rng.random() < SIBLING_DEPENDENCY_RATE:
                earlier = draft.children[:index]
                picks = rng.sample(earlier, k=min(len(earlier), rng.choice((1, 1, 2))))
                child.deps = [p.node.id for p in picks]
            draft.children.append(child)
            queue.append(child)

    roll = rng.random()
    if outcome is None:
        outcome = (
            "runaway"
            if roll < runaway_rate
            else ("fail" if roll < runaway_rate + fail_rate else "complete")
        )
    leaves = [n for n in nodes if n.type == "executor"]
    stuck = None
    if outcome == "fail":
        rng.choice(leaves).fails = True
    elif outcome == "runaway":
        stuck = rng.choice(leaves).id
    _schedule(root, 0.0, stuck)
    edges = _edges(root)
    result = (
        f"Simulated result for: {goal[:200]}\n\n"
        f"{len(nodes)} tasks were planned and executed by the roma-tui sandbox "
        "(a simulation: no language model was used)."
    )
    return Plan(nodes, edges, outcome, result)


def _task_type(rng: random.Random) -> str:
    kinds = list(_TASK_GOALS)
    return rng.choices(kinds, weights=[_TASK_GOALS[k][0] for k in kinds])[0]


def _schedule(draft: _Draft, start: float, stuck: str | None) -> None:
    """Give a task and its subtree their phase times (inf propagates from a runaway task)."""
    node = draft.node
    atomize, work, aggregate = draft.durations
    node.start = round(start, 3)
    node.atomized = round(node.start + atomize, 3)
    if not draft.children:
        node.end = math.inf if node.id == stuck else round(node.atomized + work, 3)
        return
    node.planned = round(node.atomized + work, 3)
    ends: dict[str, float] = {}
    for child in draft.children:  # dependencies only point to earlier siblings
        ready = max([node.planned, *(ends[d] for d in child.deps)])
        _schedule(child, ready, stuck)
        ends[child.node.id] = child.node.end
    node.aggregating = max(ends.values())
    node.end = round(node.aggregating + aggregate, 3)


def _edges(root: _Draft) -> list[tuple[str, str, str]]:
    edges: list[tuple[str, str, str]] = []
    queue = deque([root])
    while queue:
        draft = queue.popleft()
        for child in draft.children:
            edges.append((draft.node.id, child.node.id, "subtask"))
            edges.extend((dep, child.node.id, "depends_on") for dep in child.deps)
            queue.append(child)
    return edges


# -- the state of a run at one moment ------------------------------------------------------------

# What a task is doing, and the ROMA agent doing it (None: nobody is working on it).
PHASE_AGENT = {
    "atomizing": "atomizer",
    "planning": "planner",
    "executing": "executor",
    "aggregating": "aggregator",
    "plan_done": None,
}


def phase(node: PlanNode, at: float) -> str:
    """pending, atomizing, planning, plan_done, aggregating, executing, completed or failed."""
    if at < node.start:
        return "pending"
    if at >= node.end:
        return "failed" if node.fails else "completed"
    if node.atomized is None:  # a version 1 node: one agent call, no phases
        return "executing"
    if at < node.atomized:
        return "atomizing"
    if node.planned is None:
        return "executing"
    if at < node.planned:
        return "planning"
    if node.aggregating is None or at < node.aggregating:
        return "plan_done"
    return "aggregating"


def node_status(node: PlanNode, at: float) -> str:
    """The hosted dialect's four states."""
    current = phase(node, at)
    return current if current in ("pending", "completed", "failed") else "running"


def exists(plan: Plan, at: float) -> set[str]:
    """Tasks that exist at `at`: a planner's subtasks appear when its planning is done."""
    by_id = {n.id: n for n in plan.nodes}
    seen: set[str] = set()
    for node in plan.nodes:  # parents come before their children
        parent = by_id.get(node.parent) if node.parent else None
        if parent is None or (
            parent.id in seen and (parent.planned is None or parent.planned <= at)
        ):
            seen.add(node.id)
    return seen


@dataclass
class Moment:
    """A run's state at one elapsed time."""

    statuses: dict[str, str]
    progress: float
    current_step: str | None
    tokens_used: int
    agent_calls: int
    last_event: float  # elapsed seconds of the latest node change at or before the moment


def moment(plan: Plan, at: float) -> Moment:
    phases = {n.id: phase(n, at) for n in plan.nodes}
    done = [n for n in plan.nodes if phases[n.id] in ("completed", "failed")]
    busy = [n for n in plan.nodes if PHASE_AGENT.get(phases[n.id])]
    events = [t for n in plan.nodes for t in _marks(n) if t <= at]
    step = None
    if busy:
        latest = max(busy, key=lambda n: max(t for t in _marks(n) if t <= at))
        step = f"{PHASE_AGENT[phases[latest.id]]}: {latest.label}"
    return Moment(
        statuses={n.id: node_status(n, at) for n in plan.nodes},
        progress=round(100.0 * len(done) / max(1, len(plan.nodes)), 1),
        current_step=step,
        tokens_used=sum(n.tokens for n in done),
        agent_calls=sum(calls_made(n, at) for n in plan.nodes),
        last_event=max(events, default=0.0),
    )


def _marks(node: PlanNode) -> list[float]:
    times = (node.start, node.atomized, node.planned, node.aggregating, node.end)
    return [t for t in times if t is not None]


def calls_made(node: PlanNode, at: float) -> int:
    """Agent calls begun by `at`: atomizer, then planner or executor, then aggregator."""
    if node.atomized is None:
        return int(at >= node.start)
    begun = (node.start, node.atomized, node.aggregating)
    return sum(t is not None and t <= at for t in begun)


def checkpoint_times(plan: Plan, until: float) -> list[tuple[float, str]]:
    """When ROMA would have written a checkpoint, up to `until`: before each planning and each
    aggregation, and every 30 s once a run has run for 10 s. Oldest first."""
    marks = [(n.atomized, "before_planning") for n in plan.nodes if n.planned is not None]
    marks += [(n.aggregating, "before_aggregation") for n in plan.nodes if n.aggregating]
    marks += [(t, "periodic") for t in _periodic(min(until, 24 * 3600.0))]
    found = [(float(t), why) for t, why in marks if t is not None and t <= until]
    return sorted(found)


def _periodic(until: float) -> list[float]:
    return [10.0 + 30.0 * k for k in range(max(0, math.floor((until - 10.0) / 30.0) + 1))]
