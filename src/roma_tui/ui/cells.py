"""Executions as table cells: Rich `Text` built from cleaned strings, never from markup.

Colours come from the theme's status variables; every status also has a glyph, so nothing
relies on colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from rich.text import Text

from ..api import Execution
from ..presentation import duration, relative, run_seconds, status_label
from ..safetext import one_line


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # cells on screen; what is longer is cut with an ellipsis


# The table's columns, in order: the one definition the cells and the table both read.
COLUMNS = (
    Column("mark", " ", 1),
    Column("id", "ID", 21),
    Column("status", "Status", 22),
    Column("goal", "Goal", 50),  # the one that gives, when the terminal is narrow
    Column("profile", "Profile", 13),
    Column("depth", "Depth", 5),
    Column("created", "Created", 11),
    Column("duration", "Duration", 9),
    Column("progress", "Progress", 8),
)
# Columns the API can sort on, and the field it sorts by.
SERVER_SORT = {"created": "created_at", "status": "status"}
# A goal is cut two cells short of its column, so a long goal never runs into the profile.
GOAL_TEXT = next(c.width for c in COLUMNS if c.key == "goal") - 2


@lru_cache(maxsize=20_000)
def _goal_line(goal: str | None) -> str:
    """Goals are long and repeat every render: clean each one once."""
    return one_line(goal, GOAL_TEXT)


def status_style(status: str, palette: Mapping[str, str]) -> str:
    return palette.get(f"status-{status}", "") or ""


def is_runaway(execution: Execution, threshold_s: float, now: datetime) -> bool:
    if execution.status != "running" or execution.created_at is None:
        return False
    return (now - execution.created_at).total_seconds() > threshold_s


def progress_text(execution: Execution, progress: float | None) -> str:
    if execution.status == "completed":
        return "100%"
    if progress is not None:
        return f"{progress:.0f}%"
    if execution.total_tasks and execution.completed_tasks is not None:
        return f"{execution.completed_tasks}/{execution.total_tasks}"
    return "-"  # unknown is said as unknown, never as 0%


def row_cells(
    execution: Execution,
    *,
    marked: bool,
    palette: Mapping[str, str],
    runaway_s: float,
    progress: float | None = None,
    ascii: bool = False,
    now: datetime | None = None,
) -> tuple[Text, ...]:
    now = now or datetime.now(UTC)
    status = execution.status.value
    runaway = is_runaway(execution, runaway_s, now)
    status_cell = Text(
        status_label(status, execution.status_raw, ascii=ascii), style=status_style(status, palette)
    )
    if runaway:
        status_cell.append(
            "  RUNAWAY" if ascii else "  ⚠ RUNAWAY", style=f"bold {palette.get('runaway', 'red')}"
        )
    elapsed = run_seconds(execution.created_at, execution.finished_at, now)
    return (
        Text("*" if ascii and marked else "●" if marked else " ", style="bold"),
        Text(execution.execution_id, style="bold" if runaway else ""),
        status_cell,
        Text(_goal_line(execution.initial_goal)),
        Text(one_line(execution.config_profile or "-", 14)),
        Text(str(execution.max_depth) if execution.max_depth is not None else "-"),
        Text(relative(execution.created_at, now)),
        Text(duration(elapsed), style="bold" if runaway else ""),
        Text(progress_text(execution, progress)),
    )


def sort_value(execution: Execution, column: str, progress: float | None = None) -> tuple:
    """A key for sorting on the client; missing values sort last."""
    value: object
    if column == "id":
        value = execution.execution_id
    elif column == "status":
        value = execution.status.value
    elif column == "goal":
        value = (execution.initial_goal or "").lower()
    elif column == "profile":
        value = execution.config_profile or ""
    elif column == "depth":
        value = execution.max_depth
    elif column == "duration":
        value = run_seconds(execution.created_at, execution.finished_at)
    elif column == "progress":
        value = 100.0 if execution.status == "completed" else progress
    else:  # created, and anything else: newest data first is the natural order
        value = execution.created_at
    return (value is None, value if value is not None else 0)
