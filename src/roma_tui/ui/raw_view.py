"""The raw JSON of a run: what the server said about it, pretty-printed, inert, searchable.

The document is the execution as the client read it (`GET /executions/{id}`): the fields the
server sent, unknown ones kept, in the hosted shape (an upstream answer's fields are kept beside
the ones roma-tui derives from them). It is painted a row at a time (`TextLines`), so a 5 MB
answer opens and scrolls at once. `/` finds (n/N: next/previous), `y`/`Y` copy the id/the JSON
(OSC 52), `o` reads it in `$PAGER`.
"""

from __future__ import annotations

import json

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from ..api import Execution
from ..safetext import one_line
from .clipboard import copy, page
from .modal import RomaModal, tcss
from .text_lines import TextLines

KEYS_NOTE = "/ find · n/N next/previous · y copy id · Y copy JSON · o pager · esc closes"


def execution_json(execution: Execution) -> str:
    """The execution as the server sent it (fields it did not send are left out)."""
    body = execution.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return json.dumps(body, indent=2, ensure_ascii=False, default=str)


class RawJsonView(RomaModal[None]):
    DEFAULT_CSS = tcss("raw_view.tcss")
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="raw.close"),
        Binding("slash", "find", "Find", id="raw.find"),
        Binding("n", "step(1)", "Next match", id="raw.next"),
        Binding("N", "step(-1)", "Previous match", id="raw.previous"),
        Binding("y", "copy_id", "Copy id", id="raw.copy_id"),
        Binding("Y", "copy_json", "Copy JSON", id="raw.copy_json"),
        Binding("o", "pager", "Open in pager", id="raw.pager"),
    ]

    def __init__(self, execution_id: str, document: str, source: str) -> None:
        """`source`: where the document came from (the request and when), for the title."""
        super().__init__()
        self.execution_id, self.document, self.source = execution_id, document, source

    def compose(self) -> ComposeResult:
        lines = TextLines(self.document, id="raw-text")
        title = (
            f" {one_line(self.source, 160)} · "
            f"{len(lines.lines):,} lines, {len(self.document):,} characters"
        )
        with Vertical(classes="dialog"):
            yield Static(title, id="raw-title", markup=False)
            yield lines
            yield Input(placeholder="find (enter searches, esc closes)", id="raw-find")
            yield Static(KEYS_NOTE, id="raw-note", markup=False)

    @property
    def lines(self) -> TextLines:
        return self.query_one(TextLines)

    def on_mount(self) -> None:
        self.lines.focus()

    def say(self, message: str) -> None:
        self.query_one("#raw-note", Static).update(one_line(message, 300))

    def action_close(self) -> None:
        box = self.query_one("#raw-find", Input)
        if box.has_focus:  # esc leaves the find box first
            box.remove_class("-shown")
            self.lines.focus()
            return
        self.dismiss(None)

    def action_find(self) -> None:
        box = self.query_one("#raw-find", Input)
        box.add_class("-shown")
        self.set_focus(box)

    @on(Input.Submitted, "#raw-find")
    def find(self, event: Input.Submitted) -> None:
        count = self.lines.find(event.value)
        self.lines.focus()
        if not event.value:
            self.say(KEYS_NOTE)
        elif count:
            self._say_match()
        else:
            self.say(f"No match for {event.value!r}.")

    def action_step(self, delta: int) -> None:
        if not self.lines.needle:
            self.say("Nothing to find yet: / opens the find box.")
            return
        if not self.lines.matches:
            self.say(f"No match for {self.lines.needle!r}.")
            return
        self.lines.step(delta)
        self._say_match()

    def _say_match(self) -> None:
        lines = self.lines
        line = lines.matches[lines.current][0] + 1
        self.say(
            f"Match {lines.current + 1} of {len(lines.matches)} for {lines.needle!r} "
            f"(line {line:,}) · n/N next/previous"
        )

    def action_copy_id(self) -> None:
        self.say(copy(self.app, self.execution_id, "the run id")[0])

    def action_copy_json(self) -> None:
        self.say(copy(self.app, self.document, "the run's JSON")[0])

    def action_pager(self) -> None:
        self.say(page(self.app, self.document) or KEYS_NOTE)
