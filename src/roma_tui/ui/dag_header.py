"""The DAG screen's header: what the server said about the run and its graph, and nothing more.

An empty DAG has no counts (not "0 nodes"); nodes still "running" in an ended run are counted as
stopped; a failure that repeats is one line with a count, never a pile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import networkx as nx
from rich.text import Text

from ..api import Execution, RomaError
from ..dag.graph import STOPPED, planners, status_counts
from ..dag.layout import DagLayout
from ..dag.render import glyph
from ..safetext import one_line
from ..statuscolours import theme_variable

SHOWN_STATUSES = ("completed", "running", STOPPED, "pending", "failed", "unknown")


def describe(error: BaseException) -> str:
    """A failure in one line: our errors say themselves; anything else names its type."""
    text = one_line(str(error), 200)
    if isinstance(error, RomaError):
        return text or type(error).__name__
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@dataclass
class Failures:
    """The failure being said, and how many times in a row it happened."""

    message: str | None = None
    count: int = 0
    next_try: float | None = None  # clock seconds of the next attempt, when one is planned

    def note(self, message: str) -> bool:
        """Count `message`; True when it is new (worth a log line), False for a repeat."""
        if message == self.message:
            self.count += 1
            return False
        self.message, self.count, self.next_try = message, 1, None
        return True

    def clear(self) -> None:
        self.message, self.count, self.next_try = None, 0, None

    def line(self) -> str | None:
        if self.message is None:
            return None
        again = f" ({self.count} times in a row)" if self.count > 1 else ""
        when = ""
        if self.next_try is not None:
            when = f"; next try at {datetime.fromtimestamp(self.next_try).astimezone():%H:%M:%S}"
        return f"{self.message}{again}{when}"


@dataclass
class HeaderFacts:
    execution: Execution
    graph: nx.DiGraph | None  # None: not loaded (yet)
    mode: str
    layout: DagLayout | None
    folded_away: int = 0
    problems: list[str] = field(default_factory=list)
    sent_total: int | None = None  # the node count the server's stats claim
    failure: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Detail:
    """How much of the first line to say; less of it at a narrow width."""

    id_cells: int = 60
    crossings: bool = True
    status_words: bool = True  # "✔ 5 completed", else "✔ 5"
    owners: bool = True
    mode: bool = True


# Tried in order until the first line fits: the least useful parts go first.
DETAILS = (
    Detail(),
    Detail(crossings=False),
    Detail(crossings=False, owners=False),
    Detail(crossings=False, owners=False, status_words=False),
    Detail(id_cells=24, crossings=False, owners=False, status_words=False),
    Detail(id_cells=24, crossings=False, owners=False, status_words=False, mode=False),
    Detail(id_cells=12, crossings=False, owners=False, status_words=False, mode=False),
)


def header_text(
    facts: HeaderFacts, *, ascii: bool, palette: dict[str, str], width: int = 0
) -> Text:
    """The header: one line that fits `width` (0: any), then a line per problem or failure."""
    line = Text()
    for detail in DETAILS:
        line = _first_line(facts, detail, ascii=ascii, palette=palette)
        if not width or line.cell_len <= width:
            break
    if width and line.cell_len > width:
        line.truncate(width, overflow="ellipsis")
    warning = palette.get("warning", "yellow")
    for problem in facts.problems:
        line.append(f"\n ⚠ {problem}", style=warning)
    if facts.failure:
        line.append(f"\n ⚠ {facts.failure}", style=warning)
    if facts.note:
        line.append(f"\n {facts.note}")
    return line


def _first_line(
    facts: HeaderFacts, detail: Detail, *, ascii: bool, palette: dict[str, str]
) -> Text:
    execution, graph = facts.execution, facts.graph
    ended = execution.is_finished
    line = Text()
    line.append(f" {one_line(execution.execution_id, detail.id_cells)} ", style="bold reverse")
    line.append(f" {execution.status.value}  ")
    if graph is not None and graph.number_of_nodes() == 0:  # nothing to count: say so
        line.append("no tasks reported" + ("" if ended else " yet") + "  ", style="dim")
    elif graph is not None:
        total = graph.number_of_nodes()
        line.append(f"{total:,} nodes")
        if facts.sent_total is not None and facts.sent_total > total:
            line.append(f" (the server counts {facts.sent_total:,})")
        owners = len(planners(graph)) if detail.owners else 0
        line.append(f" · {owners:,} planner(s) · " if owners else " · ")
        counts = status_counts(graph, run_ended=ended)
        for status in SHOWN_STATUSES:
            if counts.get(status):
                word = f" {status}" if detail.status_words else ""
                line.append(
                    f"{glyph(status, ascii=ascii)} {counts[status]}{word}  ",
                    style=palette.get(theme_variable(status), ""),
                )
    if detail.mode and facts.layout is not None and facts.layout.layers:
        crossings = f" · crossings {facts.layout.crossings_after:,}" if detail.crossings else ""
        line.append(f"· {facts.mode}{crossings} ", style="dim")
    if facts.folded_away:
        line.append(f"· {facts.folded_away:,} folded away ", style="dim")
    line.rstrip()
    return line
