"""The filter grammar: incident terms matched here, server terms, problems, completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roma_tui.api import Execution
from roma_tui.monitor.query import (
    Limit,
    MatchContext,
    complete_last_term,
    parse_count,
    parse_filter,
    parse_span,
)
from roma_tui.monitor.store import ListQuery

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def run(
    ident: str,
    status: str = "running",
    *,
    age_min: float = 1,
    ran_min: float | None = None,
    tokens: int | None = None,
    goal: str = "Summarise the news",
) -> Execution:
    created = NOW - timedelta(minutes=age_min)
    data: dict = {
        "execution_id": f"exec_{ident:0>16}",
        "status": status,
        "initial_goal": goal,
        "config_profile": "general",
        "created_at": created.isoformat(),
    }
    if ran_min is not None:
        data[f"{status}_at"] = (created + timedelta(minutes=ran_min)).isoformat()
    if tokens is not None:
        data["metadata"] = {"tokens_used": tokens}
    return Execution.model_validate(data)


ROWS = [
    run("a", age_min=2),  # running, young
    run("b", age_min=40),  # running past the 5-minute threshold: a runaway
    run("c", "completed", age_min=90, ran_min=12, tokens=250_000),
    run("d", "failed", age_min=20, ran_min=3, tokens=4_000),
    run("e", "cancelled", age_min=300, ran_min=1),  # no tokens reported
]
CONTEXT = MatchContext(
    now=NOW,
    runaway_s=300,
    is_marked=lambda i: i.endswith("d"),
    is_watched=lambda i: i.endswith(("a", "c")),
)


def ids(text: str) -> list[str]:
    found = parse_filter(text, now=NOW).apply(ROWS, CONTEXT)
    return [e.execution_id[-1] for e in found.rows]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("is:runaway", ["b"]),
        ("runaway", ["b"]),  # the word finds flagged runs, not only goals that say it
        ("is:watched", ["a", "c"]),
        ("is:marked", ["d"]),
        ("is:running", ["a", "b"]),
        ("is:finished", ["c", "d", "e"]),
        ("is:failed", ["d"]),
        ("age>30m", ["b", "c", "e"]),
        ("age<30m", ["a", "d"]),
        ("age>=40m", ["b", "c", "e"]),
        ("duration>10m", ["b", "c"]),  # a running run's duration is its age
        ("duration<5m", ["a", "d", "e"]),
        ("tokens>100k", ["c"]),
        ("tokens<=4000", ["d"]),
        ("is:running age>30m", ["b"]),
        ("is:finished duration<5m news", ["d", "e"]),
        ("is:watched is:finished", ["c"]),
        ("failed", ["d"]),  # words match the status too
        ("", ["a", "b", "c", "d", "e"]),
    ],
)
def test_incident_terms_pick_the_runs_an_operator_means(text, expected):
    assert ids(text) == expected


def test_a_run_without_tokens_does_not_match_and_is_counted():
    found = parse_filter("tokens>0", now=NOW).apply(ROWS, CONTEXT)
    assert [e.execution_id[-1] for e in found.rows] == ["c", "d"]
    assert found.tokens_unknown == 3
    # Rows another term already left out are not counted as unknown.
    found = parse_filter("is:finished tokens>0", now=NOW).apply(ROWS, CONTEXT)
    assert found.tokens_unknown == 1


def test_a_run_without_a_creation_time_has_no_age():
    undated = Execution.model_validate({"execution_id": "exec_000000000000000z"})
    found = parse_filter("age<1h", now=NOW).apply([undated], CONTEXT)
    assert found.rows == []


def test_server_terms_compose_with_client_terms():
    parsed = parse_filter(
        "status:failed profile:fast since:2h is:watched tokens>1m lisbon",
        ListQuery(sort="status", order="asc"),
        now=NOW,
    )
    assert parsed.server.status == "failed" and parsed.server.profile == "fast"
    assert parsed.server.created_after == NOW - timedelta(hours=2)
    assert (parsed.server.sort, parsed.server.order) == ("status", "asc")
    assert parsed.flags == ("watched",)
    assert parsed.limits == (Limit("tokens", ">", 1_000_000),)
    assert parsed.words == ("lisbon",)
    assert parsed.problems == ()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("status:fa", "unknown status 'fa'"),
        ("is:lost", "unknown is:lost"),
        ("age>soon", "age>: 'soon' is not a span"),
        ("duration<", "duration<: '' is not a span"),
        ("tokens>lots", "tokens>: 'lots' is not a number of tokens"),
        ("since:2", "since: '2' is not a span"),
        ("status:", "status: needs a value"),
        ("is:", "is: needs a value"),
    ],
)
def test_terms_that_do_not_parse_are_problems_not_filters(text, said):
    parsed = parse_filter(text, now=NOW)
    assert len(parsed.problems) == 1 and said in parsed.problems[0]
    assert parsed.server == ListQuery()
    # An incomplete term is not applied: every row still shows.
    assert len(parsed.apply(ROWS, CONTEXT).rows) == len(ROWS)


def test_spans_and_counts():
    assert parse_span("30m") == 1800 and parse_span("1.5h") == 5400 and parse_span("2w") == 1209600
    assert parse_span("30") is None and parse_span("m") is None
    assert parse_count("100k") == 100_000 and parse_count("1.5M") == 1_500_000
    assert parse_count("12,000") == 12_000 and parse_count("k") is None


@pytest.mark.parametrize(
    ("typed", "completed"),
    [
        ("status:f", "status:failed"),
        ("lisbon is:ru", "lisbon is:runaway"),
        ("is:wa", "is:watched"),
        ("dur", "duration>"),
        ("tok", "tokens>"),
        ("lisbon", None),
        ("is:runaway", None),  # nothing new to add
        ("is:runaway ", None),  # a new word is not started yet
    ],
)
def test_the_last_term_is_completed_from_the_grammar(typed, completed):
    assert complete_last_term(typed) == completed


def test_matching_is_cheap_for_a_big_table():
    """A figure, not a timed assert: 50,000 rows through a composite filter."""
    import time

    rows = [ROWS[i % len(ROWS)] for i in range(50_000)]
    parsed = parse_filter("is:finished duration<30m tokens>1k news", now=NOW)
    start = time.perf_counter()
    found = parsed.apply(rows, CONTEXT)
    took = time.perf_counter() - start
    print(f"\n50,000 rows filtered in {took * 1000:.0f} ms ({len(found.rows)} kept)")
    assert len(found.rows) == 20_000  # c and d of every five
