"""The sandbox's executions: create, read, cancel, and settle the ones whose time has come.

Produces JSON in the hosted dialect's exact shapes (API.md); upstream_shapes.py words the same
runs the way the open-source server does. Run states are derived from each
run's plan and the clock (see simulation.py); `settle` writes a final state once a run has
completed, failed or timed out, and queues its webhook.
"""

from __future__ import annotations

import math
import random
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .simulation import Moment, draw_plan, exists, moment
from .storage import Row, Storage

_ALNUM = string.ascii_lowercase + string.digits
_HIDDEN_METADATA = ("webhook_token",)  # echoed back as "***", never in clear


@dataclass
class SandboxConfig:
    seed: str = "roma-sandbox"
    fail_rate: float = 0.15
    runaway_rate: float = 0.05
    time_scale: float = 1.0  # < 1 makes runs faster (tests), > 1 slower
    execution_timeout: float = 300.0  # the hosted service's 5 minutes; 0 = never
    max_running_per_key: int = 10
    allow_remote_webhooks: bool = False
    uuid_ids: bool = False  # execution IDs as the upstream server makes them


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Engine:
    def __init__(
        self, storage: Storage, config: SandboxConfig, clock: Callable[[], float] = time.time
    ) -> None:
        self.storage, self.config, self.clock = storage, config, clock

    # -- life cycle ----------------------------------------------------------------------------

    def recover(self) -> int:
        """After a restart, runs that were running cannot go on: fail them, saying why."""
        now = self.clock()
        last_seen = float(self.storage.get_state("heartbeat") or now)
        stopped = datetime.fromtimestamp(last_seen, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        count = 0
        for row in self.storage.running():
            frozen = max(0.0, min(last_seen, now) - row.created_at)
            error = (
                f"The sandbox server stopped while this execution was running "
                f"(last seen {stopped}); it was not resumed."
            )
            count += self.storage.finish(
                row.id, "failed", now, frozen, error, self._webhook_state(row)
            )
        self.heartbeat()
        return count

    def heartbeat(self) -> None:
        self.storage.set_state("heartbeat", repr(self.clock()))

    def settle(self) -> None:
        """Finish the running executions whose plan has ended or whose time is up."""
        now = self.clock()
        for row in self.storage.running():
            self.settle_one(row, now)

    def settle_one(self, row: Row, now: float) -> None:
        timeout = self.config.execution_timeout or math.inf
        elapsed = now - row.created_at
        ends = row.plan.ends_at
        if elapsed >= timeout and timeout <= ends:
            error = f"Execution timed out after {_minutes(timeout)}."
            self.storage.finish(
                row.id, "failed", row.created_at + timeout, timeout, error, self._webhook_state(row)
            )
        elif elapsed >= ends:
            status, error = "completed", None
            if row.plan.outcome == "fail":
                failed = next(n for n in row.plan.nodes if n.fails and n.end == ends)
                status = "failed"
                error = f"Subtask {failed.id} ({failed.label}) failed (simulated failure)."
            self.storage.finish(
                row.id, status, row.created_at + ends, ends, error, self._webhook_state(row)
            )

    def _webhook_state(self, row: Row) -> str | None:
        return "pending" if row.metadata.get("webhook_url") else None

    # -- operations ----------------------------------------------------------------------------

    def new_id(self) -> str:
        counter = int(self.storage.get_state("id_counter") or 0)
        while True:
            counter += 1
            rng = random.Random(f"{self.config.seed}:id:{counter}")
            if self.config.uuid_ids:
                candidate = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            else:
                candidate = "exec_" + "".join(rng.choice(_ALNUM) for _ in range(16))
            if self.storage.get(candidate) is None:
                self.storage.set_state("id_counter", str(counter))
                return candidate

    def create(
        self,
        owner: str,
        body: dict[str, Any],
        *,
        created_at: float | None = None,
        outcome: str | None = None,
    ) -> Row:
        execution_id = self.new_id()
        profile = body.get("config_profile") or "general"
        depth = body.get("max_depth")
        depth = 3 if depth is None else depth  # the upstream dialect allows 0
        plan = draw_plan(
            f"{self.config.seed}:{execution_id}",
            body["goal"],
            profile,
            depth,
            fail_rate=self.config.fail_rate,
            runaway_rate=self.config.runaway_rate,
            time_scale=self.config.time_scale,
            outcome=outcome,
        )
        # Milliseconds, as the API shows them: filters on shown times must be exact.
        now = round(self.clock() if created_at is None else created_at, 3)
        row = Row(
            execution_id,
            owner,
            body["goal"],
            profile,
            depth,
            body.get("config_overrides") or {},
            body.get("metadata") or {},
            "running",
            now,
            now,
            None,
            None,
            None,
            plan,
            None,
        )
        self.storage.insert(row)
        return row

    def cancel(self, row: Row) -> Row | None:
        """Cancel a running execution; None if it had already finished."""
        now = self.clock()
        if not self.storage.finish(
            row.id,
            "cancelled",
            now,
            now - row.created_at,
            "Cancelled by the user.",
            self._webhook_state(row),
        ):
            return None
        return self.storage.get(row.id)

    # -- JSON in the hosted dialect ------------------------------------------------------------

    def _moment(self, row: Row) -> Moment:
        return moment(row.plan, self.elapsed(row))

    def _metadata(self, row: Row, now_moment: Moment) -> dict[str, Any]:
        end = row.finished_at if row.finished_at is not None else self.clock()
        user = {k: ("***" if k in _HIDDEN_METADATA else v) for k, v in row.metadata.items()}
        return {
            "execution_time": round(end - row.created_at, 3),
            "tokens_used": now_moment.tokens_used,
            "agent_calls": now_moment.agent_calls,
            "user_metadata": user,
        }

    def _updated_at(self, row: Row, now_moment: Moment) -> float:
        if row.finished_at is not None:
            return row.finished_at
        return row.created_at + now_moment.last_event

    def _final_times(self, row: Row) -> dict[str, str | None]:
        key = {"completed": "completed_at", "failed": "failed_at", "cancelled": "cancelled_at"}.get(
            row.status
        )
        return {key: iso(row.finished_at)} if key else {}

    def execution_json(self, row: Row, *, with_dag: bool) -> dict[str, Any]:
        now_moment = self._moment(row)
        data: dict[str, Any] = {
            "execution_id": row.id,
            "status": row.status,
            "initial_goal": row.goal,
            "config_profile": row.profile,
            "max_depth": row.max_depth,
            "metadata": self._metadata(row, now_moment),
            "created_at": iso(row.created_at),
            "updated_at": iso(self._updated_at(row, now_moment)),
            **self._final_times(row),
        }
        if row.status == "completed":
            data["result"] = row.plan.result
        if row.error:
            data["error"] = row.error
        if with_dag:
            data["dag"] = self._dag(row, now_moment)
        return data

    def status_json(self, row: Row) -> dict[str, Any]:
        now_moment = self._moment(row)
        progress = 100.0 if row.status == "completed" else now_moment.progress
        return {
            "execution_id": row.id,
            "status": row.status,
            "progress": progress,
            "current_step": now_moment.current_step if row.status == "running" else None,
            "result": row.plan.result if row.status == "completed" else None,
            "error": row.error,
            "metadata": self._metadata(row, now_moment),
            "updated_at": iso(self._updated_at(row, now_moment)),
            **self._final_times(row),
        }

    def dag_json(self, row: Row) -> dict[str, Any]:
        return {"execution_id": row.id, "dag": self._dag(row, self._moment(row))}

    def _dag(self, row: Row, now_moment: Moment) -> dict[str, Any]:
        """Tasks appear when their planner has planned them. Edges are typed: "subtask" from a
        planner to each task it planned, "depends_on" from a task to a sibling that waits for it.
        """
        shown = exists(row.plan, self.elapsed(row))
        nodes = []
        for node in row.plan.nodes:
            if node.id not in shown:
                continue
            # A stopped run keeps its DAG as it was at the moment it stopped.
            status = now_moment.statuses[node.id]
            item: dict[str, Any] = {
                "id": node.id,
                "type": node.type,
                "status": status,
                "input": node.label,
                "depth": node.depth,
            }
            if node.parent is not None:
                item["parent_id"] = node.parent
            if status != "pending" and math.isfinite(node.start):
                item["started_at"] = iso(row.created_at + node.start)
            if status == "completed":
                item["output"] = f"Simulated output of: {node.label}"
                item["completed_at"] = iso(row.created_at + node.end)
            if status == "failed":
                item["error"] = "Simulated failure" if node.fails else row.error
            nodes.append(item)
        edges = [
            {"from": s, "to": t, "type": kind}
            for s, t, kind in row.plan.edges
            if s in shown and t in shown
        ]
        return {
            "nodes": nodes,
            "edges": edges,
            "stats": {
                "total_nodes": len(nodes),
                "completed_nodes": sum(n["status"] == "completed" for n in nodes),
                "failed_nodes": sum(n["status"] == "failed" for n in nodes),
                "total_edges": len(edges),
            },
        }

    def elapsed(self, row: Row) -> float:
        """Seconds of the run's plan that have played out (frozen once the run stopped)."""
        return row.frozen_at if row.frozen_at is not None else self.clock() - row.created_at


def _minutes(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    return f"{seconds:g} seconds"
