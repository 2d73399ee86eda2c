"""`RomaModal`: the console's dialogs, centred in a bordered box (`.dialog`), and `tcss`.

Each dialog puts its content in one container with the class `dialog`; its own sizes and
padding are in a `.tcss` file beside its module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")
_HERE = Path(__file__).parent


def tcss(name: str) -> str:
    """A stylesheet shipped beside the widgets (read once, at import)."""
    return (_HERE / name).read_text(encoding="utf-8")


class RomaModal(ModalScreen[ResultType]):
    DEFAULT_CSS = tcss("modal.tcss")
