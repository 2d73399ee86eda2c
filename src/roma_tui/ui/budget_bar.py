"""The line above the footer: connection state, the budget and the next poll.

(Where you are, the profile and the server, is said by the header line at the top.)"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widget import Widget

from ..monitor.planner import BudgetView
from .modal import tcss


def _clock(when: datetime | None) -> str:
    return when.astimezone().strftime("%H:%M") if when else "?"


def budget_line(
    *,
    view: BudgetView,
    error: str | None,
    read_only: bool,
    palette: dict[str, str],
    now: float | None = None,
    compact: bool = False,
) -> Text:
    """The line; `compact` leaves out the reserve and the count sent (a narrow window must
    still show when the next poll is)."""
    now = now or time.time()
    line = Text(" ")
    if view.halted:
        line.append(f"● stopped ({view.halted})", style=f"bold {palette.get('error', 'red')}")
    elif view.stale_since is not None and not view.answered:  # nothing was ever fresh
        line.append("● no answer yet", style=f"bold {palette.get('warning', 'yellow')}")
    elif view.stale_since is not None:
        since = datetime.fromtimestamp(view.stale_since).astimezone().strftime("%H:%M:%S")
        line.append(f"● stale since {since}", style=f"bold {palette.get('warning', 'yellow')}")
    elif error:
        line.append("● error", style=f"bold {palette.get('error', 'red')}")
    else:
        line.append("● live", style=f"bold {palette.get('success', 'green')}")
    line.append("  │  ")
    if view.reset_at is not None and view.reset_at.timestamp() <= now:
        # The figures are from before the reset: what is left now, only the next answer says.
        line.append(f"budget reset at {_clock(view.reset_at)}; the next answer says what is left")
    elif view.remaining is not None:
        limit = f"/{view.limit}" if view.limit is not None else ""
        line.append(f"budget {view.remaining}{limit}")
        if not compact:
            line.append(f" ({view.reserve} kept for you)", style="dim")
        if view.reset_at is not None:
            line.append(f" · resets {_clock(view.reset_at)}")
    else:
        line.append("no rate-limit headers: fixed interval", style="dim")
    if not compact:
        line.append(f" · {view.sent} sent", style="dim")
    if view.next_poll_at is not None:
        wait = max(0, round(view.next_poll_at - now))
        line.append(f"  │  next poll {wait}s ({view.reason})")
    if read_only:
        line.append("  │  READ-ONLY", style="bold")
    return line


class BudgetBar(Widget):
    """One line, repainted only when its text changes (no layout pass: it is one line high)."""

    DEFAULT_CSS = tcss("budget_bar.tcss")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._line = Text()
        self._short = Text()

    def update(self, line: Text, short: Text | None = None) -> None:
        """`short`: the line to show when `line` does not fit the width."""
        short = line if short is None else short
        if line != self._line or short != self._short:
            self._line, self._short = line, short
            self.refresh()

    def render(self) -> Text:
        return self._line if self._line.cell_len <= self.size.width else self._short
