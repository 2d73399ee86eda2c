"""The table's filter line: terms the server understands, and free text matched here.

`status:running`, `profile:fast`, `after:2025-11-01`, `before:2025-11-02T10:00`, `since:2h`
go to the server (API.md filters); every other word must appear in the run's id, goal or profile
(case-insensitive). A term that does not parse is reported, not silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..api import PROFILES, STATUSES, Execution
from ..api.models import parse_timestamp
from .store import ListQuery

_SINCE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class ParsedFilter:
    server: ListQuery
    words: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def matches(self, execution: Execution) -> bool:
        if not self.words:
            return True
        haystack = " ".join(
            (execution.execution_id, execution.initial_goal or "", execution.config_profile or "")
        ).lower()
        return all(word in haystack for word in self.words)


def parse_filter(
    text: str, base: ListQuery | None = None, now: datetime | None = None
) -> ParsedFilter:
    """Split a filter line into the server query (on top of `base`'s sort) and client words."""
    base = base or ListQuery()
    now = now or datetime.now(UTC)
    status, profile = None, None
    after, before = None, None
    words, problems = [], []
    for token in text.split():
        name, sep, value = token.partition(":")
        name = name.lower()
        if not sep or not value:
            words.append(token.lower())
            continue
        if name == "status":
            if value.lower() in STATUSES:
                status = value.lower()
            else:
                problems.append(f"unknown status {value!r} (use {', '.join(STATUSES)})")
        elif name == "profile":
            if value in PROFILES:
                profile = value
            else:
                problems.append(f"unknown profile {value!r} (use {', '.join(PROFILES)})")
        elif name in ("after", "before"):
            when = parse_timestamp(value)
            if when is None:
                problems.append(f"{name}: {value!r} is not a date (e.g. 2025-11-11T10:30)")
            elif name == "after":
                after = when
            else:
                before = when
        elif name == "since":
            match = _SINCE.match(value.lower())
            if match:
                after = now - timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
            else:
                problems.append(f"since: {value!r} is not a span (e.g. 30m, 2h, 7d)")
        else:
            words.append(token.lower())
    server = ListQuery(
        status=status,
        profile=profile,
        created_after=after,
        created_before=before,
        sort=base.sort,
        order=base.order,
    )
    return ParsedFilter(server, tuple(words), tuple(problems))
