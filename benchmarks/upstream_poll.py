"""A poll against the open-source server's dialect with a big history: what it costs the console.

That server has no order to page by, so each poll reads the whole list (up to 10,000 runs, 1,000
a request) and the client sorts and cuts the page. A sandbox speaking that dialect, in its own
process, holds N runs (default 10,000); this process polls it as the console does
(`list_executions(limit=100)`, then the store takes the page), while a run is created between
polls. Printed: the CPU of this process per poll (the event loop's time: the UI waits for it),
medians of --polls, with rows read again only when they changed (`RowMemo`) and, as the previous
path, with every row validated on every poll.

Run: python benchmarks/upstream_poll.py [--executions 10000] [--polls 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sandbox_process import running_sandbox

from roma_tui.api import RomaClient
from roma_tui.api.row_memo import RowMemo
from roma_tui.monitor.store import ExecutionStore

KEY = "sk_upstream_poll_0123456789abcdef"


async def polls(url: str, count: int, *, memo: bool) -> tuple[float, float, int]:
    """Median CPU seconds of one poll and of the store's part, and the rows the server sent."""
    async with RomaClient(url, KEY, dialect="upstream", timeout=120) as client:
        store = ExecutionStore(page_size=100)
        taken, stored = [], []
        sent = 0
        for index in range(count + 1):
            if not memo:
                client._rows_read = RowMemo()  # the previous path: nothing kept between polls
            started = time.process_time()
            page = await client.list_executions(limit=100, offset=0)
            before_store = time.process_time()
            store.apply_page(page, 0)
            done = time.process_time()
            if index:  # the first poll reads everything in both paths: a warm-up
                taken.append(done - started)
                stored.append(done - before_store)
            sent = page.pagination.total or 0
            await client.create_execution(f"poll {index}")  # the list changes between polls
        return statistics.median(taken), statistics.median(stored), sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=10000)
    parser.add_argument("--polls", type=int, default=7)
    args = parser.parse_args()
    options = ["--dialect", "upstream", "--seed-demo", str(args.executions)]
    options += ["--rate-limit", "1000000/day"]
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_sandbox(Path(scratch) / "upstream.db", KEY, *options) as url,
    ):
        ours = asyncio.run(polls(url, args.polls, memo=True))
        previous = asyncio.run(polls(url, args.polls, memo=False))
    print(f"a poll against the upstream dialect, {ours[2]:,} runs on the server (CPU, median)")
    print(f"  {'':36}{'poll':>8}{'store':>8}")
    for name, (poll, store, _) in (
        ("unchanged rows kept (RowMemo)", ours),
        ("previous: every row validated", previous),
    ):
        print(f"  {name:36}{1000 * poll:6.0f} ms{1000 * store:6.1f} ms")
    print(f"  {previous[0] / ours[0]:.1f}x less CPU per poll")


if __name__ == "__main__":
    main()
