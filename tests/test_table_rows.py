"""The table's rows kept up to date by what changed: always the order a full re-sort would give."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from roma_tui.api import Execution, ExecutionPage
from roma_tui.api.models import Status
from roma_tui.monitor import table_rows
from roma_tui.monitor.query import MatchContext, parse_filter
from roma_tui.monitor.store import ExecutionStore
from roma_tui.monitor.table_rows import TableRows
from roma_tui.ui.cells import SERVER_SORT, sort_key

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CONTEXT = MatchContext(now=NOW, runaway_s=3600)
GOALS = ("Plan a trip to Lisbon", "Compare layer-2 fees", "Summarise solar research", "")
STATES = ("running", "completed", "failed", "cancelled", "pending", "PAUSED")


def execution(n: int, rng: random.Random) -> Execution:
    status = rng.choice(STATES)
    created = NOW - timedelta(minutes=rng.choice((n, 5, 90, 3000)))  # equal times tie
    finished = created + timedelta(seconds=rng.randint(1, 4000))
    return Execution.model_validate(
        {
            "execution_id": f"exec_{n:04d}",
            "status": status,
            "initial_goal": rng.choice(GOALS),
            "config_profile": rng.choice(("general", "fast", None)),
            "max_depth": rng.choice((1, 3, None)),
            "created_at": created.isoformat(),
            "completed_at": finished.isoformat() if status == "completed" else None,
            "failed_at": finished.isoformat() if status == "failed" else None,
        }
    )


def full_order(store: ExecutionStore, text: str, column: str, desc: bool) -> list[str]:
    """What a table built from scratch shows."""
    fresh = TableRows(store, sort_key, SERVER_SORT)
    return fresh.rows(parse_filter(text), CONTEXT, column, desc).ids


@pytest.mark.parametrize(
    ("column", "desc"),
    [("goal", False), ("goal", True), ("duration", True), ("progress", False), ("depth", True)],
)
@pytest.mark.parametrize("text", ["", "lisbon", "is:finished", "a fees"])
@pytest.mark.parametrize("merge_above", [0, 500], ids=["merged", "bisected"])
def test_after_every_refresh_the_order_is_what_a_full_sort_gives(
    column, desc, text, merge_above, monkeypatch
):
    monkeypatch.setattr(table_rows, "MERGE_ABOVE", merge_above)
    rng = random.Random(f"{column}{desc}{text}")
    store = ExecutionStore()
    page = [execution(n, rng) for n in range(100)]
    store.apply_page(ExecutionPage(data=page, pagination={"has_more": False}), 0)
    shown = TableRows(store, sort_key, SERVER_SORT)
    parsed = parse_filter(text)
    first = shown.rows(parsed, CONTEXT, column, desc).ids
    assert first == full_order(store, text, column, desc)
    for _ in range(6):
        # A refresh: some rows change, some leave, some arrive; a status gives a progress.
        page = [execution(n, rng) if rng.random() < 0.1 else e for n, e in enumerate(page)]
        page = [e for e in page if rng.random() > 0.03] + [
            execution(rng.randint(100, 999), rng) for _ in range(4)
        ]
        store.apply_page(ExecutionPage(data=page, pagination={"has_more": False}), 0)
        running = [e for e in page if not e.is_finished]
        if running:
            store.apply_status(
                Status(
                    execution_id=running[0].execution_id,
                    status="running",
                    progress=rng.random() * 100,
                )
            )
        kept = shown.rows(parsed, CONTEXT, column, desc).ids
        assert kept == full_order(store, text, column, desc)
        assert len(kept) == len(set(kept))
        # The statuses the status column must fit, kept by the store as rows come and go.
        recount = Counter(
            (e.status, e.status_raw if e.status == "unknown" else None) for e in store.rows()
        )
        assert store.status_kinds == recount


def test_equal_values_show_newest_first_in_either_direction():
    store = ExecutionStore()
    rows = [
        Execution(
            execution_id=f"exec_{n}",
            status="completed",
            initial_goal="same goal",
            created_at=NOW - timedelta(minutes=n),
        )
        for n in range(5)
    ]
    store.apply_page(ExecutionPage(data=rows, pagination={"has_more": False}), 0)
    shown = TableRows(store, sort_key, SERVER_SORT)
    for desc in (True, False):
        ids = shown.rows(parse_filter(""), CONTEXT, "goal", desc).ids
        assert ids == [f"exec_{n}" for n in range(5)], f"desc={desc}"


def test_a_server_sorted_column_shows_the_store_order_filtered():
    store = ExecutionStore()
    rows = [
        Execution(execution_id=f"exec_{n}", status="running", initial_goal=goal)
        for n, goal in enumerate(("Lisbon trip", "fees", "lisbon again"))
    ]
    store.apply_page(ExecutionPage(data=rows, pagination={"has_more": False}), 0)
    shown = TableRows(store, sort_key, SERVER_SORT)
    found = shown.rows(parse_filter("LISBON"), CONTEXT, "created", True).ids
    assert found == ["exec_0", "exec_2"]
    # A goal that changes is matched on its new text.
    store.apply_page(
        ExecutionPage(
            data=[rows[0].model_copy(update={"initial_goal": "Porto trip"}), *rows[1:]],
            pagination={"has_more": False},
        ),
        0,
    )
    found = shown.rows(parse_filter("lisbon"), CONTEXT, "created", True).ids
    assert found == ["exec_2"]


def test_a_new_query_forgets_what_was_cached():
    store = ExecutionStore()
    first = [Execution(execution_id="exec_a", status="running", initial_goal="alpha")]
    store.apply_page(ExecutionPage(data=first, pagination={"has_more": False}), 0)
    shown = TableRows(store, sort_key, SERVER_SORT)
    assert shown.rows(parse_filter("alpha"), CONTEXT, "goal", True).ids == ["exec_a"]
    store.set_query(parse_filter("status:failed").server)
    second = [Execution(execution_id="exec_b", status="failed", initial_goal="beta")]
    store.apply_page(ExecutionPage(data=second, pagination={"has_more": False}), 0)
    assert shown.rows(parse_filter("alpha"), CONTEXT, "goal", True).ids == []
    assert shown.rows(parse_filter("beta"), CONTEXT, "goal", True).ids == ["exec_b"]
