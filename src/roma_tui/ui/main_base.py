"""What the parts of the main screen (layout, run actions, filters and views) share: the screen's
state and accessors, declared once. MainScreen mixes the parts and provides the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from .executions_table import ExecutionsTable

if TYPE_CHECKING:
    from ..api import Execution
    from ..monitor.failures import Failure
    from ..monitor.query import ParsedFilter
    from ..monitor.session import Session
    from ..monitor.table_rows import TableRows
    from .app import RomaApp
    from .flash import Kind
    from .main_paint import MainPaint


class MainBase(Screen[None]):
    if TYPE_CHECKING:
        session: Session
        paint: MainPaint
        filter: ParsedFilter
        table_rows: TableRows
        ascii: bool
        bell: bool
        read_only: bool
        read_only_reason: str | None
        sort_column: str
        sort_desc: bool
        wide: bool
        last_error: str | None
        chosen_columns: tuple[str, ...]

        def current(self) -> Execution | None: ...
        def render_rows(self) -> None: ...
        def schedule_poll(self) -> None: ...
        def note_failure(self, failure: Failure) -> None: ...
        def apply_filter(self, text: str, *, typing: bool = False) -> None: ...
        def poll(self, manual: bool = False) -> object: ...
        def flash(self, message: str, kind: Kind = "error", *, stays: bool = False) -> None: ...
        def set_sort(self, column: str, *, desc: bool) -> None: ...

    @property
    def roma(self) -> RomaApp:
        return cast("RomaApp", self.app)

    @property
    def table(self) -> ExecutionsTable:
        return self.query_one("#executions", ExecutionsTable)

    @property
    def palette(self) -> dict[str, str]:
        return self.roma.palette

    def clock(self) -> float:
        return self.roma.clock()
