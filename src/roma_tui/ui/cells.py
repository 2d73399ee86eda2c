"""Executions as table cells: Rich `Text` built from cleaned strings, never from markup.

Colours come from the theme's status variables; every status also has a glyph, so nothing
relies on colour alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from rich.cells import cell_len
from rich.text import Text

from ..api import Execution
from ..presentation import duration, relative, status_label
from ..presentation import is_runaway as runaway_rule
from ..safetext import one_line


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int  # cells at full width; what is longer is cut with an ellipsis
    drop: int = 0  # a narrow window drops the highest first; 0: never dropped


# The table's columns, in order: the one definition the cells and the table both read.
COLUMNS = (
    Column("mark", " ", 1),
    Column("id", "ID", 21),
    Column("status", "Status", 22),  # in the table: as wide as its longest label shown
    Column("goal", "Goal", 50),  # takes the room the others leave
    Column("profile", "Profile", 12, drop=3),
    Column("depth", "Depth", 5, drop=5),
    Column("created", "Created", 10, drop=1),
    Column("duration", "Duration", 8, drop=2),
    Column("progress", "Progress", 8, drop=4),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
# Columns the chooser may hide (the mark, the id and the status always stay).
OPTIONAL = ("goal", "profile", "depth", "created", "duration", "progress")
# Columns the API can sort on, and the field it sorts by.
SERVER_SORT = {"created": "created_at", "status": "status"}
GOAL_MIN = 16  # below this the goal says nothing: columns are dropped instead
GOAL_CLEAN = 400  # characters of a goal cleaned for the table (the column cuts the rest)
RUNAWAY_TAG = ("  RUNAWAY", "  ⚠ RUNAWAY")  # (ascii, unicode)


def fit_columns(
    shown: tuple[str, ...],
    width: int,
    *,
    status_width: int,
    goal_width: int,
    wide: bool,
    sort_key: str | None = None,
) -> tuple[tuple[Column, int], ...]:
    """The columns on screen and their widths (each is drawn one space after the previous).

    Wide: every column, each at full width (`goal_width` is the longest goal shown). Otherwise
    the `shown` columns fit the window: the goal takes what the others leave; when even the
    smallest goal would not fit, the columns with the highest `drop` go first.
    """

    def natural(column: Column) -> int:
        # The sorted column's header carries an arrow: two cells more than its label.
        least = len(column.label) + (2 if column.key == sort_key else 0)
        if column.key == "status":
            return max(status_width, least)
        if column.key == "goal":
            return max(goal_width if wide else GOAL_MIN, least)
        return max(column.width, least)

    if wide:
        return tuple((c, natural(c)) for c in COLUMNS)
    chosen = [c for c in COLUMNS if c.key in shown or c.key in ("mark", "id", "status")]
    while True:
        used = sum(natural(c) + 1 for c in chosen)
        if used <= width or not any(c.drop for c in chosen):
            break
        chosen.remove(max(chosen, key=lambda c: c.drop))
    spare = max(0, width - used)
    return tuple((c, natural(c) + (spare if c.key == "goal" else 0)) for c in chosen)


def status_width(labels: set[str]) -> int:
    """The status column's width for these labels (the runaway tag included)."""
    return max((cell_len(label) for label in labels), default=len("Status"))


@lru_cache(maxsize=20_000)
def _goal_line(goal: str | None) -> str:
    """Goals are long and repeat every render: clean each one once."""
    return one_line(goal, GOAL_CLEAN)


def status_style(status: str, palette: Mapping[str, str]) -> str:
    return palette.get(f"status-{status}", "") or ""


def is_runaway(execution: Execution, threshold_s: float, now: datetime) -> bool:
    return runaway_rule(execution.status, execution.created_at, threshold_s, now)


def status_text(execution: Execution, *, runaway: bool, ascii: bool) -> str:
    """The status cell as plain text (what the column's width is measured on)."""
    label = status_label(execution.status.value, execution.status_raw, ascii=ascii)
    return label + (RUNAWAY_TAG[0] if ascii else RUNAWAY_TAG[1]) if runaway else label


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
            RUNAWAY_TAG[0] if ascii else RUNAWAY_TAG[1],
            style=f"bold {palette.get('runaway', 'red')}",
        )
    elapsed = execution.ran_for(now)
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


# What each column sorts by on the client (created, and anything unknown: the creation time).
SortKey = Callable[[Execution, float | None, datetime], tuple[bool, Any]]
_SORT_READERS: dict[str, Callable[[Execution, float | None, datetime], Any]] = {
    "id": lambda e, _p, _now: e.execution_id,
    "status": lambda e, _p, _now: e.status.value,
    "goal": lambda e, _p, _now: (e.initial_goal or "").lower(),
    "profile": lambda e, _p, _now: e.config_profile or "",
    "depth": lambda e, _p, _now: e.max_depth,
    "duration": lambda e, _p, now: e.ran_for(now),
    "progress": lambda e, progress, _now: 100.0 if e.status == "completed" else progress,
}


def sort_key(column: str) -> SortKey:
    """(execution, its progress, now) -> a key for sorting by this column on the client;
    missing values sort last (and are never compared with present ones)."""
    read = _SORT_READERS.get(column, lambda e, _p, _now: e.created_at)

    def key(execution: Execution, progress: float | None, now: datetime) -> tuple[bool, Any]:
        value = read(execution, progress, now)
        return (value is None, value if value is not None else 0)

    return key
