"""The console on the sandbox in the upstream dialect: what the real server means, not its 0%."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from console_helpers import app_for, shown, until
from roma_tui.presentation import duration
from roma_tui.sandbox.upstream_config import SOLVER_VERSION


async def test_the_console_names_the_server_and_shows_task_counts_not_zero(start_sandbox):
    server = start_sandbox(
        dialect="upstream", seed_demo=12, time_scale=5.0, rate_limit="100000/hour"
    )
    app = app_for(server.url, dialect="upstream")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 12)
        screen = app.main_screen
        header = lambda: str(screen.query_one("#header").render())  # noqa: E731
        await until(pilot, lambda: f"ROMA {SOLVER_VERSION}" in header())
        running = next(
            i for i in shown(app) if screen.session.store.get(i).status.value == "running"
        )
        screen.table.keep_cursor_on(running)
        pane = lambda: str(screen.query_one("#status-body").render())  # noqa: E731
        assert (
            httpx.get(f"{server.url}/api/v1/executions/{running}/status").json()["total_tasks"] == 0
        )  # what the server's /status says while a run runs

        def counts_agree() -> bool:
            stats = httpx.get(f"{server.url}/api/v1/executions/{running}").json()["statistics"]
            done = stats["status_counts"].get("COMPLETED", 0)
            return f"{done} of {stats['total_tasks']} tasks" in pane()

        # The pane shows the execution's task counts ("2 of 7 tasks"), not /status's zeros.
        await until(pilot, counts_agree)
        assert re.search(r"\d+ of [1-9]\d* tasks", pane())


async def test_a_finished_run_lasted_until_its_last_update_not_its_age(start_sandbox):
    server = start_sandbox(dialect="upstream", seed_demo=12, rate_limit="100000/hour")
    app = app_for(server.url, dialect="upstream")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 12)
        screen = app.main_screen
        store = screen.session.store
        done = next(i for i in shown(app) if store.get(i).status.value == "completed")
        row = httpx.get(f"{server.url}/api/v1/executions/{done}").json()
        assert not row.get("completed_at")  # the real server gives no end time
        ran = datetime.fromisoformat(row["updated_at"]) - datetime.fromisoformat(row["created_at"])
        age = datetime.now(UTC) - datetime.fromisoformat(row["created_at"])
        assert duration(ran.total_seconds()) != duration(age.total_seconds())
        screen.table.keep_cursor_on(done)
        await pilot.pause(0.2)
        pane = str(screen.query_one("#status-body").render())
        assert f"Duration {duration(ran.total_seconds())}" in pane
