"""Soak: the real console against a faulty sandbox full of hostile strings, for N minutes.

The sandbox runs in its own process (`roma-tui sandbox --faults ...`) so the figures are the
console's alone. The console runs headless (Pilot) while a scripted "user" moves the cursor,
opens and closes the DAG explorer and refreshes now and then. Every 30 s it prints the console's
RSS and CPU, the requests the server counted against the key, the planner's even share of the
budget for the time elapsed, the 429s met and the crashes (exceptions that reached the app).

    python benchmarks/soak.py [--minutes 10] [--faults 500:0.1,503:0.05,slow:0.05,drop:0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from sandbox_process import running_sandbox

from roma_tui.api import RomaClient
from roma_tui.monitor.failures import Failure
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

KEY = "sk_soak_0123456789abcdef0123"
HOSTILE_GOALS = [
    "\x1b[31mRED\x1b[0m \x1b]0;pwned title\x07 clear: \x1b[2J done",
    "[bold red]markup[/] [link=http://evil]click[/link] [@click=app.quit]quit[/]",
    "right-to-left \u202eoverride\u202c and zero\u200bwidth and bell \x07 backspace \x08",
    "emoji 🧨 wide 漢字漢字 " * 40,
    "x" * 9_999,
]


async def seed_hostile(url: str) -> None:
    async with RomaClient(url, KEY, max_retries=5) as client:
        for goal in HOSTILE_GOALS:
            await client.create_execution(goal, max_depth=4)


def server_count(url: str) -> tuple[int, int, float, int]:
    """(remaining, limit, reset, attempts) as the server counts them for our key; each attempt
    costs a request (an injected fault may answer one: then it looks again)."""
    for attempt in range(1, 11):
        try:
            response = httpx.get(f"{url}/api/v1/executions?limit=1", headers={"X-API-Key": KEY})
        except httpx.HTTPError:
            continue
        headers = response.headers
        if "x-ratelimit-remaining" in headers and response.status_code == 200:
            return (
                int(headers["x-ratelimit-remaining"]),
                int(headers["x-ratelimit-limit"]),
                float(headers["x-ratelimit-reset"]),
                attempt,
            )
    raise SystemExit("the sandbox does not say what remains")


async def soak(url: str, minutes: float, window_s: float) -> None:
    connection = Connection(Profile(name="soak", base_url=url), url, KEY, "soak", "soak")
    app = RomaApp(connection, remember_choices=False)
    kinds: Counter[str] = Counter()
    crashes: list[str] = []
    # The even share: what remained (less the reserve) spread evenly until the reset.
    left0, limit, reset0, _ = server_count(url)
    reserve = max(10, round(limit * 0.05))
    rate = (left0 - reserve) / max(1.0, reset0 - time.time())
    looks = 0  # our own counting requests, taken off the server's count
    rng = random.Random(7)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.main_screen
        assert screen is not None
        monitor = screen.session.monitor
        original = monitor.note_failure

        def counting(error: BaseException) -> Failure:
            failure = original(error)
            kinds[failure.kind.value] += 1
            return failure

        monitor.note_failure = counting  # type: ignore[method-assign]
        start = time.monotonic()
        cpu0 = time.process_time()
        last_report, last_cpu = start, cpu0
        print(f"{'min':>5} {'RSS MiB':>8} {'CPU %':>6} {'sent':>5} {'server':>6} "
              f"{'share':>6} {'429s':>5} {'failures':>24} crashes")  # fmt: skip
        while time.monotonic() - start < minutes * 60:
            action = rng.random()
            try:
                if action < 0.6:
                    await pilot.press(rng.choice(["down", "up", "j", "pagedown", "g"]))
                elif action < 0.7 and app.screen is screen:
                    await pilot.press("d")
                    await pilot.pause(3)
                    await pilot.press("escape")
                elif action < 0.75:
                    await pilot.press("ctrl+r")
                await pilot.pause(rng.uniform(0.5, 3.0))
            except Exception as exc:  # a crash in the app surfaces here
                crashes.append(f"{type(exc).__name__}: {exc}")
            now = time.monotonic()
            if now - last_report >= window_s:
                cpu = time.process_time()
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                left, _, _, attempts = server_count(url)
                looks += attempts
                elapsed = now - start
                view = screen.session.planner.view()
                counted = left0 - left - looks  # requests the console sent
                cpu_pct = 100 * (cpu - last_cpu) / (now - last_report)
                wait = (view.next_poll_at or 0) - time.time()
                print(
                    f"{elapsed / 60:5.1f} {rss:8.1f} {cpu_pct:6.1f} {view.sent:5d} {counted:6d} "
                    f"{rate * elapsed:6.0f} {kinds['429']:5d} {dict(kinds)!s:>24} "
                    f"{len(crashes):3d}  next poll {wait:4.0f}s ({view.reason})",
                    flush=True,
                )
                last_report, last_cpu = now, cpu
        print(f"crashes: {crashes or 'none'}; app still up: {app.is_running}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=30.0, help="seconds between reports")
    parser.add_argument("--faults", default="500:0.1,503:0.05,slow:0.05,drop:0.05")
    parser.add_argument("--rate-limit", default="20000/day")
    args = parser.parse_args()
    options = ["--seed-demo", "60", "--rate-limit", args.rate_limit, "--faults", args.faults]
    options += ["--runaway-rate", "0.1"]
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_sandbox(Path(scratch) / "soak.db", KEY, *options, wait=20) as url,
    ):
        asyncio.run(seed_hostile(url))
        print(f"sandbox {url}, faults {args.faults}, limit {args.rate_limit}")
        asyncio.run(soak(url, args.minutes, args.window))


if __name__ == "__main__":
    main()
