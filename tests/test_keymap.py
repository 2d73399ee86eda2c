"""`[keymap]` in config.toml: the user's keys replace ours; a bad entry is said, never fatal."""

from __future__ import annotations

from conftest import KEY
from console_helpers import until
from roma_tui.settings import Connection, Profile, config_path, load_config
from roma_tui.ui.app import RomaApp
from roma_tui.ui.confirm import ConfirmCancel
from roma_tui.ui.help import HelpScreen
from roma_tui.ui.keys import check_keymap

SIZE = (160, 48)


class SaysApp(RomaApp):
    """The console, keeping what it told the user (each toast's text)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.said: list[str] = []

    def notify(self, message, **kwargs):
        self.said.append(message)
        super().notify(message, **kwargs)


def app_for(server) -> SaysApp:
    """The console on one profile, talking to the in-process sandbox (`start_local_sandbox`)."""
    url = server.url
    connection = Connection(Profile(name="test", base_url=url), url, KEY, "test", "test")
    return SaysApp(connection, remember_choices=False, transport=server.transport)


def write_config(text: str) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


async def test_a_keymap_remaps_cancel_to_x_and_the_help_shows_x(start_local_sandbox):
    write_config('[keymap]\n"main.cancel" = "x"\n')
    server = await start_local_sandbox(time_scale=50)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.main_screen is not None)
        await app.main_screen.session.monitor.create("Runaway research")
        app.main_screen.render_rows()
        await until(pilot, lambda: len(app.main_screen.table.shown_ids) == 1)
        await pilot.press("c")  # no longer the cancel key
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ConfirmCancel)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmCancel)
        await pilot.press("n")  # the dialog's own keys are unchanged
        assert app.screen is app.main_screen
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert ("x", "Cancel") in app.screen.rows
        assert ("c", "Cancel") not in app.screen.rows
        assert not app.said  # nothing was wrong with the keymap


async def test_bad_keymap_entries_are_said_with_the_file_and_the_rest_apply(start_local_sandbox):
    write_config('[keymap]\n"main.nope" = "x"\n"main.new" = 3\n"main.dag" = "ctrl+"\n')
    server = await start_local_sandbox(seed_demo=2)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.main_screen is not None)
        warnings = "\n".join(app.said)
        assert str(config_path()) in warnings
        for named in ("main.nope", "main.new", "main.dag"):
            assert named in warnings
        assert app.keymap == {}
        await pilot.press("question_mark")  # the console works, with its own keys
        assert isinstance(app.screen, HelpScreen)
        assert ("d", "DAG") in app.screen.rows and ("n", "New") in app.screen.rows


def test_a_keymap_that_is_not_a_table_is_reported_not_raised():
    write_config('keymap = "x"\n')
    config = load_config()
    assert config.keymap == {}
    assert "[keymap] must be a table" in config.keymap_problems[0]
    assert str(config.path) in config.keymap_problems[0]


def test_check_keymap_keeps_good_entries_and_names_each_bad_one():
    known = {"main.cancel", "main.help", "table.down"}
    good, problems = check_keymap(
        {"main.cancel": "x, ctrl+k", "main.help": "f1", "table.down": "j j", "main.gone": "g"},
        known,
        "config.toml",
    )
    assert good == {"main.cancel": "x,ctrl+k", "main.help": "f1"}
    assert len(problems) == 2
    assert any("table.down" in p and "'j j'" in p for p in problems)
    assert any("'main.gone'" in p for p in problems)
