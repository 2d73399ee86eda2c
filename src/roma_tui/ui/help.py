"""`?`: every key and what it does, generated from the bindings themselves (as remapped)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from .modal import RomaModal, tcss

_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "escape": "esc",
    "enter": "enter",
    "full_stop": ".",
}
# The app's own key (RomaApp.BINDINGS): here so the help can name it without importing the app.
COMMAND_PALETTE = Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.commands")
PALETTE_HELP = "Command palette: profiles, themes, jump to a run, read-only"
MAIN_HELP = (
    "Filter terms: status:running|completed|failed|cancelled, profile:NAME, "
    "since:30m|2h|7d, after:DATE, before:DATE (on the server); "
    "is:runaway|watched|marked|running|finished, age>30m, duration<10m, tokens>100k (here); "
    "other words match id, goal, profile and status.\n"
    "Rows marked ⚠ runaway have run longer than the profile's runaway_minutes."
)


def key_display(key: str) -> str:
    return _KEY_NAMES.get(key, key)


def keys_of(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The binding's keys as the user presses them: the user's own when the keymap remaps it."""
    if binding.id is not None and binding.id in keymap:
        keys = [k.strip() for k in keymap[binding.id].split(",")]
        return ", ".join(key_display(k) for k in keys if k)
    return binding.key_display or ", ".join(key_display(k) for k in binding.key.split(","))


def binding_rows(
    *sources: Iterable[BindingType], keymap: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    # One row per key: a key bound in two places (up in the filter box and in the table) says
    # both, the first source's meaning first.
    meanings: dict[str, list[str]] = {}
    for bindings in sources:
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            said = meanings.setdefault(keys_of(binding, keymap or {}), [])
            if binding.description not in said:
                said.append(binding.description)
    rows = [(keys, " · ".join(said)) for keys, said in meanings.items()]
    return rows


class HelpScreen(RomaModal[None]):
    DEFAULT_CSS = tcss("help.tcss")
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str]], extra: str = "") -> None:
        super().__init__()
        self.rows, self.extra = rows, extra

    def compose(self) -> ComposeResult:
        table = Table(title="roma-tui keys", expand=True, show_edge=False)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Action")
        for keys, description in self.rows:
            table.add_row(keys, description)
        with VerticalScroll(classes="dialog"):
            yield Static(table)
            if self.extra:
                yield Static(self.extra, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
