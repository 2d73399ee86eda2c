"""`ls` and `status`: which runs there are, and how one is doing.

Runaways are marked as the console marks them (running longer than the profile's
runaway_minutes); `ls --runaway` keeps only those. Server text is cleaned before it is printed.
"""

from __future__ import annotations

import json
from argparse import Namespace
from datetime import UTC, datetime
from typing import Any

from .api import Dialect, Execution, ExecutionStatus, RomaClient, RomaError, Status
from .api.extras import RunCost, cost_from_metadata
from .commands import OK, Io, run_api_command, text_table
from .presentation import clock, duration, is_runaway, relative, run_seconds, status_label
from .safetext import clean, one_line
from .settings import Connection


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True)


def _execution_row(execution: Execution, now: datetime, runaway: bool) -> list[str]:
    elapsed = execution.ran_for(now)
    return [
        execution.execution_id,
        status_label(execution.status, execution.status_raw) + (" RUNAWAY" if runaway else ""),
        one_line(execution.config_profile or "-", 14),
        relative(execution.created_at, now),
        duration(elapsed),
        one_line(execution.initial_goal, 60),
    ]


def cmd_ls(args: Namespace, io: Io) -> int:
    async def body(client: RomaClient, connection: Connection) -> int:
        query = dict(
            # Only running runs can be runaways: ask for those unless told which to list.
            status=args.status or ("running" if args.runaway else None),
            profile=args.config_profile,
            created_after=args.after,
            created_before=args.before,
            sort=args.sort,
            order=args.order,
        )
        page = await client.list_executions(limit=args.limit, offset=args.offset, **query)
        rows, unreadable = list(page.data), page.unreadable
        seen = {e.execution_id for e in rows}
        offset = (args.offset or 0) + len(page.data)
        while args.all and page.pagination.has_more and page.data:
            page = await client.list_executions(limit=args.limit, offset=offset, **query)
            offset += len(page.data)
            unreadable += page.unreadable
            # A run created while we page shifts the pages: never list one twice.
            rows.extend(e for e in page.data if e.execution_id not in seen)
            seen.update(e.execution_id for e in page.data)
        now, minutes = datetime.now(UTC), connection.profile.runaway_minutes
        runaway = {
            e.execution_id for e in rows if is_runaway(e.status, e.created_at, minutes * 60, now)
        }
        listed = len(rows)
        if args.runaway:  # a filter over what was listed (with --all: over every run)
            rows = [e for e in rows if e.execution_id in runaway]
        if args.json:
            shown = [{**_dump(e), "runaway": e.execution_id in runaway} for e in rows]
            io.say(json.dumps(shown, indent=2, ensure_ascii=False))
        else:
            headers = ["ID", "STATUS", "PROFILE", "CREATED", "DURATION", "GOAL"]
            cells = [_execution_row(e, now, e.execution_id in runaway) for e in rows]
            io.say(text_table(cells, headers))
            total = page.pagination.total
            if args.runaway:
                io.say(
                    f"\n{len(rows)} runaway (running over {minutes:g} min) of {listed} "
                    f"{'running ' if not args.status else ''}listed"
                )
            else:
                io.say(f"\n{len(rows)} shown" + (f" of {total}" if total is not None else ""))
        if unreadable:
            io.warn(f"warning: {unreadable} row(s) from the server could not be read")
        return OK

    return run_api_command(args, io, body)


def cmd_status(args: Namespace, io: Io) -> int:
    async def body(client: RomaClient, connection: Connection) -> int:
        # The execution tells the goal and when it began (a Status tells neither).
        execution, status = await client.read_run(args.execution_id)
        cost = await _run_cost(client, status, io)
        minutes = connection.profile.runaway_minutes
        runaway = is_runaway(status.status, execution.created_at, minutes * 60, datetime.now(UTC))
        if args.json:
            shown = {
                **_dump(status),
                "initial_goal": execution.initial_goal,
                "created_at": _dump(execution)["created_at"],
                "runaway": runaway,
                "cost": _dump(cost) if cost is not None else None,
            }
            io.say(json.dumps(shown, indent=2, ensure_ascii=False))
            return OK
        flag = ""
        if runaway:
            ran = duration(run_seconds(execution.created_at, None, datetime.now(UTC)))
            flag = f"  RUNAWAY: running for {ran} (the profile's limit is {minutes:g} min)"
        lines = [
            ("execution", status.execution_id),
            ("goal", one_line(execution.initial_goal or "-", 300)),
            ("status", status_label(status.status, status.status_raw) + flag),
            ("progress", progress_text(status)),
            ("step", one_line(status.current_step or "-", 100)),
            ("updated", clock(status.updated_at)),
        ]
        meta = status.metadata
        if meta is not None and meta.execution_time is not None:
            lines.append(("time", duration(meta.execution_time)))
        lines += _cost_lines(cost)
        if meta is not None and meta.agent_calls is not None:
            lines.append(("agent calls", str(meta.agent_calls)))
        for label, value in lines:
            io.say(f"{label:>12}  {value}")
        kind = f" ({one_line(status.error_type, 40)})" if status.error_type else ""
        # A run cancelled without a failure has a reason ("Cancelled by the user."), no error.
        stopped = status.status == ExecutionStatus.CANCELLED and not status.error_type
        for label, text in (
            ("reason" if stopped else f"error{kind}", status.error),
            ("result", status.result),
        ):
            if text is not None and str(text).strip():
                words = text if isinstance(text, str) else json.dumps(text, indent=2)
                io.say(f"\n{label}:\n{clean(words)}")
        return OK

    return run_api_command(args, io, body)


def progress_text(status: Status) -> str:
    """ "2 of 7 tasks (29%)", "40%", or "unknown": never a 0% the server did not mean."""
    done, total = status.completed_tasks, status.total_tasks
    if done is not None and total:
        failed = f", {status.failed_tasks} failed" if status.failed_tasks else ""
        percent = f" ({status.progress:.0f}%)" if status.progress is not None else ""
        return f"{done} of {total} tasks{failed}{percent}"
    if status.progress is not None:
        return f"{status.progress:.0f}%"
    return "unknown"


async def _run_cost(client: RomaClient, status: Status, io: Io) -> RunCost | None:
    """Tokens and cost where the server offers them (upstream: one more request)."""
    if client.dialect is not Dialect.UPSTREAM:
        if status.metadata is None:
            return None
        return RunCost.model_validate(cost_from_metadata(status.metadata, status.execution_id))
    try:
        return await client.get_costs(status.execution_id)
    except RomaError as exc:
        io.warn(f"warning: the run's cost could not be read: {one_line(exc, 160)}")
        return None


def _cost_lines(cost: RunCost | None) -> list[tuple[str, str]]:
    if cost is None:
        return []
    if not cost.known:  # 0 with no LM trace recorded is "not recorded", not "free"
        return [("tokens", "not recorded by the server")]
    lines = [("tokens", f"{cost.tokens:,}" if cost.tokens is not None else "-")]
    if cost.cost_usd is not None:
        lines.append(("cost", f"${cost.cost_usd:,.4f}"))
    return lines
