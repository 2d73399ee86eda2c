"""Regenerate screenshots/*.svg from the app running on seeded sandbox data.

Run: python scripts/make_screenshots.py   (about 20 seconds; needs no network)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from roma_tui.sandbox import RunningSandbox, SandboxConfig, SandboxSettings, make_api
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

OUT = Path(__file__).resolve().parents[1] / "screenshots"
KEY = "sk_screenshots_only"
SIZE = (160, 48)


async def until(pilot, condition, timeout=15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.1)
        if condition():
            return
    raise RuntimeError("the app did not reach the state to photograph")


async def shoot(
    url: str, theme: str, shots: list[str], size: tuple[int, int] = SIZE, name: str = ""
) -> None:
    profile = Profile(name="demo", base_url=url, theme=theme)
    app = RomaApp(
        Connection(profile, url, KEY, "screenshots", "screenshots"), remember_choices=False
    )
    async with app.run_test(size=size) as pilot:
        main = app.main_screen
        await until(pilot, lambda: len(main.table.shown_ids) >= 30)
        await pilot.pause(1.0)
        app.save_screenshot(name or f"main-{theme}.svg", path=str(OUT))
        if "raw" in shots:
            await pilot.press("r")
            await pilot.pause(1.0)
            app.save_screenshot("raw-json.svg", path=str(OUT))
            await pilot.press("escape")
        if "command" in shots:
            await pilot.press("colon", *"sort dur")
            await pilot.pause(0.3)
            app.save_screenshot("command-line.svg", path=str(OUT))
            await pilot.press("escape")
        if "failed" in shots:
            store = main.session.store
            failed = next(i for i in main.table.shown_ids if store.get(i).status == "failed")
            main.table.keep_cursor_on(failed)
            await pilot.pause(0.3)
            app.save_screenshot("status-failed.svg", path=str(OUT))
        if "cancel" in shots:
            running = next(
                i for i in main.table.shown_ids if main.session.store.get(i).status == "running"
            )
            main.table.keep_cursor_on(running)
            await pilot.press("c")
            await pilot.pause(0.3)
            app.save_screenshot("cancel-confirm.svg", path=str(OUT))
            await pilot.press("n")
        if "new" in shots:
            await pilot.press("n")
            await pilot.press(*"Compare three open-source vector databases for a RAG service")
            await pilot.pause(0.3)
            app.save_screenshot("new-run.svg", path=str(OUT))
            await pilot.press("escape")
        if "dag" in shots:
            store = main.session.store
            done = next(
                i
                for i in main.table.shown_ids
                if store.get(i).status == "completed" and store.get(i).max_depth >= 3
            )
            main.table.keep_cursor_on(done)
            await pilot.press("d")
            dag_screen = app.screen
            await until(pilot, lambda: dag_screen.view.dag_layout is not None)
            await pilot.press("j", "j", "p")
            await pilot.pause(0.3)
            app.save_screenshot("dag.svg", path=str(OUT))
            await pilot.press("enter")
            await pilot.pause(0.3)
            app.save_screenshot("dag-inspector.svg", path=str(OUT))
            await pilot.press("escape", "t")
            await pilot.pause(0.3)
            app.save_screenshot("dag-tree.svg", path=str(OUT))
            await pilot.press("escape")
        if "help" in shots:
            await pilot.press("question_mark")
            await pilot.pause(0.3)
            app.save_screenshot("help.svg", path=str(OUT))


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        settings = SandboxSettings(
            db=Path(scratch) / "shots.db",
            api_keys=[KEY],
            rate_limit="5000/hour",
            seed_demo=40,
            engine=SandboxConfig(time_scale=3.0, execution_timeout=1800),
        )
        with RunningSandbox(make_api(settings)) as sandbox:
            asyncio.run(
                shoot(
                    sandbox.url,
                    "roma-dark",
                    ["failed", "cancel", "new", "dag", "help", "raw", "command"],
                )
            )
            asyncio.run(shoot(sandbox.url, "roma-dark", [], (80, 24), "main-80x24.svg"))
            asyncio.run(shoot(sandbox.url, "roma-light", []))
            asyncio.run(shoot(sandbox.url, "roma-high-contrast", []))
    for path in sorted(OUT.glob("*.svg")):
        print(f"{path.name}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
