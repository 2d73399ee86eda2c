"""The user's `[keymap]`: checked against the console's binding ids before Textual applies it.

Every binding has an id ("main.cancel", "table.down", ...); `[keymap]` in config.toml maps ids to
keys. An entry naming no binding, or keys Textual could not read, is skipped and said (with the
file), never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.dom import DOMNode

# A key as Textual names it: "x", "?", "f5", "ctrl+k", "shift+tab", "question_mark".
_KEY = re.compile(r"^((ctrl|shift|alt|meta|super|hyper)\+)*([A-Za-z0-9_]+|[^\s,+])$")


def binding_ids(*sources: Iterable[BindingType]) -> set[str]:
    return {b.id for bindings in sources for b in bindings if isinstance(b, Binding) and b.id}


def check_keymap(
    keymap: Mapping[str, str], known: set[str], where: str
) -> tuple[dict[str, str], list[str]]:
    """(the entries to apply, a message for each entry skipped)."""
    good: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        parts = [k.strip() for k in keys.split(",")]
        if binding_id not in known:
            problems.append(
                f"{where} [keymap]: no key binding has the id {binding_id!r} "
                "(ids look like main.cancel; the README lists them)."
            )
        elif not all(_KEY.match(part) for part in parts):
            problems.append(
                f"{where} [keymap] {binding_id}: {keys!r} is not a key list "
                '(e.g. "x" or "x,ctrl+k").'
            )
        else:
            good[binding_id] = ",".join(parts)
    return good, problems


def keyed() -> tuple[type[DOMNode], ...]:
    """Whatever holds bindings: `[keymap]` may name any of their ids.

    Imported when a keymap is read: the DAG explorer (and the graph library under it) and the
    modals are not needed before the first page is on screen.
    """
    from .action_log_screen import ActionLogScreen
    from .column_chooser import ColumnChooser
    from .command_line import CommandLine
    from .confirm import ConfirmCancel
    from .connect import ConnectScreen
    from .dag_screen import DagScreen
    from .dag_view import DagView
    from .executions_table import ExecutionsTable
    from .help import HelpScreen
    from .main_screen import MainScreen
    from .new_run import NewExecutionForm
    from .raw_view import RawJsonView
    from .viewer import TextViewer

    return (
        MainScreen,
        ExecutionsTable,
        ConfirmCancel,
        ColumnChooser,
        NewExecutionForm,
        TextViewer,
        RawJsonView,
        HelpScreen,
        ActionLogScreen,
        ConnectScreen,
        DagScreen,
        DagView,
        CommandLine,
    )
