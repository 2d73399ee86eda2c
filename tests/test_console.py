"""The console, driven by Pilot against the real sandbox app.

Most tests reach it in process (`start_local_sandbox`: httpx.ASGITransport, no server thread);
the dead-server, connect and theme tests go over real loopback HTTP, end to end."""

from __future__ import annotations

import asyncio

import pytest

from conftest import KEY
from console_helpers import SIZE, app_for, paste, settled, shown, table, toasts, until
from roma_tui.api import RomaClient
from roma_tui.settings import Connection
from roma_tui.ui.app import RomaApp
from roma_tui.ui.confirm import ConfirmCancel
from roma_tui.ui.help import HelpScreen
from roma_tui.ui.new_run import NewExecutionForm
from roma_tui.ui.viewer import TextViewer


async def test_the_table_fills_the_pane_follows_and_filters_narrow_it(start_local_sandbox):
    """One console on 30 runs: the cursor and the pane, then filtering as you type (on the
    client), then a status quick filter (sent to the server)."""
    server = await start_local_sandbox(seed_demo=30, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 30)
        store = app.main_screen.session.store

        # The table fills and the status pane follows the cursor.
        first = table(app).current_id
        await pilot.press("down")
        second = table(app).current_id
        assert second != first
        pane = str(app.main_screen.query_one("#status-body").render())
        assert second in pane
        budget = str(app.main_screen.query_one("#budget").render())
        assert "budget" in budget and "live" in budget

        # Filter as you type; escape clears it.
        everything = len(shown(app))
        await pilot.press("slash")
        await pilot.press(*"lisbon")
        await until(pilot, lambda: 0 < len(shown(app)) < everything)
        rows = [store.get(i) for i in shown(app)]
        assert all("lisbon" in r.initial_goal.lower() for r in rows)
        await pilot.press("enter")
        assert table(app).has_focus
        await pilot.press("slash", "escape")
        await until(pilot, lambda: len(shown(app)) == everything)

        # A status quick filter goes to the server.
        await pilot.press("4")  # quick filter: failed
        await until(
            pilot,
            lambda: (
                store.query.status == "failed"
                and shown(app)
                and all(store.get(i).status == "failed" for i in shown(app))
            ),
        )
        await pilot.press("1")
        await until(pilot, lambda: store.query.status is None and len(shown(app)) >= 30)


async def test_cancel_asks_first_and_n_sends_nothing(start_local_sandbox):
    server = await start_local_sandbox(time_scale=50)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.main_screen.session.store is not None)
        await pilot.press("n")
        assert isinstance(app.screen, NewExecutionForm)
        await paste(pilot, "Runaway research")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(shown(app)) == 1)
        run_id = shown(app)[0]
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmCancel)
        assert app.screen.executions[0].execution_id == run_id
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmCancel)
        await settled(pilot)
        assert app.main_screen.session.store.get(run_id).status == "running"
        assert server.api.engine.storage.get(run_id).status == "running"  # nothing was sent
        await pilot.press("c")
        await pilot.press("enter")  # the focused button is the safe one
        await settled(pilot)
        assert app.main_screen.session.store.get(run_id).status == "running"
        assert server.api.engine.storage.get(run_id).status == "running"
        await pilot.press("c", "y")
        await until(pilot, lambda: app.main_screen.session.store.get(run_id).status == "cancelled")
        entries = app.main_screen.session.actions.recent()
        assert entries[-1].execution_id == run_id and entries[-1].outcome == "cancelled"


async def test_bulk_cancel_of_marked_runs(start_local_sandbox):
    server = await start_local_sandbox(time_scale=50)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        monitor = app.main_screen.session.monitor
        for goal in ("one", "two", "three"):
            await monitor.create(goal)
        app.main_screen.render_rows()
        await until(pilot, lambda: len(shown(app)) == 3)
        table(app).move_cursor(row=0)
        await pilot.press("space", "space")
        assert len(app.main_screen.session.selection.marked) == 2
        await pilot.press("C")
        assert isinstance(app.screen, ConfirmCancel) and len(app.screen.executions) == 2
        await pilot.press("y")
        store = app.main_screen.session.store
        await until(
            pilot,
            lambda: (
                sorted(store.get(i).status for i in shown(app))
                == ["cancelled", "cancelled", "running"]
            ),
        )
        said = lambda: app.main_screen.query_one("#flash").text  # noqa: E731
        assert "Cancel: 2 sent, 2 cancelled (L: log)" in said()
        # One run that ended already and one still running: "done" would claim two cancels.
        table(app).move_cursor(row=0)
        await pilot.press("space", "space", "space")  # all three: two of them are cancelled
        await pilot.press("C", "y")
        await until(pilot, lambda: "1 cancelled, 2 had already ended" in said())


async def test_new_run_form_validates_before_sending(start_local_sandbox):
    server = await start_local_sandbox(time_scale=50)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.press("ctrl+s")  # empty goal
        error = str(app.screen.query_one("#form-error").render())
        assert "must not be empty" in error
        await pilot.press(*"A [bold]goal[/bold]")
        app.screen.query_one("#depth").value = "12"
        await pilot.press("ctrl+s")
        assert "max_depth" in str(app.screen.query_one("#form-error").render())
        app.screen.query_one("#depth").value = "2"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(shown(app)) == 1)
        created = app.main_screen.session.store.get(shown(app)[0])
        assert created.initial_goal == "A [bold]goal[/bold]" and created.max_depth == 2
        assert table(app).current_id == created.execution_id


async def test_markup_and_escapes_from_the_server_are_shown_as_text(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=20, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 20)
        store = app.main_screen.session.store
        tricky = next(i for i in shown(app) if "ANSI" in store.get(i).initial_goal)
        table(app).keep_cursor_on(tricky)
        await pilot.pause(0.1)
        pane = str(app.main_screen.query_one("#status-body").render())
        assert "[bold]markup[/bold]" in pane and "\x1b" not in pane
        svg = app.export_screenshot()
        assert "[bold]markup[/bold]" in svg.replace("&#160;", " ")


async def test_a_dead_server_keeps_the_last_data_and_says_so(start_sandbox):
    server = start_sandbox(seed_demo=10, time_scale=20)
    app = app_for(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 10)
        before = list(shown(app))
        server.stop()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.main_screen.last_error is not None)
        assert "Cannot connect" in app.main_screen.last_error
        assert shown(app) == before  # the last good data stays
        await pilot.pause(0.2)
        assert "stale" in str(app.main_screen.query_one("#budget").render())


async def test_the_cursor_stays_on_its_run_when_rows_arrive(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=10, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 10)
        table(app).move_cursor(row=4)
        watched = table(app).current_id
        for goal in ("new one", "new two"):
            await app.main_screen.session.client.create_execution(goal)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(shown(app)) >= 12)
        assert table(app).current_id == watched
        assert table(app).cursor_row == 6


async def test_sort_cycles_columns_and_reverses(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=15, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 15)
        store = app.main_screen.session.store
        seen = []
        while app.main_screen.sort_column != "id":
            await pilot.press("s")
            seen.append(app.main_screen.sort_column)
        assert len(seen) == len(set(seen)) > 1  # s walks through the columns
        ids = shown(app)
        assert ids == sorted(ids, reverse=True)
        await pilot.press("S")
        assert shown(app) == sorted(ids)
        await pilot.press("s")  # status: sorted by the server
        await until(pilot, lambda: store.query.sort == "status" and len(shown(app)) >= 15)
        statuses = [store.get(i).status.value for i in shown(app)]
        assert statuses == sorted(statuses, reverse=True)


async def test_enter_and_help_show_what_they_should_and_never_the_api_key(start_local_sandbox):
    """`enter` shows the whole result, `?` lists the keys; the API key is on no screen (the
    table, the help, the action log)."""
    server = await start_local_sandbox(seed_demo=10, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 10)
        await asyncio.sleep(0.05)
        assert KEY not in app.export_screenshot(), "the API key is on the main screen"
        await pilot.press("enter")
        assert isinstance(app.screen, TextViewer)
        assert app.screen.text.startswith(table(app).current_id)
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        descriptions = [d for _, d in app.screen.rows]
        assert "Cancel" in descriptions and "Filter" in descriptions
        await asyncio.sleep(0.05)
        assert KEY not in app.export_screenshot(), "the API key is on the help screen"
        await pilot.press("escape", "L")
        await asyncio.sleep(0.05)
        assert KEY not in app.export_screenshot(), "the API key is in the action log"


@pytest.mark.parametrize("theme", ["roma-light", "roma-high-contrast"])
async def test_themes_load_from_data_files(start_local_sandbox, theme):
    import tomllib
    from pathlib import Path

    from roma_tui.ui.themes import STATUS_DEFAULTS

    data = tomllib.loads((Path(__file__).parents[1] / "themes" / f"{theme}.toml").read_text())
    failed = data["variables"]["status-failed"]
    assert failed.lower() != STATUS_DEFAULTS["status-failed"].lower()  # else this proves nothing
    server = await start_local_sandbox(seed_demo=3)
    app = app_for(server, theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 3)
        assert app.theme == theme
        # The theme's own colour, not the default every palette starts from.
        assert app.palette["status-failed"].lower() == failed.lower()


async def test_connect_screen_checks_the_key_then_stores_it(sandbox, memory_keyring):
    from roma_tui.settings import load_config
    from roma_tui.ui.connect import ConnectScreen

    app = RomaApp(None, connect_profile="local", connect_url=sandbox.url)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ConnectScreen)
        await pilot.press(*"wrong-key", "enter")
        await until(
            pilot,
            lambda: "Could not connect" in str(app.screen.query_one("#connect-error").render()),
        )
        message = str(app.screen.query_one("#connect-error").render())
        assert "API key was refused" in message and "req_" in message
        assert memory_keyring.store == {}
        app.screen.query_one("#key").value = KEY
        await pilot.press("enter")
        await until(pilot, lambda: app.main_screen is not None and app.screen is app.main_screen)
    assert memory_keyring.store == {("roma-tui", "local"): KEY}
    config = load_config()
    assert config.active_profile == "local" and config.profiles["local"].base_url == sandbox.url
    assert KEY not in config.path.read_text()


async def test_the_chosen_theme_is_remembered(sandbox):
    from roma_tui.settings import Profile as StoredProfile
    from roma_tui.settings import load_config, save_profile

    save_profile(StoredProfile(name="test", base_url=sandbox.url))
    connection = Connection(
        StoredProfile(name="test", base_url=sandbox.url), sandbox.url, KEY, "test", "test"
    )
    app = RomaApp(connection)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        app.theme = "roma-high-contrast"
        await pilot.pause(0.2)
    assert load_config().profiles["test"].theme == "roma-high-contrast"


async def test_a_failed_create_keeps_the_form(start_local_sandbox):
    server = await start_local_sandbox(time_scale=50, max_running_per_key=1)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await app.main_screen.session.monitor.create("the one allowed run")
        await pilot.press("n")
        await paste(pilot, "second run")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.main_screen.unsent is not None)
        await pilot.press("n")
        assert isinstance(app.screen, NewExecutionForm)
        assert app.screen.query_one("#goal").text == "second run"


async def test_paging_is_lazy_as_the_cursor_nears_the_end(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=120, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) == 50)  # one page of 50
        assert app.main_screen.session.store.has_more
        await pilot.press("end")
        await until(pilot, lambda: len(shown(app)) == 100)
        await pilot.press("end")
        await until(pilot, lambda: len(shown(app)) == 120)
        assert len(set(shown(app))) == 120 and not app.main_screen.session.store.has_more


async def test_a_watched_run_that_finishes_gets_a_toast(start_local_sandbox):
    server = await start_local_sandbox(time_scale=0.05, rate_limit="100000/hour")
    app = app_for(server, poll_interval=0.3)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("n")
        await paste(pilot, "Tell me [b]when[/b] you are done")
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: any(t.startswith("Run completed\n") for t in toasts(app)),
            timeout=15,
        )
        done = next(t for t in toasts(app) if t.startswith("Run completed\n"))
        # the goal in the toast is shown as typed: text, never markup
        assert "[b]when[/b]" in done


async def test_a_dead_server_recovers_by_itself(start_sandbox, tmp_path):
    db = tmp_path / "recover.db"
    server = start_sandbox(seed_demo=5, db=db, rate_limit="100000/hour")
    port = server.port
    app = app_for(server.url, poll_interval=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        server.stop()
        await until(pilot, lambda: app.main_screen.last_error is not None, timeout=15)
        assert "stale" in str(app.main_screen.query_one("#budget").render())
        start_sandbox(db=db, port=port, rate_limit="100000/hour")
        await until(pilot, lambda: app.main_screen.last_error is None, timeout=20)
        assert "live" in str(app.main_screen.query_one("#budget").render())
        assert len(shown(app)) >= 5


async def test_a_429_says_when_the_budget_resets_and_cancel_still_works(start_local_sandbox):
    server = await start_local_sandbox(rate_limit="14/hour", time_scale=50)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await paste(pilot, "Keep me running")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(shown(app)) == 1)
        planner = app.main_screen.session.planner
        # Polling stops at the reserve (10): what is left is the user's.
        await until(pilot, lambda: planner.view().remaining is not None)
        assert planner.plan(app.main_screen.on_screen()).reason in (
            "budget",
            "reserve kept until the reset",
        )
        await pilot.press("c", "y")
        run_id = shown(app)[0]
        await until(pilot, lambda: app.main_screen.session.store.get(run_id).status == "cancelled")
        # Another client on the same key spends the rest: our next request meets a 429.
        from roma_tui.api import RateLimitError

        other = RomaClient(server.url, KEY, max_retry_wait=0, transport=server.transport)
        async with other:
            with pytest.raises(RateLimitError):
                for _ in range(20):
                    await other.list_executions(limit=1)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.main_screen.last_error is not None)
        assert "Rate limit" in app.main_screen.last_error
        assert "resets at" in app.main_screen.last_error
        bar = str(app.main_screen.query_one("#budget").render())
        assert "stale since" in bar and "budget 0/14" in bar and "resets" in bar


async def test_user_themes_load_and_a_broken_one_is_skipped(start_local_sandbox, isolated_home):
    from roma_tui.settings import config_dir

    themes = config_dir() / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text(
        'name = "mine"\nprimary = "#112233"\n[variables]\nstatus-failed = "#ff00ff"\n'
    )
    (themes / "broken.toml").write_text("name = [unclosed\n")
    server = await start_local_sandbox(seed_demo=3)
    app = app_for(server, theme="mine")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 3)
        assert app.theme == "mine" and app.palette["status-failed"] == "#ff00ff"
        await until(pilot, lambda: any("broken.toml" in t for t in toasts(app)))


async def test_a_200_kb_result_is_cut_in_the_pane_and_whole_in_the_viewer(start_local_sandbox):
    from roma_tui.api import Execution

    server = await start_local_sandbox()
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        # After the first poll (an empty list), so that no refresh removes the row we add.
        await until(pilot, lambda: app.main_screen.session.planner.view().remaining is not None)
        big = "r" * 200_000
        store = app.main_screen.session.store
        store.add_created(
            Execution(
                execution_id="exec_big0000000000000",
                status="completed",
                initial_goal="big",
                result=big,
            )
        )
        app.main_screen.render_rows()
        app.main_screen.table.keep_cursor_on("exec_big0000000000000")
        await pilot.pause(0.1)
        pane = str(app.main_screen.query_one("#status-body").render())
        assert "enter shows all" in pane and len(pane) < 30_000
        await pilot.press("enter")
        assert isinstance(app.screen, TextViewer) and big in app.screen.text
