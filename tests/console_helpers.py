"""Helpers for driving the console with Pilot (shared by the console, DAG and sandbox tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from conftest import KEY
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

SIZE = (160, 48)


def app_for(server: Any, key: str = KEY, **profile: Any) -> RomaApp:
    """The console on one profile for `server`: a URL, a loopback sandbox, or a `LocalSandbox`
    (conftest's `start_local_sandbox`), whose transport answers in the test's own event loop."""
    url = server if isinstance(server, str) else server.url
    transport: httpx.AsyncBaseTransport | None = getattr(server, "transport", None)
    connection = Connection(Profile(name="test", base_url=url, **profile), url, key, "test", "test")
    return RomaApp(connection, remember_choices=False, transport=transport)


async def until(pilot: Any, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the console run until `condition()` holds; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("the console did not get there in time")


def table(app: RomaApp) -> Any:
    return app.main_screen.table


def shown(app: RomaApp) -> list[str]:
    """The run ids in the table, in the order they are shown."""
    return list(table(app).shown_ids)


def toasts(app: RomaApp) -> list[str]:
    """The text of the notifications on screen now (title, newline, message): what the user
    reads in Textual's Toast widgets, with markup already applied or not. Needs
    `app.run_test(notifications=True)`: Pilot shows no toasts otherwise."""
    return [str(toast.render()) for toast in app.screen.query("Toast")]


def footer_keys(app: RomaApp) -> list[str]:
    """What the footer shows now: the description of each key on the bottom line. (The SVG
    screenshot puts a key and its description in separate text elements.)"""
    from textual.widgets._footer import FooterKey

    return [key.description for key in app.screen.query(FooterKey) if key.display]


async def paste(pilot: Any, text: str) -> None:
    """Put `text` into the focused field as a paste does: one event, where typing it would be a
    key press (and a wait for the app to idle) per character. For tests that are not about
    typing; the new-run form and the filter are still typed key by key in their own tests."""
    from textual import events

    assert pilot.app.focused is not None, "nothing has the focus to paste into"
    # To the app, as the terminal driver sends it: the app gives it to the focused widget.
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def settled(pilot: Any) -> None:
    """Let what a key started finish: pending messages, then every worker running (requests
    included). Instead of a fixed pause before asserting that something did not happen."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
