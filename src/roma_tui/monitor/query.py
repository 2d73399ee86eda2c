"""The table's filter line: terms the server understands, and terms matched here.

Server terms (API.md filters): `status:running`, `profile:fast`, `after:2025-11-01`,
`before:2025-11-02T10:00`, `since:2h`.
Client terms, for incidents: `is:runaway|watched|marked|running|finished|...`, `age>30m`,
`duration<10m`, `tokens>100k` (also `>=`, `<=`). Every other word must appear in the run's id,
goal, profile or status (a runaway run also matches the word "runaway").

The line is parsed once per change; `apply` then narrows the rows one term at a time with plain
comparisons (the table may hold 50,000 runs). A term that does not parse is kept in `problems`,
never silently applied: the console ignores it while the user types and says it on enter.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..api import PROFILES, STATUSES, Execution
from ..api.models import FINISHED_STATUSES, ExecutionStatus, parse_timestamp
from .store import ListQuery

_SPAN = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)([km]?)$")
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000}
# `age>30m`: a measured field, a comparison, a value.
_LIMIT = re.compile(r"^(age|duration|tokens)(>=|<=|>|<)(.*)$")
STATES = ("running", "completed", "failed", "cancelled", "pending", "unknown")
FLAGS = ("runaway", "watched", "marked", "finished", *STATES)
LIMIT_FIELDS = ("age", "duration", "tokens")


@dataclass(frozen=True)
class Limit:
    """`duration>600`: field, comparison and value (seconds, or tokens)."""

    field: str
    op: str
    value: float

    def holds(self, measured: float) -> bool:
        if self.op == ">":
            return measured > self.value
        if self.op == "<":
            return measured < self.value
        if self.op == ">=":
            return measured >= self.value
        return measured <= self.value


@dataclass(frozen=True)
class MatchContext:
    """What a row is judged against besides itself: the time, the profile's runaway threshold,
    and the user's marks and watches (read, never changed)."""

    now: datetime
    runaway_s: float
    is_marked: Callable[[str], bool] = lambda _id: False
    is_watched: Callable[[str], bool] = lambda _id: False


@dataclass(frozen=True)
class FilterMatch:
    rows: list[Execution]
    tokens_unknown: int = 0  # runs left out because the server did not report their tokens


def _tokens(execution: Execution) -> int | None:
    meta = execution.metadata
    return meta.tokens_used if meta is not None else None


@dataclass(frozen=True)
class ParsedFilter:
    server: ListQuery
    words: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())
    flags: tuple[str, ...] = ()  # `is:` values
    limits: tuple[Limit, ...] = ()

    @property
    def client_side(self) -> bool:
        return bool(self.words or self.flags or self.limits)

    def narrow_by_text(
        self, order: list[str], texts: Mapping[str, str]
    ) -> tuple[list[str], ParsedFilter]:
        """The ids of `order` whose text (`run_text`, by id) has every word that only a run's
        text can match (no status, nor "runaway", contains it), and the filter that is left
        for their rows: a caller holding the texts narrows the ids before reading any row."""
        by_text = [
            word
            for word in self.words
            if word not in "runaway" and not any(word in status for status in ExecutionStatus)
        ]
        for word in by_text:
            hits = _ids_with(word, texts)
            order = [i for i in order if i in hits]
        rest = replace(self, words=tuple(w for w in self.words if w not in by_text))
        return order, rest

    def apply(
        self,
        rows: Iterable[Execution],
        context: MatchContext | None = None,
        texts: Mapping[str, str] | None = None,
    ) -> FilterMatch:
        """The rows that match, in their order, and how many had no tokens to compare.

        One term at a time over the rows still in (each pass a comprehension of plain
        comparisons: 50,000 runs cost a few ms a term): limits are turned into times once
        (`age>30m` is "created before now-30m"); free words are looked for in `texts` (id ->
        lowercased text, kept by the caller) or in a text built here.
        """
        kept = list(rows)
        if not self.client_side:
            return FilterMatch(kept)
        context = context or MatchContext(datetime.now(UTC), float("inf"))
        now = context.now
        flags = set(self.flags)
        runaway_before = now - timedelta(seconds=min(context.runaway_s, 1e9))
        if states := flags & set(STATES):
            kept = [e for e in kept if e.status in states]
        if "finished" in flags:
            kept = [e for e in kept if e.status in FINISHED_STATUSES]
        if "runaway" in flags:
            kept = [e for e in kept if _runaway(e, runaway_before)]
        if "marked" in flags:
            kept = [e for e in kept if context.is_marked(e.execution_id)]
        if "watched" in flags:
            kept = [e for e in kept if context.is_watched(e.execution_id)]
        # An unknown age is neither more nor less than anything: such rows fail every limit.
        for limit in self.limits:
            if limit.field == "age":
                # age>30m is "created before now-30m": older means earlier, so it flips.
                older, bound = _FLIPPED[limit.op], now - timedelta(seconds=limit.value)
                kept = [e for e in kept if e.created_at is not None and older(e.created_at, bound)]
            elif limit.field == "duration":
                longer, span = _OPS[limit.op], timedelta(seconds=limit.value)
                kept = [
                    e
                    for e in kept
                    if (ran := e.ran_for(now)) is not None and longer(timedelta(seconds=ran), span)
                ]
        if self.words:
            if texts is None:
                texts = {e.execution_id: run_text(e) for e in kept}
            for word in self.words:
                kept = _with_word(kept, word, texts, runaway_before)
        token_limits = [limit for limit in self.limits if limit.field == "tokens"]
        if not token_limits:
            return FilterMatch(kept)
        known = [e for e in kept if _tokens(e) is not None]
        return FilterMatch(
            [e for e in known if all(limit.holds(_tokens(e) or 0) for limit in token_limits)],
            len(kept) - len(known),
        )


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
_FLIPPED = {">": operator.lt, "<": operator.gt, ">=": operator.le, "<=": operator.ge}


def _runaway(execution: Execution, before: datetime) -> bool:
    created = execution.created_at
    return execution.status == "running" and created is not None and created < before


def _with_word(
    rows: list[Execution], word: str, texts: Mapping[str, str], runaway_before: datetime
) -> list[Execution]:
    """Rows with the word in their id, goal or profile, or in their status (or "runaway")."""
    if len(rows) * 4 > len(texts):
        # Most rows are still in: one scan of the texts finds the ids (no row is touched),
        # then a set lookup per row.
        hits = _ids_with(word, texts)
    else:
        hits = {e.execution_id for e in rows if word in texts[e.execution_id]}
    statuses = {status for status in ExecutionStatus if word in status}
    runaway = word in "runaway"
    if not statuses and not runaway:
        return [e for e in rows if e.execution_id in hits]
    return [
        e
        for e in rows
        if e.execution_id in hits
        or e.status in statuses
        or (runaway and _runaway(e, runaway_before))
    ]


def _ids_with(word: str, texts: Mapping[str, str]) -> set[str]:
    # One scan of the texts in their own order: reading them in another order, from all over
    # memory, costs 4x.
    return {i for i, text in texts.items() if word in text}


def run_text(execution: Execution) -> str:
    """What free words are looked for in, for one run."""
    return haystack(execution.execution_id, execution.initial_goal, execution.config_profile)


def haystack(execution_id: str, goal: str | None, profile: str | None) -> str:
    """What free words are looked for in: id, goal and profile, lowercased."""
    return f"{execution_id} {goal or ''} {profile or ''}".lower()


def parse_span(text: str) -> float | None:
    """`30m` -> 1800.0 seconds; None when it is not a span."""
    match = _SPAN.match(text.lower())
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def parse_count(text: str) -> float | None:
    """`100k` -> 100000.0; `1.5m` -> 1500000.0; None when it is not a count."""
    match = _COUNT.match(text.lower().replace(",", "").replace("_", ""))
    return float(match.group(1)) * _SCALE[match.group(2)] if match else None


def _limit(token: str, problems: list[str]) -> Limit | None:
    match = _LIMIT.match(token.lower())
    if match is None:
        return None
    name, op, value = match.groups()
    if name == "tokens":
        number = parse_count(value)
        example = "a number of tokens (e.g. 100k, 2m, 5000)"
    else:
        number = parse_span(value)
        example = "a span (e.g. 30m, 2h, 7d)"
    if number is None:
        problems.append(f"{name}{op}: {value!r} is not {example}")
        return None
    return Limit(name, op, number)


def parse_filter(
    text: str, base: ListQuery | None = None, now: datetime | None = None
) -> ParsedFilter:
    """Split a filter line into the server query (on top of `base`'s sort) and client terms."""
    base = base or ListQuery()
    now = now or datetime.now(UTC)
    status, profile = None, None
    after, before = None, None
    words: list[str] = []
    flags: list[str] = []
    limits: list[Limit] = []
    problems: list[str] = []
    for token in text.split():
        if _LIMIT.match(token.lower()):
            limit = _limit(token, problems)
            if limit is not None:
                limits.append(limit)
            continue
        name, sep, value = token.partition(":")
        name = name.lower()
        if not sep or not value:
            if sep and name in ("status", "profile", "after", "before", "since", "is"):
                problems.append(f"{name}: needs a value")
            else:
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
        elif name == "is":
            if value.lower() in FLAGS:
                flags.append(value.lower())
            else:
                problems.append(f"unknown is:{value} (use {', '.join(FLAGS)})")
        elif name in ("after", "before"):
            when = parse_timestamp(value)
            if when is None:
                problems.append(f"{name}: {value!r} is not a date (e.g. 2025-11-11T10:30)")
            elif name == "after":
                after = when
            else:
                before = when
        elif name == "since":
            seconds = parse_span(value)
            if seconds is not None:
                after = now - timedelta(seconds=seconds)
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
    return ParsedFilter(server, tuple(words), tuple(problems), tuple(flags), tuple(limits))


# -- completion: what the filter box suggests for the word being typed ------------------------

VOCABULARY = (
    *(f"status:{s}" for s in STATUSES),
    *(f"is:{f}" for f in FLAGS),
    *(f"profile:{p}" for p in PROFILES),
    "since:",
    "after:",
    "before:",
    *(f"{name}{op}" for name in LIMIT_FIELDS for op in (">", "<")),
)


def complete_last_term(text: str) -> str | None:
    """`"lisbon is:ru"` -> `"lisbon is:runaway"`: the line with its last word completed from
    the grammar, or None when nothing (or nothing new) fits."""
    if not text or text[-1].isspace():
        return None
    head, _, last = text.rpartition(" ")
    lower = last.lower()
    if len(lower) < 2:
        return None
    for term in VOCABULARY:
        if term.startswith(lower) and term != lower:
            return f"{head} {term}" if head else term
    return None
