"""The colours of statuses, in one place: the console's theme defaults, the DAG exports, and
`roma-tui dag` printing to a terminal all read them from here.

(Every status also has a glyph, in `presentation.py`, so nothing relies on colour alone.)
"""

from __future__ import annotations

# A run's or a node's status -> its colour, where we choose the colour (exports, theme defaults).
STATUS_HEX = {
    "completed": "#3FB950",
    "running": "#4EA8DE",
    "failed": "#F85149",
    "pending": "#8B949E",
    "unknown": "#BC8CFF",
    "cancelled": "#D29922",
}
RUNAWAY_HEX = "#FF7B72"  # a run going on for longer than the user's threshold

# The theme variables the console paints statuses with, and their values for any theme that
# does not set them (Textual's built-in themes, a user's theme file without them).
THEME_DEFAULTS = {
    **{f"status-{status}": colour for status, colour in STATUS_HEX.items()},
    "runaway": RUNAWAY_HEX,
}

# Shown states that have no colour of their own: a DAG's "stopped" node (`dag.graph.STOPPED`,
# still running when its run ended) looks like a cancelled run.
_LOOKS_LIKE = {"stopped": "cancelled"}


def theme_variable(status: str) -> str:
    """The theme variable a shown status is painted with."""
    return f"status-{_LOOKS_LIKE.get(status, status)}"


# A plain terminal's named colours (its own palette decides how they look), by the style names
# the DAG painter gives its runs (`dag.render.Painter`).
TERMINAL_STYLES = {
    "edge": "grey50",
    "status-completed": "green",
    "status-running": "cyan",
    "status-failed": "red",
    "status-pending": "grey70",
    "status-unknown": "magenta",
}
