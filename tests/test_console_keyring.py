"""The console and a slow or locked OS keyring: it never freezes, and says what it waits for."""

from __future__ import annotations

import threading

import keyring
from keyring.backend import KeyringBackend

from conftest import KEY
from console_helpers import app_for, shown, until
from roma_tui.settings import Profile, load_config, resolve_connection, save_profile
from roma_tui.ui.app import RomaApp
from roma_tui.ui.connect import ConnectScreen


class SlowKeyring(KeyringBackend):
    """Answers only when the test says so, like a keyring behind a desktop unlock prompt."""

    priority = 1

    def __init__(self, key: str | None) -> None:
        super().__init__()
        self.key = key
        self.answer = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.answer.wait(timeout=30)
        return self.key

    def set_password(self, service: str, username: str, password: str) -> None:
        self.key = password

    def delete_password(self, service: str, username: str) -> None:
        self.key = None


def app_reading_keyring(server) -> RomaApp:
    url = server.url
    save_profile(Profile(name="work", base_url=url), activate=True)

    def read():
        return resolve_connection(load_config(), profile_name="work")

    return RomaApp(
        None,
        connect_profile="work",
        connect_url=url,
        read_connection=read,
        remember_choices=False,
        transport=server.transport,
    )


async def test_a_keyring_behind_an_unlock_prompt_never_freezes_the_console(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=4, time_scale=20)
    slow = SlowKeyring(KEY)
    keyring.set_keyring(slow)
    app = app_reading_keyring(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen))
        note = str(app.screen.query_one("#connect-note").render())
        assert "Waiting for the OS keyring" in note and "ROMA_API_KEY" in note
        # Keys still work while the keyring thinks: the key field takes typing.
        await pilot.press(*"abc")
        assert app.screen.query_one("#key").value == "abc"
        slow.answer.set()  # the user unlocked it
        await until(pilot, lambda: app.main_screen is not None)
        await until(pilot, lambda: len(shown(app)) >= 4)
        assert app.main_screen.session.connection.key_source == "keyring"


async def test_no_key_in_the_keyring_is_said_on_the_connect_screen(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=1)
    empty = SlowKeyring(None)
    empty.answer.set()
    keyring.set_keyring(empty)
    app = app_reading_keyring(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(
            pilot,
            lambda: (
                "No API key for profile 'work'"
                in str(app.screen.query_one("#connect-note").render())
            ),
        )
        assert app.main_screen is None  # nothing to connect with


async def test_switching_profile_reads_the_keyring_off_the_ui_thread(
    start_local_sandbox, memory_keyring
):
    server = await start_local_sandbox(seed_demo=3, time_scale=20)
    save_profile(Profile(name="other", base_url=server.url))
    memory_keyring.set_password("roma-tui", "other", KEY)

    app = app_for(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 3)
        slow = SlowKeyring(KEY)
        keyring.set_keyring(slow)
        first = app.main_screen
        app.switch_profile("other")
        await pilot.press("question_mark")  # the UI answers while the keyring blocks
        await until(pilot, lambda: app.screen.__class__.__name__ == "HelpScreen")
        await pilot.press("escape")
        slow.answer.set()
        await until(pilot, lambda: app.main_screen is not first)
        assert app.main_screen.session.connection.profile.name == "other"
