"""SVG snapshots of the main screens (pytest-textual-snapshot).

Snapshots need the same pixels every run, so the server here answers from fixed data (an
httpx MockTransport standing in for the network) and the app runs on a fixed clock in UTC.
Behaviour is tested against the real sandbox elsewhere; these pin what the screens look like.
Update after an intended change: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from console_helpers import paste, settled, until
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SIZE = (160, 48)


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(
    n: int,
    status: str,
    goal: str,
    minutes_ago: float,
    *,
    took: float | None = None,
    **extra: object,
) -> dict:
    row = {
        "execution_id": f"exec_snap{n:012d}",
        "status": status,
        "initial_goal": goal,
        "config_profile": ["general", "fast", "high_quality", "crypto_agent"][n % 4],
        "max_depth": 1 + n % 4,
        "created_at": iso(minutes_ago),
        "updated_at": iso(minutes_ago - (took or 0)),
        "metadata": {
            "execution_time": (took or 0) * 60,
            "tokens_used": 1000 * n,
            "agent_calls": 3 * n,
        },
    }
    if took is not None:
        row[
            {"completed": "completed_at", "failed": "failed_at", "cancelled": "cancelled_at"}[
                status
            ]
        ] = iso(minutes_ago - took)
    row.update(extra)
    return row


ROWS = [
    run(1, "running", "Summarise the current state of perovskite solar cell research", 0.5),
    run(2, "running", "Monitor every exchange for arbitrage forever", 9),
    run(
        3,
        "completed",
        "Compare the fee structures of the five largest L2 networks",
        14,
        took=2,
        result="Arbitrum and Optimism lead on fees; " * 20,
    ),
    run(
        4,
        "failed",
        "Draft a migration plan from Python 3.9 to 3.12 for a monorepo",
        31,
        took=1.5,
        error="Subtask task_0011 (Verify examples) failed: upstream model timeout",
    ),
    run(5, "cancelled", "Plan a three-day itinerary in Lisbon for a family", 55, took=0.5),
    run(
        6,
        "completed",
        "Goal with \x1b[31mANSI red\x1b[0m, [bold]markup[/bold] and \u202eRTL override",
        90,
        took=1,
        result="done",
    ),
    run(7, "PAUSED", "A status this console has never heard of", 120),
    run(8, "completed", "A result of 200 KB", 200, took=3, result="z" * 200_000),
]


def answer(request: httpx.Request) -> httpx.Response:
    headers = {
        "X-RateLimit-Limit": "1000",
        "X-RateLimit-Remaining": "812",
        "X-Request-ID": "req_snapshot",
    }
    path = request.url.path
    if path.endswith("/status"):
        execution_id = path.split("/")[-2]
        row = next(r for r in ROWS if r["execution_id"] == execution_id)
        body = {
            "execution_id": execution_id,
            "status": row["status"],
            "progress": 42.0,
            "current_step": "executor: Research recent efficiency records",
            "updated_at": row["updated_at"],
            "metadata": row["metadata"],
        }
    else:
        body = {
            "data": ROWS,
            "pagination": {"total": len(ROWS), "limit": 50, "offset": 0, "has_more": False},
        }
    return httpx.Response(200, content=json.dumps(body).encode(), headers=headers)


@pytest.fixture
def snapshot_app(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    url = "http://127.0.0.1:8765"
    connection = Connection(
        Profile(name="snapshots", base_url=url), url, "sk_snapshot", "test", "test"
    )
    yield RomaApp(
        connection,
        remember_choices=False,
        clock=NOW.timestamp,
        transport=httpx.MockTransport(answer),
    )
    monkeypatch.undo()
    time.tzset()


async def settle(pilot) -> None:
    """Every row shown and the focused running run's status fetched (no fixed pause)."""
    app = pilot.app
    await until(pilot, lambda: app.main_screen is not None)
    await until(pilot, lambda: len(app.main_screen.table.shown_ids) == len(ROWS))
    await until(pilot, lambda: ROWS[0]["execution_id"] in app.main_screen.session.store.statuses)
    await settled(pilot)


def test_main_screen(snapshot_app, snap_compare):
    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=settle)


def test_status_pane_on_a_failed_run(snapshot_app, snap_compare):
    async def to_failed(pilot):
        await settle(pilot)
        await pilot.press("down", "down", "down")
        await settled(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=to_failed)


def test_cancel_confirmation(snapshot_app, snap_compare):
    async def confirm(pilot):
        await settle(pilot)
        await pilot.press("down")
        # The pane behind the dialog shows the run's progress once its status is read (0.4 s
        # after the cursor settles): wait for it, or the picture depends on the machine's speed.
        store = pilot.app.main_screen.session.store
        await until(pilot, lambda: ROWS[1]["execution_id"] in store.statuses)
        await pilot.press("c")
        await settled(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=confirm)


def test_new_run_form(snapshot_app, snap_compare):
    async def form(pilot):
        await settle(pilot)
        await pilot.press("n")
        # A steady cursor: a blinking one is drawn or not by the time the picture is taken.
        pilot.app.screen.query_one("#goal").cursor_blink = False
        await paste(pilot, "Compare three vector databases")
        await settled(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=form)


def test_help(snapshot_app, snap_compare):
    async def help_screen(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settled(pilot)

    assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=help_screen)
