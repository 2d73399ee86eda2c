"""Reading an upstream list whole, to filter and order it on the client.

The upstream server orders runs by experiment, then by time, and ignores `sort`, `order`,
`created_after` and `created_before` (DIALECTS.md). So in that dialect the client reads every page
(1,000 rows a request, at most `MAX_PAGES` requests), filters by time, sorts, and hands back the
slice that was asked for, with a total that counts what the filters kept. When the page budget
ran out first, the page says `partial=True` and its total is the server's (or unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .models import Execution, ExecutionPage, parse_timestamp

UPSTREAM_PAGE = 1000  # the upstream server's largest `limit`
MAX_PAGES = 10  # a bounded read: 10,000 runs, 10 requests of a 60-a-minute budget
DEFAULT_LIMIT = 100  # what the upstream server returns when no limit is given
# What the upstream server honours; the rest is done here.
_SERVER_FILTERS = ("status", "profile")


def upstream_params(params: dict[str, str], offset: int) -> dict[str, str]:
    """The query for one page of the whole list: the filters it honours, no `config` blobs."""
    sent = {k: v for k, v in params.items() if k in _SERVER_FILTERS}
    return {**sent, "compact": "true", "limit": str(UPSTREAM_PAGE), "offset": str(offset)}


@dataclass
class Gathered:
    """The rows of successive pages of one list, each run once."""

    rows: list[Execution] = field(default_factory=list)
    read: int = 0  # rows the server sent, readable or not: the next offset
    unreadable: int = 0
    server_total: int | None = None
    pages: int = 0

    def add(self, page: ExecutionPage) -> int:
        """Take a page's rows; return how many it had (0: the list ended)."""
        seen = {e.execution_id for e in self.rows}
        # A run created while we page shifts the pages: never keep one twice.
        self.rows.extend(e for e in page.data if e.execution_id not in seen)
        got = len(page.data) + page.unreadable
        self.read += got
        self.unreadable += page.unreadable
        self.pages += 1
        if page.pagination.total is not None:
            self.server_total = page.pagination.total
        return got

    @property
    def complete(self) -> bool:
        return self.server_total is not None and self.read >= self.server_total

    def wants_more(self) -> bool:
        return self.pages < MAX_PAGES and not self.complete


def arrange(gathered: Gathered, params: dict[str, str], *, complete: bool) -> ExecutionPage:
    """Filter by time, sort and slice the gathered rows as the caller's `params` asked."""
    after = parse_timestamp(params.get("created_after"))
    before = parse_timestamp(params.get("created_before"))
    rows = [e for e in gathered.rows if _within(e.created_at, after, before)]
    rows = sort_executions(rows, params.get("sort") or "created_at", params.get("order") or "desc")
    offset = int(params.get("offset") or 0)
    limit = int(params.get("limit") or DEFAULT_LIMIT)
    shown = rows[offset : offset + limit]
    if complete:
        total: int | None = len(rows)
    else:  # the budget ran out: only the server's own count is known, and only unfiltered
        total = gathered.server_total if after is None and before is None else None
    has_more = offset + len(shown) < len(rows)  # within what was read: `partial` says the rest
    payload: dict[str, Any] = {
        "data": shown,
        "pagination": {"total": total, "limit": limit, "offset": offset, "has_more": has_more},
        "server_sorted": False,
        "partial": not complete,
    }
    page = ExecutionPage.model_validate(payload)
    page.unreadable = gathered.unreadable
    return page


def _within(created: datetime | None, after: datetime | None, before: datetime | None) -> bool:
    if after is None and before is None:
        return True
    if created is None:  # cannot say it matches: leave it out of a filtered list
        return False
    # Strictly after / before, as the hosted service (and our sandbox) filter.
    return (after is None or created > after) and (before is None or created < before)


def sort_executions(rows: list[Execution], field_name: str, order: str) -> list[Execution]:
    """Sorted by `field_name` (created_at, updated_at, status); rows without it come last."""

    def key(e: Execution) -> Any:
        value = getattr(e, field_name, None)
        return value.value if field_name == "status" and value is not None else value

    present = [e for e in rows if key(e) is not None]
    missing = [e for e in rows if key(e) is None]
    present.sort(key=key, reverse=order == "desc")
    return present + missing
