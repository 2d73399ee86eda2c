"""The main screen's text, from the session's state: a row's cells, the pane, the budget line.

No widgets here: the screen puts what these return where it belongs. Palette and clock are read
at each call (a theme change or a fake clock takes effect on the next paint).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial

from rich.text import Text

from ..api import Execution
from ..api.models import ExecutionStatus
from ..monitor.session import Session
from ..presentation import status_label
from .budget_bar import budget_line
from .cells import COLUMNS, row_cells, status_text, status_width
from .status_pane import describe

WIDE_GOAL_MAX = 200  # wide mode's goal column: the longest goal shown, up to this


class MainPaint:
    def __init__(
        self,
        session: Session,
        *,
        ascii: bool,
        palette: Callable[[], dict[str, str]],
        clock: Callable[[], float],
    ) -> None:
        self.session, self.ascii = session, ascii
        self.palette, self.clock = palette, clock

    @property
    def runaway_seconds(self) -> float:
        return self.session.connection.profile.runaway_minutes * 60

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC)

    def cells(self, execution_id: str) -> tuple[Text, ...]:
        """The table asks this for the rows it is about to paint (only those)."""
        store = self.session.store
        execution = store.get(execution_id)
        if execution is None:
            return tuple(Text("") for _ in COLUMNS)
        return row_cells(
            execution,
            marked=self.session.selection.is_marked(execution_id),
            palette=self.palette(),
            runaway_s=self.runaway_seconds,
            progress=store.progress(execution_id),
            ascii=self.ascii,
            now=self.now(),
        )

    def signature(self, execution_id: str) -> object:
        """What a row's cells are made of: the table repaints a kept line only when it changes.

        The clock counts by the second for runs that run or began within the hour (durations,
        "3m05s ago"), by the minute for the rest.
        """
        store = self.session.store
        execution = store.get(execution_id)
        if execution is None:
            return None
        now = self.clock()
        created = execution.created_at
        recent = created is None or now - created.timestamp() < 3600
        return (
            execution,
            self.session.selection.is_marked(execution_id),
            store.progress(execution_id),
            self.palette(),
            self.runaway_seconds,
            int(now) if recent or not execution.is_finished else int(now // 60),
        )

    def status_width(self, rows: list[Execution] | None) -> int:
        """The status column's width: its longest label among these rows (runaway tag too);
        `rows` None: every loaded run (the store keeps count of the statuses present).

        Runs every repaint: one pass finds the statuses present (none when nothing is
        filtered), and only running runs are looked at for the runaway tag.
        """
        running, unknown = ExecutionStatus.RUNNING, ExecutionStatus.UNKNOWN
        store = self.session.store
        if rows is None:
            kinds = store.status_kinds.keys()
            present = {status for status, _ in kinds}
            raws = {raw for status, raw in kinds if status is unknown}
            candidates = store.rows(list(store.running_set()))  # a few, not every row
        else:
            present = set({e.status: None for e in rows})
            raws = (
                {e.status_raw for e in rows if e.status is unknown} if unknown in present else set()
            )
            candidates = rows
        labels = {status_label(s.value, ascii=self.ascii) for s in present if s is not unknown}
        labels |= {status_label(unknown.value, raw, ascii=self.ascii) for raw in raws}
        if running in present:
            since = self.now() - timedelta(seconds=self.runaway_seconds)
            runaway = next(
                (
                    e
                    for e in candidates
                    if e.status is running and e.created_at is not None and e.created_at < since
                ),
                None,
            )
            if runaway is not None:
                labels.add(status_text(runaway, runaway=True, ascii=self.ascii))
        return status_width(labels)

    def goal_width(self, rows: Iterable[Execution]) -> int:
        """Wide mode's goal column: as wide as the longest goal shown (cleaned, one line)."""
        longest = max((len(e.initial_goal or "") for e in rows), default=0)
        return min(longest, WIDE_GOAL_MAX)

    def status(self, current: Execution | None) -> Text:
        store = self.session.store
        status = store.statuses.get(current.execution_id) if current else None
        dag = store.dag_of(current.execution_id) if current else None
        working_on = dag.running_goals() if dag is not None else None
        return describe(
            current,
            status,
            palette=self.palette(),
            runaway_s=self.runaway_seconds,
            ascii=self.ascii,
            now=self.now(),
            working_on=working_on if current and not current.is_finished else None,
        )

    def budget(self, *, error: str | None, read_only: bool) -> tuple[Text, Text]:
        """The budget line, in full and compact (for a narrow window)."""
        line = partial(
            budget_line,
            view=self.session.planner.view(),
            error=error,
            read_only=read_only,
            palette=self.palette(),
            now=self.clock(),
        )
        return line(compact=False), line(compact=True)
