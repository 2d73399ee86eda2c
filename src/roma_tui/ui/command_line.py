"""`:`: a one-line prompt for the palette's commands by name, with completion (tab) and the
commands that fit listed, dimmed, on its lower border. Enter runs, escape closes.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from ..safetext import one_line
from .filter_box import HistoryInput
from .screen_commands import NamedCommand, complete, matching


class CommandSuggester(Suggester):
    def __init__(self, commands: dict[str, NamedCommand]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.commands = commands

    async def get_suggestion(self, value: str) -> str | None:
        return complete(self.commands, value)


class CommandLine(HistoryInput):
    DEFAULT_CSS = """
    CommandLine { height: 3; border: tall $accent; }
    """
    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False, id="main.command_complete"),
        Binding("escape", "close", "Close", show=False, id="main.command_close"),
    ]

    class Closed(Message):
        """Escape, or enter with a command: `line` is what to run ("" to run nothing)."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(
        self, commands: dict[str, NamedCommand], history: list[str], value: str = "", **kw: Any
    ) -> None:
        super().__init__(
            history, suggester=CommandSuggester(commands), value=value, select_on_focus=False, **kw
        )
        self.commands = commands
        self.border_title = ":command"

    def on_mount(self) -> None:
        self.show_matches(self.value)

    def action_complete(self) -> None:
        if self._suggestion and self.cursor_at_end:
            self.action_cursor_right()  # takes the suggestion
        else:
            self.show_matches(self.value)

    def action_close(self) -> None:
        self.post_message(self.Closed(""))

    @on(Input.Changed)
    def changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show_matches(event.value)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.remember(event.value)
        self.post_message(self.Closed(event.value))

    def show_matches(self, text: str) -> None:
        found = matching(self.commands, text.strip() if " " not in text.strip() else text)
        line = " · ".join(found[:12]) + (" …" if len(found) > 12 else "")
        hint = line or "no command starts so (tab lists them)"
        self.border_subtitle = Content(one_line(hint, 300)).stylize("dim")
