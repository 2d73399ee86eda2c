"""`--seed-demo N`: a history of executions of every status, so the console has something to show.

Deterministic for the server's seed. A few runs are left running (one of them a runaway), so
the demo is live from the first second.
"""

from __future__ import annotations

import math
import random

from .engine import Engine

GOALS = (
    "Summarise the current state of perovskite solar cell research",
    "Compare the fee structures of the five largest Ethereum layer-2 networks",
    "Write a market overview of home battery storage in Germany",
    "Explain the trade-offs between Raft and Paxos for a new engineer",
    "Find recent studies on sleep and memory consolidation and list their findings",
    "Draft a migration plan from Python 3.9 to 3.12 for a monorepo",
    "Analyse the sentiment of this week's news about semiconductor export rules",
    "Plan a three-day itinerary in Lisbon for a family with two children",
    "Estimate the total addressable market for AI code review tools",
    "Review the security posture of a typical self-hosted Kubernetes cluster",
    "Collect the top ten open-source vector databases and compare their licences",
    "Research the history of the ROMA recursive agent framework",
    # Server text is data: these must show as typed, never as colours or markup.
    "Goal with \x1b[31mANSI red\x1b[0m and [bold]markup[/bold] and a [link=x]link[/link]",
    "A very long goal: " + "analyse every angle of the question in depth, " * 40,
)
PROFILES = ("general", "general", "fast", "high_quality", "crypto_agent")


def seed_demo(engine: Engine, count: int, owner: str = "demo-seed") -> None:
    rng = random.Random(f"{engine.config.seed}:demo")
    now = engine.clock()
    live = min(4, max(1, count // 10)) if count else 0
    # With live runs, one of the N is a runaway (added last).
    for index in range(count - (1 if live else 0)):
        goal = GOALS[index % len(GOALS)]
        body = {
            "goal": goal,
            "config_profile": rng.choice(PROFILES),
            "max_depth": rng.choice((2, 3, 3, 3, 4, 5)),
        }
        if index < live:
            created = now - rng.uniform(1, 15)
            row = engine.create(owner, body, created_at=created)
            continue
        created = now - rng.uniform(600, 3 * 86400)
        row = engine.create(owner, body, created_at=created)
        plan = row.plan
        if rng.random() < 0.1:
            stop = rng.uniform(0.2, 0.8) * min(plan.ends_at, 60.0)
            engine.storage.finish(
                row.id, "cancelled", created + stop, stop, "Cancelled by the user.", None
            )
        elif math.isinf(plan.ends_at):
            timeout = engine.config.execution_timeout or 300.0
            engine.storage.finish(
                row.id,
                "failed",
                created + timeout,
                timeout,
                "Execution timed out after 5 minutes.",
                None,
            )
        else:
            engine.settle_one(row, now)
    if live:
        # One runaway: started a while ago, still running, never finishing by itself.
        body = {
            "goal": "Monitor every exchange for arbitrage forever (runaway)",
            "config_profile": "crypto_agent",
            "max_depth": 3,
        }
        age = min(420.0, 0.8 * (engine.config.execution_timeout or 600.0))
        engine.create(owner, body, created_at=now - age, outcome="runaway")
