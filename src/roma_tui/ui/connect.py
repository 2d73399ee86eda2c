"""The first screen when there is no profile: ask for the server and key, check them, keep them.

The key is checked with one list request before anything is stored; it goes to the OS keyring
(never a file). A wrong key or a dead server is said plainly, with the request ID when there is
one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from ..api import RomaClient, RomaError
from ..settings import (
    ConfigError,
    Connection,
    KeyringUnavailable,
    Profile,
    check_profile_name,
    save_profile,
    store_key,
)
from ..settings.config import HOSTED_URL
from .modal import tcss


@dataclass
class Connected:
    connection: Connection
    note: str  # what happened to the key, for a toast


class ConnectScreen(Screen[Connected]):
    DEFAULT_CSS = tcss("connect.tcss")
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="connect.quit")]

    def __init__(
        self,
        profile_name: str = "default",
        url: str | None = None,
        *,
        note: str = "",
    ) -> None:
        super().__init__()
        self.profile_name, self.url = profile_name, url
        self.note = note  # why this screen is shown: waiting for the keyring, no key, ...

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Connect to a ROMA server", classes="title")
            yield Static(self.note, id="connect-note", markup=False)
            yield Label("Server URL")
            yield Input(self.url or HOSTED_URL, id="url")
            yield Label("API key (stored in the OS keyring, never in a file)")
            yield Input(password=True, id="key")
            yield Label("Profile name")
            yield Input(self.profile_name, id="profile")
            yield Static("", id="connect-error", markup=False)
            with Horizontal():
                yield Button("Connect", id="connect", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#key", Input).focus()

    def on_input_submitted(self) -> None:
        self.attempt()

    def on_button_pressed(self) -> None:
        self.attempt()

    def say(self, message: str) -> None:
        self.query_one("#connect-error", Static).update(message)

    def explain(self, note: str) -> None:
        """Why there is no key yet (the keyring is locked, missing, has none for the profile)."""
        self.note = note
        self.query_one("#connect-note", Static).update(note)

    @work(exclusive=True, exit_on_error=False)
    async def attempt(self) -> None:
        url = self.query_one("#url", Input).value.strip()
        key = self.query_one("#key", Input).value.strip()
        name = self.query_one("#profile", Input).value.strip() or "default"
        try:
            check_profile_name(name)
        except ConfigError as exc:
            self.say(str(exc))
            return
        if not key:
            self.say("Enter the API key.")
            return
        self.say("Checking…")
        profile = Profile(name=name, base_url=url)
        try:
            async with RomaClient(url, key, max_retries=0, timeout=10) as client:
                await client.list_executions(limit=1)
        except RomaError as exc:
            self.say(f"Could not connect: {exc}")
            return
        note = f"Key stored in the OS keyring for profile {name}."
        try:
            save_profile(profile, activate=True)
        except ConfigError as exc:
            note = f"Profile not saved: {exc}"
        try:
            # keyring's import and backend discovery take ~0.2 s: off the UI thread.
            await asyncio.to_thread(store_key, name, key)
        except KeyringUnavailable as exc:
            note = f"Connected, but the key was not stored: {exc}"
        connection = Connection(profile, url, key, "this session", "connect screen")
        self.dismiss(Connected(connection, note))
