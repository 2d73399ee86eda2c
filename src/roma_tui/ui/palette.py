"""Command palette entries: jump to an execution by id or goal; saved views."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from ..api import EXECUTION_ID
from ..safetext import one_line

if TYPE_CHECKING:
    from .main_screen import MainScreen


def highlight_plain(matcher: Matcher, label: str) -> Content:
    """Like Matcher.highlight, but the label is plain text: goals are never parsed as markup."""
    content = Content(label)
    _, offsets = matcher.fuzzy_search.match(matcher.query, label)
    for offset in offsets:
        content = content.stylize("bold underline", offset, offset + 1)
    return content


class ExecutionsProvider(Provider):
    """Matches loaded executions by id and goal; a full id not loaded is offered too."""

    async def search(self, query: str) -> Hits:
        app = self.app
        main = getattr(app, "main_screen", None)
        if main is None:
            return
        matcher = self.matcher(query)
        store = main.session.store
        for execution in store.rows(store.order[:2000]):
            label = f"{execution.execution_id}  {one_line(execution.initial_goal, 60)}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    highlight_plain(matcher, label),
                    partial(main.jump_to, execution.execution_id),
                    text=label,
                    help=f"Jump to this {execution.status.value} run",
                )
        candidate = query.strip()
        if EXECUTION_ID.match(candidate) and candidate not in store:
            yield Hit(
                1.0,
                f"Open {candidate}",
                partial(main.jump_to, candidate),
                help="Fetch this execution from the server",
            )


class ViewsProvider(Provider):
    """Saved views ("View: failed-today") and saving the current one, by the screen's own
    methods (the `:view` command and the `v`/`V` keys call the same ones)."""

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        main = getattr(self.app, "main_screen", None)
        if main is None:
            return []
        entries: list[tuple[str, str, Callable[[], object]]] = [
            (f"View: {name}", view.describe(), partial(_recall, main, name))
            for name, view in sorted(main.views.items())
        ]
        entries.append(("Save view…", "Name the filter, sort and columns", main.action_save_view))
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, highlight_plain(matcher, title), callback, help=help_text)


def _recall(main: MainScreen, name: str) -> None:
    problem = main.recall_view(name)
    if problem:
        main.flash(problem)
