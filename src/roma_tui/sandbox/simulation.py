"""A simulated ROMA run: recursive decomposition into a DAG, played out over time.

No language model is involved. A plan is drawn once, deterministically from a seed: ROMA's
atomize -> plan -> execute subtasks -> aggregate recursion, up to `max_depth`, with a start and an
end time for every node. The state of a run at any moment is then a pure function of the plan and
the elapsed time (frozen when the run is cancelled, fails or times out), so nothing needs to tick
for the DAG to move, and a restarted server reads the same history back.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

# Per profile: (children per planner (min, max), seconds per node (min, max), tokens per node).
PROFILE_SHAPES: dict[str, tuple[tuple[int, int], tuple[float, float], int]] = {
    "fast": ((2, 3), (0.4, 1.2), 300),
    "general": ((2, 4), (0.8, 2.5), 600),
    "high_quality": ((3, 5), (1.5, 4.0), 1200),
    "crypto_agent": ((2, 4), (1.0, 3.0), 900),
}
MAX_NODES = 400  # keeps a max_depth=10 request from drawing a million nodes

_VERBS = ("Research", "Analyse", "Compare", "Summarise", "Verify", "Collect", "Outline", "Draft")
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
)


@dataclass
class PlanNode:
    id: str
    type: str  # atomizer, planner, executor, aggregator
    label: str
    start: float  # seconds after the run starts
    end: float  # math.inf for the node a runaway run never finishes
    tokens: int
    fails: bool = False

    def to_json(self) -> list[Any]:
        end = self.end if math.isfinite(self.end) else -1
        return [self.id, self.type, self.label, self.start, end, self.tokens, self.fails]

    @classmethod
    def from_json(cls, row: list[Any]) -> PlanNode:
        node_id, kind, label, start, end, tokens, fails = row
        return cls(node_id, kind, label, start, math.inf if end < 0 else end, tokens, fails)


@dataclass
class Plan:
    nodes: list[PlanNode]
    edges: list[tuple[str, str]]
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
            "nodes": [n.to_json() for n in self.nodes],
            "edges": self.edges,
            "outcome": self.outcome,
            "result": self.result,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(
            [PlanNode.from_json(r) for r in data["nodes"]],
            [tuple(e) for e in data["edges"]],
            data["outcome"],
            data["result"],
        )


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
    """Draw a run's plan. Same arguments, same plan. `outcome` forces how it ends."""
    rng = random.Random(f"{seed}|{profile}|{max_depth}|{goal}")
    (fan_min, fan_max), (dur_min, dur_max), tokens = PROFILE_SHAPES.get(
        profile, PROFILE_SHAPES["general"]
    )
    # Longer goals decompose a little more.
    fan_max += min(2, len(goal) // 400)
    nodes: list[PlanNode] = []
    edges: list[tuple[str, str]] = []
    topic = " ".join(goal.split()[:8]) or "the goal"

    def new_node(kind: str, label: str) -> PlanNode:
        node = PlanNode(
            f"task_{len(nodes):04d}", kind, label, 0.0, 0.0, int(tokens * rng.uniform(0.5, 1.5))
        )
        nodes.append(node)
        return node

    def build(label: str, depth: int) -> tuple[PlanNode, PlanNode]:
        """One recursion of ROMA; returns (entry, exit) nodes of the sub-DAG it drew."""
        atom = new_node("atomizer", label)
        budget_left = MAX_NODES - len(nodes)
        decompose = (
            depth < max_depth
            and budget_left > fan_max * 3
            and rng.random() < (0.85 if depth == 1 else 0.55)
        )
        if not decompose:
            leaf = new_node("executor", label)
            edges.append((atom.id, leaf.id))
            return atom, leaf
        planner = new_node("planner", label)
        edges.append((atom.id, planner.id))
        children = []
        for _ in range(rng.randint(fan_min, fan_max)):
            sub_label = f"{rng.choice(_VERBS)} {rng.choice(_ASPECTS)} of {topic}"
            entry, exit_ = build(sub_label, depth + 1)
            edges.append((planner.id, entry.id))
            # Some subtasks need an earlier sibling's answer.
            if children and rng.random() < 0.35:
                edges.append((rng.choice(children)[1].id, entry.id))
            children.append((entry, exit_))
        aggregate = new_node("aggregator", label)
        for _, exit_ in children:
            edges.append((exit_.id, aggregate.id))
        return atom, aggregate

    build(topic, 1)
    _schedule(nodes, edges, rng, dur_min * time_scale, dur_max * time_scale)

    roll = rng.random()
    if outcome is None:
        outcome = (
            "runaway"
            if roll < runaway_rate
            else ("fail" if roll < runaway_rate + fail_rate else "complete")
        )
    executors = [n for n in nodes if n.type == "executor"] or nodes
    if outcome == "fail":
        rng.choice(executors).fails = True
    elif outcome == "runaway":
        rng.choice(executors).end = math.inf
        _propagate_inf(nodes, edges)
    result = (
        f"Simulated result for: {goal[:200]}\n\n"
        f"{len(nodes)} subtasks were planned and executed by the roma-tui sandbox "
        "(a simulation: no language model was used)."
    )
    return Plan(nodes, edges, outcome, result)


def _schedule(
    nodes: list[PlanNode], edges: list[tuple[str, str]], rng: random.Random, lo: float, hi: float
) -> None:
    """Each node starts when its last predecessor ends (nodes are drawn in topological order)."""
    preds: dict[str, list[str]] = {}
    for source, target in edges:
        preds.setdefault(target, []).append(source)
    by_id = {n.id: n for n in nodes}
    for node in nodes:
        node.start = max((by_id[p].end for p in preds.get(node.id, ())), default=0.0)
        node.end = round(node.start + rng.uniform(lo, hi), 3)


def _propagate_inf(nodes: list[PlanNode], edges: list[tuple[str, str]]) -> None:
    """Everything downstream of a node that never ends never starts."""
    succ: dict[str, list[str]] = {}
    for source, target in edges:
        succ.setdefault(source, []).append(target)
    by_id = {n.id: n for n in nodes}
    stuck = [n.id for n in nodes if math.isinf(n.end)]
    while stuck:
        for target in succ.get(stuck.pop(), ()):
            if not math.isinf(by_id[target].start):
                by_id[target].start = by_id[target].end = math.inf
                stuck.append(target)


def node_status(node: PlanNode, at: float) -> str:
    if at < node.start:
        return "pending"
    if at < node.end:
        return "running"
    return "failed" if node.fails else "completed"


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
    statuses = {n.id: node_status(n, at) for n in plan.nodes}
    done = [n for n in plan.nodes if statuses[n.id] in ("completed", "failed")]
    running = [n for n in plan.nodes if statuses[n.id] == "running"]
    events = [t for n in plan.nodes for t in (n.start, n.end) if t <= at]
    return Moment(
        statuses=statuses,
        progress=round(100.0 * len(done) / max(1, len(plan.nodes)), 1),
        current_step=f"{running[-1].type}: {running[-1].label}" if running else None,
        tokens_used=sum(n.tokens for n in done),
        agent_calls=len(done) + len(running),
        last_event=max(events, default=0.0),
    )
