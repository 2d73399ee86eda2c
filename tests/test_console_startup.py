"""Console start-up: what the first screen loads, and the theme it starts in.

The import check runs in a fresh interpreter (this process has everything loaded already). It
asserts which modules load, never how long it takes: `benchmarks/launch.py` prints the times.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys

from textual.color import Color

from console_helpers import until
from roma_tui import startup_gc
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

CLOSED = "http://127.0.0.1:9"  # nothing listens: the console starts and says it cannot connect

_FIRST_SCREEN = f"""
import asyncio, json, sys
from roma_tui import cli
cli._skip_httpx_cli()
from roma_tui.console import warm_tls
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

async def main():
    warm_tls("{CLOSED}")
    connection = Connection(Profile(name="t", base_url="{CLOSED}"), "{CLOSED}", None, "", "t")
    app = RomaApp(connection, remember_choices=False)
    async with app.run_test(size=(120, 30)) as pilot:
        while app.main_screen is None or not app.main_screen.is_mounted:
            await pilot.pause(0.01)
        await pilot.pause(0.2)
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
    from roma_tui.api.client import _tls_context
    ca_loaded = _tls_context.cache_info().currsize > 0
    print(json.dumps({{"footer": footer, "modules": sorted(sys.modules), "ca": ca_loaded}}))

asyncio.run(main())
"""

# Needed only once the user opens them (or edits a file): never for the first page.
NOT_ON_THE_FIRST_SCREEN = (
    "networkx",
    "roma_tui.dag",
    "roma_tui.ui.dag_screen",
    "roma_tui.ui.new_run",
    "roma_tui.ui.column_chooser",
    "roma_tui.ui.action_log_screen",
    "roma_tui.ui.raw_view",
    "roma_tui.ui.connect",
    "tomlkit",
    "textual.widgets._text_area",
    "textual.widgets._selection_list",
)


def test_the_first_screen_loads_no_explorer_modal_config_writer_or_ca_bundle():
    result = subprocess.run(
        [sys.executable, "-c", _FIRST_SCREEN], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "Quit" in report["footer"] and "Filter" in report["footer"]  # the screen is up
    loaded = set(report["modules"])
    assert [name for name in NOT_ON_THE_FIRST_SCREEN if name in loaded] == []
    assert report["ca"] is False  # a plain-http server: no TLS, so no CA bundle read (~40 ms)


def app_in(theme: str) -> RomaApp:
    profile = Profile(name="t", base_url=CLOSED, theme=theme)
    return RomaApp(Connection(profile, CLOSED, None, "", "t"), remember_choices=False)


async def background_of(app: RomaApp) -> Color:
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.main_screen is not None and app.main_screen.is_mounted)
        return app.main_screen.styles.background


async def test_apps_of_one_process_each_paint_in_their_own_theme():
    """Parsed style rules are shared by the apps of a process: a theme's colours never leak
    into an app started in another theme."""
    light = await background_of(app_in("roma-light"))
    dark = await background_of(app_in("roma-dark"))
    light_again = await background_of(app_in("roma-light"))
    assert light == light_again == Color.parse("#FFFFFF")
    assert dark == Color.parse("#10151C")


async def test_the_collector_paused_for_the_start_runs_again_once_the_first_answer_is_shown(
    monkeypatch,
):
    monkeypatch.setattr(startup_gc, "RESUME_AFTER", 3600.0)  # only the answer can resume it
    startup_gc.pause()  # as `roma-tui` does before it imports the console
    try:
        assert not gc.isenabled()
        app = app_in("roma-dark")  # nothing listens: the first answer is a failure
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, gc.isenabled)
            assert app.main_screen is not None and app.main_screen.last_error
    finally:
        gc.enable()


def test_a_collector_switched_off_elsewhere_is_left_off():
    gc.disable()
    try:
        startup_gc.pause()
        startup_gc.resume()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_a_console_that_cannot_set_up_connections_says_why_and_exits(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "ftp://proxy.example")  # httpx refuses it, even for http
    app = app_in("roma-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 2 and app.main_screen is None


_CRASH = """
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

KEY = "sk_crash_0123456789abcdef0123"


class Crashing(RomaApp):
    def on_mount(self):
        api_key = KEY  # a local of the failing frame, as in the client's own frames
        raise RuntimeError("boom " + str(len(api_key)))


url = "http://127.0.0.1:9"
app = Crashing(Connection(Profile(name="t", base_url=url), url, KEY, "", "t"))
app.run(headless=True)
raise SystemExit(app.return_code)
"""


def test_a_crash_report_shows_the_error_but_never_the_key():
    result = subprocess.run(
        [sys.executable, "-c", _CRASH], capture_output=True, text=True, timeout=120
    )
    report = result.stdout + result.stderr
    assert result.returncode == 1
    assert "RuntimeError" in report and "boom 29" in report  # the crash is still reported
    assert "sk_crash_" not in report
