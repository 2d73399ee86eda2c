"""The executions table under load, headless (Pilot): how long the user waits.

For 100, 1,000 and 10,000 rows loaded: the first fill, a live update where 5% of the rows
change, a new row arriving at the top (cursor kept), one filter keystroke narrowing the table to
about a tenth, clearing it, and a client-side sort. Also the time from start to the first rows
on screen against a sandbox holding 10,000 executions. Wall clock on this machine, including
Textual's refresh.

Run: python benchmarks/table_latency.py [--sizes 100 1000 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta

from roma_tui.api import Execution, ExecutionPage
from roma_tui.monitor.query import parse_filter
from roma_tui.monitor.session import Session
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

GOALS = (
    "Summarise solar research",
    "Compare layer-2 fees",
    "Plan a Lisbon trip",
    "Review Kubernetes security",
    "Estimate an AI market",
)


RUNNING = 20  # like a real history: a few runs live (the hosted limit is 10 per key), the rest done


NOW = datetime.now(UTC)  # one clock for every answer: a row changes only where it is meant to


def rows(count: int, *, changed: int = 0) -> list[Execution]:
    """`changed` of the running ones have finished (and some done ones report new metadata)."""
    now = NOW
    out = []
    for i in range(count):
        created = now - timedelta(minutes=i)
        running = i < RUNNING and i >= changed
        status = "running" if running else ("failed" if i % 7 == 0 else "completed")
        done = None if running else created + timedelta(seconds=30 + i % 90)
        calls = 5 + (1 if i < changed else 0)
        out.append(
            Execution(
                execution_id=f"exec_{i:016d}",
                status=status,
                initial_goal=f"{GOALS[i % len(GOALS)]} #{i}",
                config_profile="general",
                max_depth=3,
                created_at=created,
                completed_at=done if status == "completed" else None,
                failed_at=done if status == "failed" else None,
                metadata={"agent_calls": calls},
            )
        )
    return out


async def measure(count: int) -> list[str]:
    # A URL nothing listens on: polling fails quietly, the table is fed directly.
    connection = Connection(
        Profile(name="bench", base_url="http://127.0.0.1:9"),
        "http://127.0.0.1:9",
        None,
        "none",
        "bench",
    )
    app = RomaApp(connection, remember_choices=False)
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.main_screen
        session: Session = main.session
        store = session.store

        async def timed(action) -> float:
            started = time.perf_counter()
            action()
            main.render_rows()
            await pilot.pause()
            return time.perf_counter() - started

        page = ExecutionPage(data=rows(count), pagination={"total": count, "has_more": False})
        fill = await timed(lambda: store.apply_page(page, 0))
        main.table.move_cursor(row=count // 2)
        kept = main.table.current_id
        update_page = ExecutionPage(
            data=rows(count, changed=count // 20),  # 5% change
            pagination={"total": count, "has_more": False},
        )
        update = await timed(lambda: store.apply_page(update_page, 0))
        newest = Execution(
            execution_id="exec_new0000000000000",
            status="running",
            initial_goal="new",
            created_at=datetime.now(UTC) + timedelta(1),
        )
        arrive = await timed(lambda: store.add_created(newest))
        assert main.table.current_id == kept, "the cursor left its run"
        main.filter = parse_filter("#1")  # matches ids ending in ...#1, #10-19, #100-199...
        narrow = await timed(lambda: None)
        shown = len(main.table.shown_ids)
        main.filter = parse_filter("")
        widen = await timed(lambda: None)
        main.sort_column, main.sort_desc = "goal", False  # a client-side sort
        sort = await timed(lambda: None)
    return [
        f"{count:,}",
        f"{1000 * fill:.0f} ms",
        f"{1000 * update:.0f} ms",
        f"{1000 * arrive:.0f} ms",
        f"{1000 * narrow:.0f} ms ({shown:,} left)",
        f"{1000 * widen:.0f} ms",
        f"{1000 * sort:.0f} ms",
    ]


async def first_rows(count: int) -> str:
    """From app start to the first rows on screen, on a sandbox holding `count` executions."""
    import tempfile
    from pathlib import Path

    from roma_tui.sandbox import RunningSandbox, SandboxConfig, SandboxSettings, make_api

    with tempfile.TemporaryDirectory() as scratch:
        settings = SandboxSettings(
            db=Path(scratch) / "t.db",
            api_keys=["k"],
            rate_limit="1000000/day",
            seed_demo=count,
            engine=SandboxConfig(execution_timeout=0),
        )
        with RunningSandbox(make_api(settings)) as sandbox:
            connection = Connection(
                Profile(name="bench", base_url=sandbox.url), sandbox.url, "k", "bench", "bench"
            )
            started = time.perf_counter()
            app = RomaApp(connection, remember_choices=False)
            async with app.run_test(size=(160, 48)) as pilot:
                while app.main_screen is None or not app.main_screen.table.shown_ids:
                    await pilot.pause(0.01)
                return f"{1000 * (time.perf_counter() - started):.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--server-rows", type=int, default=10000)
    args = parser.parse_args()
    table = [
        [
            "rows",
            "first fill",
            "5% change",
            "new row on top",
            "filter keystroke",
            "filter cleared",
            "sort (client)",
        ]
    ]
    for size in args.sizes:
        table.append(asyncio.run(measure(size)))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    print(
        f"start to first rows on screen, sandbox with {args.server_rows:,} executions: "
        f"{asyncio.run(first_rows(args.server_rows))} (the first page is 50 rows)"
    )


if __name__ == "__main__":
    main()
