"""What the console costs to start: timed from outside in tmux, next to a bare Textual app.

1. Launch to first rows: a sandbox in its own process holds N executions (default 10,000); in a
   160x48 tmux pane, `roma-tui` (the installed script, on ROMA_API_KEY/ROMA_BASE_URL and empty
   config, data and cache directories) runs until an execution id shows on screen; a bare Textual
   app that shows one line runs until that line shows. The pane is read every few ms from outside
   (`tmux capture-pane`), so the figures include the interpreter, imports, the first paint and,
   for roma-tui, the first page's request. Medians of --runs, taken in turns, with the ratio.
2. CPU of one console start and stop under Pilot (what each UI test pays), against a closed port,
   next to a bare Textual app: time.process_time, medians of warm starts (imports done).
3. RSS with every run of the sandbox paged in (the console headless, in this process).

Run: python benchmarks/launch.py [--runs 5] [--executions 10000] [--skip-rss]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sandbox_process import running_sandbox
from textual.app import App, ComposeResult
from textual.widgets import Static

from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

KEY = "sk_launch_0123456789abcdef0123"
BARE_LINE = "bare textual app: first line"
ROW = re.compile(r"exec_[0-9a-z]{16}")  # an execution id: a row of the table is on screen
SIZE = (160, 48)
BARE_APP = f"""
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static({BARE_LINE!r})

Bare().run()
"""


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(BARE_LINE)


def roma_tui_command() -> list[str]:
    """The installed script, as a user runs it; else the module entry point."""
    script = shutil.which("roma-tui", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "roma_tui"]


class Tmux:
    """A private tmux server (its own socket), kept up by an idle session between launches."""

    def __init__(self) -> None:
        self.socket = f"roma-launch-{os.getpid()}"
        self.run("new-session", "-d", "-s", "idle", "sleep 3600")

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        return result.stdout

    def launch(
        self, command: list[str], env: dict[str, str], seen: Callable[[str], bool]
    ) -> tuple[float, float]:
        """Seconds from starting `command` in a new pane until `seen` holds for its text, and
        the CPU seconds the app had used by then (steadier than wall time on a busy machine)."""
        line = " ".join(
            ["env", "-u", "PYTHONDONTWRITEBYTECODE"]
            + [f"{k}={v}" for k, v in env.items()]
            + command
        )
        width, height = SIZE
        started = time.perf_counter()
        self.run("new-session", "-d", "-x", str(width), "-y", str(height), "-s", "app", line)
        pid = self.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip()
        deadline = started + 30
        text = ""
        try:
            while time.perf_counter() < deadline:
                text = self.run("capture-pane", "-p", "-t", "app")
                if seen(text):
                    return time.perf_counter() - started, cpu_seconds(pid)
                time.sleep(0.003)
            raise SystemExit(f"not seen in 30 s: {' '.join(command)}\n{text.strip()}")
        finally:
            self.run("kill-session", "-t", "app")
            self.wait_gone(pid)

    @staticmethod
    def wait_gone(pid: str) -> None:
        """The killed app must be gone before the next launch (it would take the CPU)."""
        deadline = time.monotonic() + 10
        while pid and Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.02)

    def close(self) -> None:
        self.run("kill-server")


def cpu_seconds(pid: str) -> float:
    """User and system CPU of a process so far (the pane's shell execs the app: one process)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launches(
    scratch: Path, url: str, runs: int, before: Path | None
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds to the bare app's line and to roma-tui's first rows, taken
    in turns (a busy moment of the machine slows both alike)."""
    bare_script = scratch / "bare.py"
    bare_script.write_text(BARE_APP)
    dirs = {name: scratch / name.lower() for name in ("CONFIG", "DATA", "STATE", "CACHE")}
    for path in dirs.values():
        path.mkdir(exist_ok=True)
    env = {f"XDG_{name}_HOME": str(path) for name, path in dirs.items()}
    # Compiled modules, as an installed package has them (this environment may forbid writing
    # them beside the sources): kept in the scratch dir, filled by a first untimed launch.
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    roma_env = {**env, "ROMA_API_KEY": KEY, "ROMA_BASE_URL": url}
    apps: dict[str, tuple[list[str], dict[str, str], Callable[[str], bool]]] = {
        "bare": ([sys.executable, str(bare_script)], env, lambda s: BARE_LINE in s),
        "roma": (roma_tui_command(), roma_env, lambda s: bool(ROW.search(s))),
    }
    if before is not None:  # another checkout's sources, first on the path
        before_env = {**roma_env, "PYTHONPATH": str(before)}
        apps["before"] = (roma_tui_command(), before_env, lambda s: bool(ROW.search(s)))
    taken: dict[str, list[tuple[float, float]]] = {name: [] for name in apps}
    tmux = Tmux()
    try:
        for run in range(runs + 1):
            for name, (command, app_env, seen) in apps.items():
                taken[name].append(tmux.launch(command, app_env, seen))
                if run == 0:
                    taken[name].pop()  # the warm-up that compiles the modules
    finally:
        tmux.close()
    return {
        name: (statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))
        for name, times in taken.items()
    }


def closed_port() -> Connection:
    url = "http://127.0.0.1:9"  # nothing listens: polling fails quietly
    return Connection(Profile(name="bench", base_url=url), url, None, "none", "bench")


async def pilot_cpu(make: Callable[[], App[None]], starts: int) -> float:
    """The median CPU seconds of one start and stop under Pilot, imports done (one warm-up)."""
    taken = []
    for _ in range(starts + 1):
        gc.collect()
        before = time.process_time()
        async with make().run_test(size=SIZE):
            pass
        taken.append(time.process_time() - before)
    return statistics.median(taken[1:])


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def rss_paged_in(url: str) -> tuple[int, int, int]:
    """(RSS at the first page, RSS with every run loaded and shown, runs loaded)."""
    connection = Connection(Profile(name="bench", base_url=url), url, KEY, "bench", "bench")
    app = RomaApp(connection, remember_choices=False)
    async with app.run_test(size=SIZE) as pilot:
        while app.main_screen is None or not app.main_screen.table.shown_ids:
            await pilot.pause(0.01)
        main = app.main_screen
        await main.workers.wait_for_complete()
        gc.collect()
        first = rss_bytes()
        store = main.session.store
        store.page_size = 100  # the server's largest page: fewer requests, the same rows
        while store.has_more:
            result = await main.session.monitor.next_page()
            if result.failure is not None:
                raise SystemExit(f"paging failed: {result.failure.message}")
        main.render_rows()
        await pilot.pause()
        gc.collect()
        return first, rss_bytes(), store.loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="launches of each (default 5)")
    parser.add_argument("--executions", type=int, default=10_000)
    parser.add_argument("--starts", type=int, default=10, help="Pilot starts (default 10)")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument(
        "--before",
        type=Path,
        metavar="SRC",
        help="also launch roma-tui from this source tree (e.g. an older commit's src/)",
    )
    parser.add_argument(
        "--db", type=Path, help="the sandbox's SQLite file, kept between runs (seeded once)"
    )
    args = parser.parse_args()

    bare_cpu = asyncio.run(pilot_cpu(BareApp, args.starts))
    roma_cpu = asyncio.run(
        pilot_cpu(lambda: RomaApp(closed_port(), remember_choices=False), args.starts)
    )
    print(f"CPU of one start+stop under Pilot (median of {args.starts}, warm)")
    print(f"  bare Textual app   {bare_cpu * 1000:6.0f} ms")
    print(f"  roma-tui console   {roma_cpu * 1000:6.0f} ms  {roma_cpu / bare_cpu:4.1f}x")

    with tempfile.TemporaryDirectory(prefix="roma-launch-") as scratch_dir:
        scratch = Path(scratch_dir)
        with running_sandbox(
            args.db or scratch / "launch.db", KEY, "--seed-demo", str(args.executions),
            "--rate-limit", "1000000/day", command=roma_tui_command(),
        ) as url:  # fmt: skip
            medians = launches(scratch, url, args.runs, args.before)
            bare, bare_cpu = medians.pop("bare")
            print(f"\nlaunch to first line/rows in tmux (median of {args.runs}): wall, CPU")
            label = "bare Textual app, one line"
            print(f"  {label:<34} {bare * 1000:6.0f} ms  {bare_cpu * 1000:6.0f} ms")
            for name, (wall, cpu) in medians.items():
                label = f"roma-tui{' (--before)' if name == 'before' else ''}, first rows"
                print(
                    f"  {label:<34} {wall * 1000:6.0f} ms  {cpu * 1000:6.0f} ms  "
                    f"{wall / bare:.1f}x wall, {cpu / bare_cpu:.1f}x CPU (goal: within 2x)"
                )
            if not args.skip_rss:
                first, full, loaded = asyncio.run(rss_paged_in(url))
                grown = full - first
                print(f"\nRSS with {loaded:,} runs paged in (headless console, this process)")
                print(f"  at the first page {first / 2**20:6.1f} MiB")
                print(
                    f"  every run loaded  {full / 2**20:6.1f} MiB  "
                    f"(+{grown / 2**20:.1f} MiB, {grown / max(1, loaded) / 1000:.1f} KB a run)"
                )


if __name__ == "__main__":
    main()
