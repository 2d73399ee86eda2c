"""`?`: every key and what it does, generated from the bindings themselves."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "escape": "esc",
    "enter": "enter",
    "full_stop": ".",
}


def key_display(key: str) -> str:
    return _KEY_NAMES.get(key, key)


def binding_rows(*sources: Iterable[BindingType]) -> list[tuple[str, str]]:
    rows, seen = [], set()
    for bindings in sources:
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            keys = binding.key_display or ", ".join(key_display(k) for k in binding.key.split(","))
            if (keys, binding.description) not in seen:
                seen.add((keys, binding.description))
                rows.append((keys, binding.description))
    return rows


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80; max-width: 95%; height: 85%;
        border: thick $primary; background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, rows: list[tuple[str, str]], extra: str = "") -> None:
        super().__init__()
        self.rows, self.extra = rows, extra

    def compose(self) -> ComposeResult:
        table = Table(title="roma-tui keys", expand=True, show_edge=False)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Action")
        for keys, description in self.rows:
            table.add_row(keys, description)
        with VerticalScroll():
            yield Static(table)
            if self.extra:
                yield Static(self.extra, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
