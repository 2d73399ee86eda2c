"""A scrollable, read-only viewer for whole texts (results, errors, node outputs).

The text is cleaned before it arrives and shown in a read-only TextArea: it is never parsed as
markup, and megabytes scroll without being laid out at once. `o` reads it in `$PAGER`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from ..safetext import one_line
from .clipboard import page
from .modal import RomaModal, tcss


class TextViewer(RomaModal[None]):
    DEFAULT_CSS = tcss("viewer.tcss")
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="viewer.close"),
        Binding("o", "pager", "Open in $PAGER", id="viewer.pager"),
    ]

    def __init__(self, title: str, text: str, *, container_id: str | None = None) -> None:
        super().__init__()
        self.title_text, self.text, self.container_id = title, text, container_id

    def compose(self) -> ComposeResult:
        with Vertical(id=self.container_id, classes="dialog"):
            yield Static(
                f" {self.title_text} · {len(self.text):,} characters · o pager · esc closes",
                markup=False,
            )
            yield TextArea(self.text, read_only=True, soft_wrap=True, id="viewer-text")
            yield Static("", id="viewer-note", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_pager(self) -> None:
        problem = page(self.app, self.text)
        self.query_one("#viewer-note", Static).update(one_line(problem or "", 300))
