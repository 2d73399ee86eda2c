"""roma-tui: a keyboard-driven terminal console for ROMA executions."""

__version__ = "0.1.0"
