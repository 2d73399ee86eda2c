"""An 8-hour shift against a server that allows 1,000 requests a day: planner vs naive poller.

Simulated time (the planner's injectable clock), so it runs in well under a second. The server
has 800 requests left for a day that resets 16 hours after the shift starts; three runs start and
finish at random; the user focuses the second one as soon as it shows and opens its DAG; from
hour 4 the server answers 503 for ten minutes. Printed for both pollers: requests spent, requests
left, the median and worst delay between a run's status changing on the server and the store
showing it, and the number of 429s.

Run: python benchmarks/polling_budget.py [--seed N]
"""

from __future__ import annotations

import argparse
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from roma_tui.api.ratelimit import RateLimit
from roma_tui.monitor.planner import DAG, LIST, STATUS, OnScreen, PollPlan, PollPlanner

T0 = 1_800_000_000.0
SHIFT = 8 * 3600.0
RESET = T0 + 16 * 3600.0
BURST = (T0 + 4 * 3600.0, T0 + 4 * 3600.0 + 600.0)


@dataclass
class Run:
    starts: float
    ends: float

    def status(self, t: float) -> str | None:
        if t < self.starts:
            return None
        return "running" if t < self.ends else "completed"


@dataclass
class Server:
    runs: list[Run]
    remaining: int = 800
    limit: int = 1000
    spent: int = 0
    throttled: int = 0

    def request(self, t: float) -> str:
        """'ok', '429' or '503'; every answered request counts against the limit."""
        if self.remaining <= 0:
            self.throttled += 1
            return "429"
        self.remaining -= 1
        self.spent += 1
        if BURST[0] <= t < BURST[1]:
            return "503"
        return "ok"

    def headers(self, t: float) -> RateLimit:
        now = datetime.fromtimestamp(t, tz=UTC)
        return RateLimit(
            limit=self.limit,
            remaining=self.remaining,
            reset_at=now + timedelta(seconds=RESET - t),
            observed_at=now,
        )


@dataclass
class Watcher:
    """What the console's store shows, and when it first showed each server event."""

    server: Server
    shown: dict[int, str | None] = field(default_factory=dict)
    seen_at: dict[tuple[int, str], float] = field(default_factory=dict)
    focused: int | None = None

    def observe(self, t: float, runs: list[int]) -> None:
        for index in runs:
            status = self.server.runs[index].status(t)
            self.shown[index] = status
            if status is not None:
                self.seen_at.setdefault((index, status), t)
                if status == "completed":
                    self.seen_at.setdefault((index, "running"), t)

    def screen(self) -> OnScreen:
        if self.focused is None and self.shown.get(1) == "running":
            self.focused = 1  # the user focuses the second run and opens its DAG
        running = any(s == "running" for s in self.shown.values())
        focused_running = self.focused is not None and self.shown.get(self.focused) == "running"
        return OnScreen(
            focused_id="run-1" if self.focused is not None else None,
            focused_running=focused_running,
            dag_open=self.focused is not None,
            any_running=running,
        )

    def delays(self, *, outside_burst: bool = False) -> tuple[list[float], int]:
        delays, missed = [], 0
        for index, run in enumerate(self.server.runs):
            for status, at in (("running", run.starts), ("completed", run.ends)):
                if at >= T0 + SHIFT:
                    continue
                if outside_burst and BURST[0] - 900 <= at < BURST[1]:
                    continue
                seen = self.seen_at.get((index, status))
                if seen is None:
                    missed += 1
                else:
                    delays.append(seen - at)
        return delays, missed


def make_runs(rng: random.Random) -> list[Run]:
    runs = []
    for _ in range(3):
        start = T0 + rng.uniform(0.05, 0.85) * SHIFT
        runs.append(Run(start, start + rng.uniform(5 * 60, 45 * 60)))
    return sorted(runs, key=lambda r: r.starts)


def execute(plan: PollPlan, t: float, server: Server, watcher: Watcher) -> str:
    outcome = "ok"
    for kind in plan.fetch:
        answer = server.request(t)
        if answer != "ok":
            return answer
        if kind == LIST:
            watcher.observe(t, list(range(len(server.runs))))
        elif kind in (STATUS, DAG) and watcher.focused is not None:
            watcher.observe(t, [watcher.focused])
    return outcome


def run_planner(runs: list[Run]) -> tuple[Server, Watcher]:
    server, clock = Server(runs), [T0]
    watcher = Watcher(server)
    planner = PollPlanner(clock=lambda: clock[0], interval=2.0)
    while True:
        plan = planner.plan(watcher.screen())
        clock[0] = max(plan.at, clock[0])
        if clock[0] >= T0 + SHIFT:
            break
        planner.poll_started()
        answer = execute(plan, clock[0], server, watcher)
        planner.observe(server.headers(clock[0]))
        if answer == "ok":
            planner.poll_succeeded()
        elif answer == "429":
            planner.poll_failed("429", retry_at=RESET)
        else:
            planner.poll_failed(answer)
    return server, watcher


def run_naive(runs: list[Run]) -> tuple[Server, Watcher]:
    """A 2-second poller: the list, plus status and DAG of the focused run, every 2 s."""
    server = Server(runs)
    watcher = Watcher(server)
    t = T0
    while t < T0 + SHIFT:
        screen = watcher.screen()
        fetch = [LIST] + ([STATUS, DAG] if screen.focused_running else [])
        execute(PollPlan(tuple(fetch), t, "naive"), t, server, watcher)
        t += 2.0
    return server, watcher


def summary(name: str, server: Server, watcher: Watcher) -> list[str]:
    delays, missed = watcher.delays()
    median = f"{statistics.median(delays):.0f} s" if delays else "-"
    worst = f"{max(delays):.0f} s" if delays else "-"
    return [
        name,
        str(server.spent),
        str(server.remaining),
        median,
        worst,
        str(missed),
        str(server.throttled),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", type=int, default=50, help="days for the aggregate line")
    args = parser.parse_args()
    runs = make_runs(random.Random(args.seed))
    rows = [summary("planner", *run_planner(runs)), summary("naive 2 s", *run_naive(runs))]
    headers = ["poller", "spent", "left", "median delay", "worst delay", "never seen", "429s"]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    print(f"8-hour shift, 800 of 1,000 left, reset 16 h after the start, seed {args.seed}")
    print(
        "runs (start, minutes):",
        ", ".join(
            f"{(r.starts - T0) / 3600:.1f} h, {(r.ends - r.starts) / 60:.0f} min" for r in runs
        ),
    )
    for row in [headers, *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    probe = PollPlanner(clock=lambda: T0)
    probe.observe(Server(runs).headers(T0))
    print(f"reserve kept for the user's own actions: {probe.reserve()} requests")

    # The same shift over many random days, for figures that do not hang on one draw.
    medians, worsts, calm_worsts, throttled, lowest_left = [], [], [], 0, 10**9
    for seed in range(args.seeds):
        server, watcher = run_planner(make_runs(random.Random(seed)))
        delays, _ = watcher.delays()
        medians.append(statistics.median(delays))
        worsts.append(max(delays))
        calm, _ = watcher.delays(outside_burst=True)
        calm_worsts.append(max(calm, default=0.0))
        throttled += server.throttled
        lowest_left = min(lowest_left, server.remaining)
    print(
        f"planner over {args.seeds} seeds: median of medians {statistics.median(medians):.0f} s,"
        f" worst {max(worsts):.0f} s (outside the 503 burst: {max(calm_worsts):.0f} s),"
        f" 429s {throttled}, fewest left {lowest_left}"
    )


if __name__ == "__main__":
    main()
