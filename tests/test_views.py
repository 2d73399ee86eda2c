"""Incident filters, saved views, filter history and the `:` command line, driven by Pilot
against the real sandbox app in process (`start_local_sandbox`). Text is pasted, except where the
test is about typing (hints while typing, completion, a server term waiting for a pause)."""

from __future__ import annotations

import tomllib

from conftest import KEY
from console_helpers import SIZE, app_for, paste, shown, until
from roma_tui.api import Execution
from roma_tui.settings import Connection, Profile, config_path
from roma_tui.settings.views import (
    HISTORY_SIZE,
    SavedView,
    load_history,
    load_views,
    save_history,
    save_view,
)
from roma_tui.ui.app import RomaApp
from roma_tui.ui.command_line import CommandLine
from roma_tui.ui.flash import FlashLine
from roma_tui.ui.help import HelpScreen


def remembering_app(server) -> RomaApp:
    """Like app_for, but views and history are written (to the test's own config dir)."""
    url = server.url
    connection = Connection(Profile(name="test", base_url=url), url, KEY, "test", "test")
    return RomaApp(connection, remember_choices=True, transport=server.transport)


async def fill(pilot, before: tuple[str, ...], text: str, *after: str) -> None:
    """Press `before` (what opens the field), paste `text`, press `after`: one event for the
    text where typing it would cost a key press (and a wait for idle) per letter."""
    await pilot.press(*before)
    await paste(pilot, text)
    await pilot.press(*after)


def flash_text(app) -> str:
    line = app.main_screen.query_one(FlashLine)
    return str(line.render()) if line.message else ""


def box(app):
    return app.main_screen.filter_box


async def test_is_runaway_finds_the_flagged_run_and_the_word_does_too(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=30, time_scale=20)
    app = app_for(server, runaway_minutes=1)  # the demo's runaway has run for minutes
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 30)
        store = app.main_screen.session.store
        await fill(pilot, ("slash",), "is:runaway")
        await until(pilot, lambda: len(shown(app)) == 1)
        runaway = store.get(shown(app)[0])
        assert runaway.status == "running" and "forever" in runaway.initial_goal
        await fill(
            pilot,
            (
                "escape",
                "slash",
            ),
            "runaway",
        )
        await until(pilot, lambda: runaway.execution_id in shown(app))
        await fill(
            pilot,
            (
                "escape",
                "slash",
            ),
            "is:running age<1m",
        )
        await until(pilot, lambda: runaway.execution_id not in shown(app) and shown(app))
        assert all(store.get(i).status == "running" for i in shown(app))


async def test_tokens_filter_says_how_many_runs_it_could_not_judge(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=30, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 30)
        store = app.main_screen.session.store
        # A run the server said nothing about spending (as an older server would list it).
        store.add_created(
            Execution.model_validate({"execution_id": "exec_notokens0000000", "status": "running"})
        )
        rows = store.rows()
        known = [e for e in rows if e.metadata and e.metadata.tokens_used is not None]
        await fill(pilot, ("slash",), "tokens>=0", "enter")
        await until(pilot, lambda: len(shown(app)) == len(known))
        unknown = len(rows) - len(known)
        assert unknown >= 1 and "exec_notokens0000000" not in shown(app)
        assert f"tokens unknown for {unknown} run" in str(box(app).border_subtitle)
        await pilot.press("escape")
        assert "tokens unknown" not in str(box(app).border_subtitle or "")


async def test_a_status_typed_key_by_key_is_said_once_on_enter(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=30, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 30)
        store = app.main_screen.session.store
        await pilot.press("slash", *"status:fai")
        # While typing: nothing said aloud, the half term is only a dimmed hint.
        assert not app._notifications and not flash_text(app)
        assert "not applied: unknown status 'fai'" in str(box(app).border_subtitle)
        await pilot.press("l", "e", "d")
        await until(
            pilot,
            lambda: (
                store.query.status == "failed"
                and shown(app)
                and all(store.get(i).status == "failed" for i in shown(app))
            ),
        )
        assert not app._notifications and not flash_text(app)
        assert not box(app).border_subtitle
        # A term still wrong on enter is said once, in the flash line.
        await pilot.press("backspace", "backspace", "enter")
        await until(pilot, lambda: "unknown status 'fail'" in flash_text(app))
        assert "×" not in flash_text(app)
        assert not app._notifications
        assert app.main_screen.table.has_focus


async def test_up_and_down_walk_the_filter_history(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=12, time_scale=20)
    app = remembering_app(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 12)
        await fill(pilot, ("slash",), "lisbon", "enter")
        await fill(
            pilot,
            (
                "slash",
                "ctrl+u",
            ),
            "is:running",
            "enter",
        )
        await fill(
            pilot,
            (
                "slash",
                "ctrl+u",
            ),
            "half",
        )
        await pilot.press("up")
        assert box(app).value == "is:running"
        await pilot.press("up", "up")  # no older entry: stays on the oldest
        assert box(app).value == "lisbon"
        await pilot.press("down")
        assert box(app).value == "is:running"
        await pilot.press("down")
        assert box(app).value == "half"  # back to what was being typed
    assert load_history("test") == ["lisbon", "is:running"]


def test_history_keeps_the_last_fifty_per_profile():
    entries = [f"is:running {i}" for i in range(70)]
    assert save_history("work", entries)
    assert save_history("home", ["lisbon"])
    assert load_history("work") == entries[-HISTORY_SIZE:]
    assert load_history("home") == ["lisbon"]
    assert load_history("nobody") == []


def test_views_are_kept_in_config_toml_beside_their_profile_with_comments():
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text('# mine\n[profiles.work]\nbase_url = "http://127.0.0.1:1" # local\n')
    save_view("work", SavedView("failed-today", "status:failed since:1d", "duration", False))
    text = path.read_text()
    assert "# mine" in text and "# local" in text
    assert tomllib.loads(text)["profiles"]["work"]["views"]["failed-today"]["sort"] == "duration"
    assert load_views("work")["failed-today"].filter == "status:failed since:1d"
    assert load_views("home") == {}


async def test_a_saved_view_comes_back_by_key_by_command_and_palette_after_a_restart(
    start_local_sandbox,
):
    server = await start_local_sandbox(seed_demo=30, time_scale=20)
    app = remembering_app(server)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        await until(pilot, lambda: len(shown(app)) >= 30)
        await fill(pilot, ("slash",), "is:finished", "enter")
        await fill(pilot, ("colon",), "sort duration asc", "enter")
        assert (main.sort_column, main.sort_desc) == ("duration", False)
        await fill(pilot, ("V",), "done", "enter")
        await until(pilot, lambda: "View done saved" in flash_text(app))
        await fill(
            pilot,
            (
                "escape",
                "colon",
            ),
            "sort created",
            "enter",
        )
        assert box(app).value == "" and main.sort_column == "created"
        await pilot.press("v", *"do", "tab", "enter")
        await until(pilot, lambda: box(app).value == "is:finished")
        assert (main.sort_column, main.sort_desc) == ("duration", False)
        store = main.session.store
        assert all(store.get(i).is_finished for i in shown(app))
    assert load_views("test")["done"] == SavedView("done", "is:finished", "duration", False)

    again = remembering_app(server)
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(again)) >= 30)
        assert box(again).value == ""  # a new session starts unfiltered
        # The command palette offers the saved view.
        await fill(pilot, ("ctrl+p",), "View: done")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: box(again).value == "is:finished")
        again.main_screen.set_filter("")
        assert box(again).value == ""
        await fill(pilot, ("colon",), "view nope", "enter")
        assert "No view 'nope' (views: done)" in flash_text(again)
        await fill(pilot, ("colon",), "view done", "enter")
        assert box(again).value == "is:finished"


async def test_the_command_line_runs_palette_commands_by_name(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=12, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 12)
        await pilot.press("colon")
        line = app.main_screen.query_one(CommandLine)
        assert line.has_focus and "view" in str(line.border_subtitle)
        await pilot.press(*"so", "tab")
        assert line.value == "sort"
        await pilot.press("escape")
        assert not app.main_screen.query(CommandLine) and app.main_screen.table.has_focus

        await fill(pilot, ("colon",), "frobnicate", "enter")
        assert "Unknown command 'frobnicate'" in flash_text(app)
        await fill(pilot, ("colon",), "profile nowhere", "enter")
        assert "No profile 'nowhere'" in flash_text(app)
        await fill(pilot, ("colon",), "sort sideways", "enter")
        assert "Sort by one of" in flash_text(app)

        await fill(pilot, ("colon",), "theme textual-light", "enter")
        await until(pilot, lambda: app.theme == "textual-light")
        await fill(pilot, ("colon",), "filter is:finished", "enter")
        assert box(app).value == "is:finished"
        await fill(pilot, ("colon",), "help", "enter")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await pilot.press("colon", "up")  # the command history
        assert app.main_screen.query_one(CommandLine).value == "help"
        await pilot.press("escape", "colon", "q", "enter")
        await until(pilot, lambda: app._exit)


async def test_a_typed_server_term_waits_for_a_pause_or_enter(start_local_sandbox, monkeypatch):
    """`since:2` then `since:2h` must not fetch per key: only after typing pauses, or enter."""
    monkeypatch.setattr("roma_tui.ui.views.TYPING_PAUSE", 600.0)  # no pause in this test
    server = await start_local_sandbox(seed_demo=30, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 30)
        store = app.main_screen.session.store
        await pilot.press("slash", *"status:failed")
        await pilot.pause(0.3)
        assert store.query.status is None and len(shown(app)) >= 30
        await pilot.press("enter")
        await until(
            pilot,
            lambda: (
                store.query.status == "failed"
                and shown(app)
                and all(store.get(i).status == "failed" for i in shown(app))
            ),
        )
