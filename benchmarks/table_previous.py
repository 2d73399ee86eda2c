"""The executions table's previous data path, kept only as a reference for table_latency.py.

Before the table followed what changed, every refresh re-filtered every loaded row with one
Python loop per row, re-sorted them all with a key computed per row, measured the status column
over every row and rebuilt the row index. This is that path (filter, sort, width, index), run
on the same store as the current one, so both are timed in the same run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from roma_tui.api import Execution
from roma_tui.api.models import ExecutionStatus
from roma_tui.monitor.query import STATES, MatchContext, ParsedFilter, haystack
from roma_tui.monitor.store import ExecutionStore
from roma_tui.presentation import run_seconds
from roma_tui.ui.cells import SERVER_SORT, status_text, status_width


def previous_rows(
    store: ExecutionStore, parsed: ParsedFilter, context: MatchContext, column: str, desc: bool
) -> list[str]:
    rows = _filter(parsed, store.rows(), context)
    if column not in SERVER_SORT:
        rows.sort(
            key=lambda e: _sort_value(e, column, store.progress(e.execution_id)), reverse=desc
        )
    _status_width(rows, context.now, context.runaway_s)
    ids = [e.execution_id for e in rows]
    _index = {key: i for i, key in enumerate(ids)}
    return ids


def _filter(parsed: ParsedFilter, rows: list[Execution], context: MatchContext) -> list[Execution]:
    """Words and statuses only (what the benchmark types), one loop over every row."""
    if not parsed.client_side:
        return list(rows)
    states = set(parsed.flags) & set(STATES) or None
    before = context.now - timedelta(seconds=min(context.runaway_s, 1e9))
    kept = []
    for execution in rows:
        if states is not None and execution.status not in states:
            continue
        if parsed.words and not _words(execution, parsed.words, before):
            continue
        kept.append(execution)
    return kept


def _words(execution: Execution, words: tuple[str, ...], before: datetime) -> bool:
    text = haystack(execution.execution_id, execution.initial_goal, execution.config_profile)
    for word in words:
        if word in text or word in execution.status:
            continue
        created = execution.created_at
        running = execution.status == "running"
        if word in "runaway" and running and created is not None and created < before:
            continue
        return False
    return True


def _sort_value(execution: Execution, column: str, progress: float | None) -> tuple:
    value: object
    if column == "goal":
        value = (execution.initial_goal or "").lower()
    elif column == "duration":
        value = run_seconds(execution.created_at, execution.finished_at)
    elif column == "progress":
        value = 100.0 if execution.status == "completed" else progress
    else:
        value = execution.created_at
    return (value is None, value if value is not None else 0)


def _status_width(rows: list[Execution], now: datetime, runaway_s: float) -> int:
    since = now - timedelta(seconds=runaway_s)
    running, unknown = ExecutionStatus.RUNNING, ExecutionStatus.UNKNOWN
    kinds: dict[tuple[ExecutionStatus, str | None, bool], Execution] = {}
    for e in rows:
        status, created = e.status, e.created_at
        runaway = status is running and created is not None and created < since
        kinds.setdefault((status, e.status_raw if status is unknown else None, runaway), e)
    labels = {status_text(e, runaway=r, ascii=False) for (_, _, r), e in kinds.items()}
    return status_width(labels)
