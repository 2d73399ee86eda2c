"""How statuses, times and durations read, shared by the CLI and the console.

Every status has a glyph as well as a colour, so nothing relies on colour alone; `ascii=True`
gives glyphs for plain terminals.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .safetext import one_line

_GLYPHS = {
    "running": ("▶", ">"),
    "pending": ("◌", "."),
    "completed": ("✔", "+"),
    "failed": ("✘", "x"),
    "cancelled": ("⊘", "/"),
    "unknown": ("?", "?"),
}


def is_runaway(status: str, created_at: datetime | None, threshold_s: float, now: datetime) -> bool:
    """Running for longer than the profile's runaway_minutes: one rule for the table, the pane,
    the filter's `is:runaway` and the CLI's RUNAWAY marks."""
    if str(status) != "running" or created_at is None:
        return False
    return (now - created_at).total_seconds() > threshold_s


def status_glyph(status: str, *, ascii: bool = False) -> str:
    unicode_glyph, ascii_glyph = _GLYPHS.get(str(status), _GLYPHS["unknown"])
    return ascii_glyph if ascii else unicode_glyph


def status_label(status: str, raw: str | None = None, *, ascii: bool = False) -> str:
    """e.g. "✔ completed", or "? unknown (PAUSED)" when the server said something new."""
    label = f"{status_glyph(status, ascii=ascii)} {status}"
    if str(status) == "unknown" and raw:
        label += f" ({one_line(raw, 20)})"  # the server's word is data: cleaned, cut short
    return label


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    return f"{hours // 24}d{hours % 24:02d}h"


def run_seconds(
    started: datetime | None, finished: datetime | None, now: datetime | None = None
) -> float | None:
    """How long a run ran: to its end, or to now while it runs."""
    if started is None:
        return None
    end = finished or now or datetime.now(UTC)
    return (end - started).total_seconds()


def relative(when: datetime | None, now: datetime | None = None) -> str:
    """ "45s ago", "3m ago", "2h05m ago", "in 5m"; a date past a week. Past a minute it is
    whole minutes: the table repaints a finished run's age once a minute, not every second."""
    if when is None:
        return "-"
    now = now or datetime.now(UTC)
    delta = (now - when).total_seconds()
    if abs(delta) > 7 * 86400:
        return when.astimezone().strftime("%Y-%m-%d")
    seconds = abs(delta)
    text = duration(seconds) if seconds < 60 or seconds >= 3600 else f"{int(seconds // 60)}m"
    return f"{text} ago" if delta >= 0 else f"in {text}"


def clock(when: datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S") if when else "-"
