"""The DAG explorer's keys: its bindings (each with an id for the keymap), its `?` help and a
footer that fits the terminal.

The footer shows a short word per key; the help shows the longer `tooltip`. At a narrow width
the footer leaves out the least useful keys first (`FOOTER_PRIORITY`), never a key cut in half;
every key stays in the help.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from .footer import KeysFooter
from .help import key_display

# The canvas's own keys (on DagView, which has the focus): they move the cursor.
MOVE_BINDINGS: list[BindingType] = [
    Binding("up,k", "screen.move('up')", "Parent", tooltip="Move to a parent", id="dag.up"),
    Binding("down,j", "screen.move('down')", "Child", tooltip="Move to a child", id="dag.down"),
    Binding(
        "left,h",
        "screen.move('left')",
        "Left",
        show=False,
        tooltip="Move left in the layer (a list view: up)",
        id="dag.left",
    ),
    Binding(
        "right,l",
        "screen.move('right')",
        "Right",
        show=False,
        tooltip="Move right in the layer (a list view: down)",
        id="dag.right",
    ),
]

SCREEN_BINDINGS: list[BindingType] = [
    Binding("enter", "inspect", "Inspect", tooltip="Inspect the node whole", id="dag.inspect"),
    Binding(
        "f", "next_status('failed', 1)", "Failed", tooltip="Next failed node", id="dag.next_failed"
    ),
    Binding(
        "F",
        "next_status('failed', -1)",
        "Prev failed",
        show=False,
        tooltip="Previous failed node",
        id="dag.previous_failed",
    ),
    Binding(
        "r",
        "next_status('running', 1)",
        "Running",
        tooltip="Next running node",
        id="dag.next_running",
    ),
    Binding(
        "p",
        "critical_path",
        "Critical",
        tooltip="Mark the critical path (★, ASCII !) or unmark it",
        id="dag.critical_path",
    ),
    Binding(
        "z",
        "fold",
        "Fold",
        tooltip="Fold or unfold the sub-DAG under the node (⊞ +N, ASCII [+N])",
        id="dag.fold",
    ),
    Binding(
        "0",
        "fit",
        "Fit",
        tooltip="Fit: to the top of the graph, or the compact list when it does not fit",
        id="dag.fit",
    ),
    Binding("t", "tree", "Tree", tooltip="The tree (outline) by planner, or back", id="dag.tree"),
    Binding("g,home", "first", "First", show=False, tooltip="First node", id="dag.first"),
    Binding("G,end", "last", "Last", show=False, tooltip="Last node", id="dag.last"),
    Binding("slash", "find", "Find", tooltip="Find a node by id or text", id="dag.find"),
    Binding("question_mark", "help", "Help", tooltip="Every key (this list)", id="dag.help"),
    Binding(
        "escape,q",
        "back",
        "Back",
        tooltip="Close the find box, else back to the runs",
        id="dag.back",
    ),
]

# The footer drops keys from the end of this list first when the terminal is narrow.
FOOTER_PRIORITY = (
    "back",
    "help",
    "inspect",
    "find",
    "next_status('failed', 1)",
    "fold",
    "tree",
    "critical_path",
    "fit",
    "next_status('running', 1)",
    "screen.move('up')",
    "screen.move('down')",
)


def _bindings(sources: Iterable[Iterable[BindingType]]) -> Iterator[Binding]:
    for bindings in sources:
        yield from (b for b in bindings if isinstance(b, Binding))


def help_rows(*sources: Iterable[BindingType]) -> list[tuple[str, str]]:
    """One row per key: the first binding of a key wins, so no key is listed twice."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for binding in _bindings(sources):
        words = binding.tooltip or binding.description
        keys = [k.strip() for k in binding.key.split(",") if k.strip() not in seen]
        if not words or not keys:
            continue
        seen.update(keys)
        rows.append((", ".join(key_display(k) for k in keys), words))
    return rows


def footer_width(key: FooterKey) -> int:
    """Cells a footer key takes: its key and its word, padded " esc Back "."""
    return cell_len(key.key_display) + cell_len(key.description) + 3


def fitting(keys: list[FooterKey], width: int) -> list[FooterKey]:
    """The keys that fit in `width`, the least useful left out first, in their own order."""
    rank = {action: i for i, action in enumerate(FOOTER_PRIORITY)}
    by_use = sorted(keys, key=lambda k: rank.get(k.action, len(rank)))
    kept: set[int] = set()
    used = 0
    for key in by_use:
        if used + footer_width(key) <= width:
            kept.add(id(key))
            used += footer_width(key)
    return [k for k in keys if id(k) in kept]


class DagFooter(KeysFooter):
    """The footer, with only the keys that fit whole at the terminal's width."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False)  # ctrl+p: a key like the others
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        widgets: list[Widget] = list(super().compose())
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        width = self.size.width or self.app.size.width
        self._laid_out_for = width
        kept = set(map(id, fitting(keys, width)))
        yield from (w for w in widgets if not isinstance(w, FooterKey) or id(w) in kept)

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
