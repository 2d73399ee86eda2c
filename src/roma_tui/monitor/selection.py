"""What the user picked out of the list: marked runs (for a bulk cancel) and watched runs.

A watched run is one the user created or looked at; when it finishes the console says so. This
is session state, not paint: it lives beside the store and survives any repaint.
"""

from __future__ import annotations

from collections.abc import Iterable


class Selection:
    def __init__(self) -> None:
        self._marked: set[str] = set()
        self._watched: set[str] = set()

    # -- marks ---------------------------------------------------------------------------------

    def toggle_mark(self, execution_id: str) -> None:
        self._marked ^= {execution_id}

    def unmark(self, execution_ids: Iterable[str]) -> None:
        self._marked.difference_update(execution_ids)

    def is_marked(self, execution_id: str) -> bool:
        return execution_id in self._marked

    @property
    def marked(self) -> list[str]:
        """The marked ids, in a stable order (the confirmation lists them so)."""
        return sorted(self._marked)

    # -- watched runs --------------------------------------------------------------------------

    def watch(self, execution_id: str) -> None:
        self._watched.add(execution_id)

    def is_watched(self, execution_id: str) -> bool:
        return execution_id in self._watched
