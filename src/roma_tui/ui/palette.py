"""Command palette entries: jump to an execution by id or goal."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from ..api import EXECUTION_ID
from ..safetext import one_line


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
        for execution in store.rows()[:2000]:
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
