"""The raw JSON view (`r`) on big answers: does a 5 MB execution stay responsive?

Prints, per size: the time to build the JSON, to open the view (clean, split, wrap and the first
paint), to re-wrap at another width, to find a word everywhere, and to scroll a page (the
median of 20 page-downs, animations off), plus how many rows were painted in all.

Run: python benchmarks/raw_view.py [--megabytes 0.5 5 20] [--unicode]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from textual.app import App
from textual.strip import Strip

from roma_tui.api import Execution, ExecutionStatus
from roma_tui.ui.raw_view import RawJsonView, execution_json
from roma_tui.ui.text_lines import TextLines


class Counting(TextLines):
    painted = 0

    def render_line(self, y: int) -> Strip:
        Counting.painted += 1
        return super().render_line(y)


def answer(megabytes: float, unicode: bool) -> Execution:
    """A result of one long string (half the size) and many short rows (the other half)."""
    half = int(megabytes * 500_000)
    tail = " é" if unicode else ""
    rows = [f"row {i:07d}{tail}" for i in range(half // 12)]
    return Execution(
        execution_id="exec_bench",
        status=ExecutionStatus.COMPLETED,
        result={"text": "x" * half, "rows": rows},
    )


async def measure(megabytes: float, unicode: bool) -> None:
    started = time.perf_counter()
    document = execution_json(answer(megabytes, unicode))
    built = time.perf_counter() - started
    import roma_tui.ui.raw_view as raw_view

    raw_view.TextLines = Counting  # type: ignore[misc]
    Counting.painted = 0
    app: App[None] = App()
    app.animation_level = "none"
    async with app.run_test(size=(160, 48)) as pilot:
        started = time.perf_counter()
        view = RawJsonView("exec_bench", document, "benchmark")
        await app.push_screen(view)
        while not (view.is_mounted and view.lines.rows):
            await pilot.pause(0.001)
        await pilot.pause()
        opened = time.perf_counter() - started
        lines = view.lines
        started = time.perf_counter()
        lines.wrap(100)
        rewrap = time.perf_counter() - started
        lines.wrap(lines.scrollable_content_region.width)
        started = time.perf_counter()
        found = lines.find("row 00")
        finding = time.perf_counter() - started
        pages = []
        for _ in range(20):
            started = time.perf_counter()
            await pilot.press("pagedown")
            pages.append(time.perf_counter() - started)
    print(
        f"{len(document) / 1e6:5.1f} MB{' (non-ASCII)' if unicode else ''}: "
        f"{len(lines.rows):,} rows · JSON {built:.2f}s · open {opened:.2f}s · "
        f"re-wrap {rewrap:.2f}s · find ({found:,} matches) {finding:.2f}s · "
        f"page-down {statistics.median(pages) * 1000:.0f} ms · {Counting.painted:,} rows painted"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, nargs="+", default=[0.5, 5.0])
    parser.add_argument("--unicode", action="store_true", help="rows with a non-ASCII letter")
    args = parser.parse_args()
    for size in args.megabytes:
        asyncio.run(measure(size, args.unicode))


if __name__ == "__main__":
    main()
