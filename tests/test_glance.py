"""The main screen at a glance (issue 12): the header line, the flash line, read-only that
stays on, columns that fit the window, the pane from the keyboard, j/k and sideways paging.

Pilot against the real sandbox app in process (`start_local_sandbox`), at 120x40 and 80x24;
the header test goes over real loopback HTTP, end to end.
"""

from __future__ import annotations

import re

from conftest import KEY, READ_ONLY_KEY
from console_helpers import app_for, footer_keys, paste, shown, until
from roma_tui.api import RomaClient
from roma_tui.settings import Connection, Profile, load_config, save_profile
from roma_tui.ui import flash as flash_line
from roma_tui.ui.app import RomaApp
from roma_tui.ui.column_chooser import ColumnChooser
from roma_tui.ui.confirm import ConfirmCancel

WIDE = (120, 40)
SMALL = (80, 24)


def header(app: RomaApp) -> str:
    return app.main_screen.query_one("#header").text


def flash(app: RomaApp) -> str:
    return app.main_screen.query_one("#flash").text


def toasts(app: RomaApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def budget(app: RomaApp) -> str:
    return str(app.main_screen.query_one("#budget").render())


def screen_text(app: RomaApp) -> str:
    return app.export_screenshot().replace("&#160;", " ")


# -- the header line ---------------------------------------------------------------------------


async def test_the_header_says_profile_runs_of_total_filter_and_sort(start_sandbox):
    server = start_sandbox(seed_demo=30, time_scale=20)
    app = app_for(server.url)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 30)
        store = app.main_screen.session.store
        line = header(app)
        assert "test" in line and server.url in line
        assert f"{len(shown(app))} of {store.total} runs" in line
        assert "no filter" in line and "sort Created ▼ (server)" in line
        await pilot.press("slash")
        await paste(pilot, "lisbon")
        await pilot.press("enter")
        await until(pilot, lambda: "filter lisbon" in header(app))
        assert f"{len(shown(app))} of {store.total} runs" in header(app)
        assert len(shown(app)) < store.total
        assert "columns hidden" not in header(app)  # every column fits at 120


def runs_in_header(app: RomaApp) -> tuple[int, int]:
    found = re.search(r"(\d+) of (\d+) runs", header(app))
    assert found, header(app)
    return int(found[1]), int(found[2])


async def test_a_run_made_here_counts_in_the_total_until_a_list_shows_it(start_local_sandbox):
    # Slow time: the new run stays pending or running, so the completed view never lists it.
    server = await start_local_sandbox(seed_demo=6, time_scale=0.05)
    app = app_for(server)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("3")  # status:completed, on the server
        store = app.main_screen.session.store
        await until(pilot, lambda: store.query.status == "completed" and store.total is not None)
        await until(pilot, lambda: runs_in_header(app)[0] == store.total > 0)
        before = store.total
        await pilot.press("n")
        await paste(pilot, "one more")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(shown(app)) == before + 1)
        # Never more runs shown than the total says: the new one counts while no list has it.
        assert runs_in_header(app) == (before + 1, before + 1)
        sent = app.main_screen.session.planner.view().sent
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.main_screen.session.planner.view().sent > sent)
        await pilot.pause(0.2)
        assert store.unlisted_created == 1 and runs_in_header(app) == (before + 1, before + 1)


async def test_the_header_says_no_runs_loaded_when_the_first_list_failed():
    url = "http://127.0.0.1:9"  # nothing listens
    app = RomaApp(Connection(Profile(name="t", base_url=url), url, KEY, "", "t"))
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.main_screen is not None and app.main_screen.last_error)
        await pilot.pause()
        assert "no runs loaded" in header(app) and "loading" not in header(app)


async def test_s_first_sorts_by_a_column_on_screen_and_the_header_says_it(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=15, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 15)
        table = app.main_screen.table
        await pilot.press("s")
        column = app.main_screen.sort_column
        assert column in table.columns_on_screen and column != "created"
        label = {"duration": "Duration", "progress": "Progress"}[column]
        assert f"sort {label} ▼" in header(app)
        assert f"{label} ▼" in screen_text(app)  # the column's own header carries the arrow
        await pilot.press("S")
        assert f"sort {label} ▲" in header(app)
        assert not any("Sorted" in t for t in toasts(app))  # no toast: the header says it


async def test_ascii_arrows_and_no_arrow_on_other_columns(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=5, time_scale=20)
    connection = Connection(
        Profile(name="test", base_url=server.url), server.url, KEY, "test", "test"
    )
    app = RomaApp(connection, ascii=True, remember_choices=False, transport=server.transport)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        assert "sort Created v" in header(app)
        cells = [c.plain for c in app.main_screen.table.header_cells()]
        assert "Created v" in cells and sum(("v" in c[-2:]) for c in cells) == 1


# -- the flash line ----------------------------------------------------------------------------


async def test_notices_go_to_the_flash_line_not_toasts(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=5, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        await pilot.press("C")  # nothing is marked
        assert "No marked runs" in flash(app)
        await pilot.press("C")
        assert "×2 No marked runs" in flash(app)  # the same notice counts up
        await pilot.press("slash")
        await paste(pilot, "status:bogus")
        await pilot.press("enter")
        assert "unknown status 'bogus'" in flash(app)
        assert toasts(app) == []


# -- read-only ---------------------------------------------------------------------------------


async def test_read_only_from_the_profile_cannot_be_turned_off_and_keys_say_why(
    start_local_sandbox,
):
    server = await start_local_sandbox(seed_demo=5)
    app = app_for(server, READ_ONLY_KEY, read_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        assert "READ-ONLY" in header(app)
        await pilot.press("c")
        assert app.screen is app.main_screen
        assert flash(app).endswith("read-only: cancel is off (set by profile test)")
        await pilot.press("n")
        assert "read-only: create is off" in flash(app)
        await pilot.pause(0.2)
        assert app.screen is app.main_screen, "a read-only key opened a screen"
        usable = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        assert "cancel" not in usable and "new" not in usable and "refresh" in usable
        await until(pilot, lambda: "DAG" in footer_keys(app))  # the whole footer is up
        assert "Cancel" not in footer_keys(app) and "New" not in footer_keys(app)
        commands = [c.title for c in app.get_system_commands(app.main_screen)]
        assert "Toggle read-only" not in commands and "Columns" in commands
        app.toggle_read_only()  # forced (a stale palette entry, a script)
        assert app.main_screen.read_only
        assert "Read-only stays on: it was set by profile test" in flash(app)


async def test_read_only_from_the_flag_is_named_and_typing_in_the_filter_is_not_refused(
    start_local_sandbox,
):
    server = await start_local_sandbox(seed_demo=5)
    connection = Connection(
        Profile(name="test", base_url=server.url), server.url, KEY, "test", "test"
    )
    app = RomaApp(connection, read_only=True, remember_choices=False, transport=server.transport)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        await pilot.press("C")
        assert "read-only: cancel is off (set by --read-only)" in flash(app)
        await pilot.press("slash", *"cancel")
        assert app.main_screen.query_one("#filter").value == "cancel"


async def test_read_only_from_the_palette_turns_off_again_and_the_bars_follow(start_local_sandbox):
    server = await start_local_sandbox(time_scale=50)
    app = app_for(server)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.main_screen is not None)
        await app.main_screen.session.monitor.create("Runaway research")
        app.main_screen.render_rows()
        await until(pilot, lambda: len(shown(app)) == 1)
        assert "READ-ONLY" not in budget(app)
        await until(pilot, lambda: "Cancel" in footer_keys(app))
        app.toggle_read_only()
        await pilot.pause(0.1)
        assert "READ-ONLY" in header(app) and "Read-only on" in flash(app)
        assert "READ-ONLY" in budget(app)
        await until(pilot, lambda: "DAG" in footer_keys(app) and "Cancel" not in footer_keys(app))
        await pilot.press("c")
        assert app.screen is app.main_screen  # no way to cancel
        assert "turned on from the command palette" in flash(app)
        app.toggle_read_only()
        await pilot.pause(0.1)
        assert "READ-ONLY" not in header(app) and "READ-ONLY" not in budget(app)
        await until(pilot, lambda: "Cancel" in footer_keys(app))
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmCancel)


# -- columns -----------------------------------------------------------------------------------


async def test_at_120_columns_created_duration_progress_show_and_goal_takes_the_rest(
    start_local_sandbox,
):
    server = await start_local_sandbox(seed_demo=20, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 20)
        table = app.main_screen.table
        on_screen = table.columns_on_screen
        assert {"created", "duration", "progress", "goal", "status"} <= set(on_screen)
        widths = dict((c.key, w) for c, w in table.fitted)
        assert sum(w + 1 for w in widths.values()) == table.scrollable_content_region.width
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no scroll
        # Status: as wide as its longest label shown.
        paint = app.main_screen.paint
        rows = [app.main_screen.session.store.get(i) for i in shown(app)]
        assert widths["status"] == paint.status_width(rows) < 22
        await pilot.resize_terminal(200, 40)
        await pilot.pause(0.2)
        wider = dict((c.key, w) for c, w in table.fitted)
        assert wider["goal"] == widths["goal"] + 80 and wider["goal"] > 50


async def test_at_80x24_columns_that_do_not_fit_are_dropped_and_the_header_says_so(
    start_local_sandbox,
):
    server = await start_local_sandbox(seed_demo=20, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 20)
        table = app.main_screen.table
        assert {"id", "status", "goal", "created"} <= set(table.columns_on_screen)
        dropped = 9 - len(table.columns_on_screen)
        # The header fits 80 columns: the URL gives way, the rest is said shortly.
        assert dropped > 0 and header(app).endswith(f"+{dropped} cols (w)")
        assert "127.0.0.1" not in header(app) and "test" in header(app)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.press("w")
        assert len(table.columns_on_screen) == 9 and "WIDE" in header(app)
        assert table.virtual_size.width > table.scrollable_content_region.width
        await pilot.press("l")
        page = table.scrollable_content_region.width - 4
        await pilot.pause(0.1)
        assert table.scroll_x == min(page, table.max_scroll_x)
        await pilot.press("h")
        await pilot.pause(0.1)
        assert table.scroll_x == 0
        await pilot.press("w")
        assert "WIDE" not in header(app)


async def test_the_column_chooser_hides_a_column_and_remembers_it_per_profile(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=5, time_scale=20)
    save_profile(Profile(name="test", base_url=server.url))
    connection = Connection(
        Profile(name="test", base_url=server.url), server.url, KEY, "test", "test"
    )
    app = RomaApp(connection, transport=server.transport)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        await pilot.press("O")
        assert isinstance(app.screen, ColumnChooser)
        # goal, profile, depth: the third is Depth; untick it and keep.
        await pilot.press("down", "down", "space", "enter")
        await until(pilot, lambda: app.screen is app.main_screen)
        assert "depth" not in app.main_screen.table.columns_on_screen
        assert "Depth" not in screen_text(app)
    assert load_config().profiles["test"].hidden_columns == ["depth"]
    # A new session of the profile starts without it.
    again = RomaApp(
        Connection(load_config().profiles["test"], server.url, KEY, "test", "test"),
        remember_choices=False,
        transport=server.transport,
    )
    async with again.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(again)) >= 5)
        assert "depth" not in again.main_screen.table.columns_on_screen


async def test_escape_leaves_the_columns_as_they_were(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=3, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 3)
        before = app.main_screen.table.columns_on_screen
        await pilot.press("O", "space", "escape")
        assert app.screen is app.main_screen
        assert app.main_screen.table.columns_on_screen == before


# -- the pane and moving -----------------------------------------------------------------------


async def test_the_pane_resizes_hides_and_is_remembered_across_a_profile_switch(
    start_local_sandbox,
):
    server = await start_local_sandbox(seed_demo=40, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SMALL) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 40)
        screen = app.main_screen
        table, pane = screen.table, screen.query_one("#status")
        rows, height = table.rows_on_screen, pane.outer_size.height
        assert rows >= 8  # at 80x24 the table keeps most rows
        await pilot.press("minus", "minus")
        await pilot.pause(0.1)
        assert pane.outer_size.height == height - 4 and table.rows_on_screen == rows + 4
        for _ in range(20):
            await pilot.press("plus")
        await pilot.pause(0.1)
        assert table.rows_on_screen >= 3  # the table keeps its header and some rows
        await pilot.press("p")
        await pilot.pause(0.1)
        assert not pane.display and table.rows_on_screen >= 16
        app.start(screen.session.connection)  # what a profile switch does
        await until(
            pilot,
            lambda: (
                app.main_screen is not screen
                and bool(app.main_screen.query("#executions"))
                and len(shown(app)) >= 40
            ),
        )
        assert not app.main_screen.query_one("#status").display


async def test_j_and_k_move_the_cursor(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=10, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 10)
        table = app.main_screen.table
        await pilot.press("j", "j", "j")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2


# -- fitting columns (no terminal) -------------------------------------------------------------


def test_fit_columns_gives_the_goal_the_rest_and_drops_columns_in_order():
    from roma_tui.ui.cells import OPTIONAL, fit_columns

    def fit(width, **kw):
        kw = {"status_width": 11, "goal_width": 90, "wide": False, **kw}
        return {c.key: w for c, w in fit_columns(OPTIONAL, width, **kw)}

    at_120 = fit(120)
    assert list(at_120) == [
        "mark", "id", "status", "goal", "profile", "depth", "created", "duration", "progress"
    ]  # fmt: skip
    assert sum(w + 1 for w in at_120.values()) == 120 and at_120["status"] == 11
    assert fit(200)["goal"] == at_120["goal"] + 80
    assert set(fit(80)) == {"mark", "id", "status", "goal", "created", "duration"}
    assert set(fit(40)) == {"mark", "id", "status", "goal"}  # never fewer than these
    assert fit(120, sort_key="duration")["duration"] == len("Duration ▼")
    wide = fit(80, wide=True)
    assert len(wide) == 9 and wide["goal"] == 90 and sum(w + 1 for w in wide.values()) > 80
    no_goal = {c.key for c, _ in fit_columns(("created",), 120, status_width=11, goal_width=0,
                                             wide=False)}  # fmt: skip
    assert no_goal == {"mark", "id", "status", "created"}


async def test_a_cancel_that_did_not_happen_stays_said_and_a_copy_is_a_notice_that_fades(
    start_local_sandbox, monkeypatch
):
    monkeypatch.setattr(flash_line, "NOTICE_SECONDS", 0.3)
    server = await start_local_sandbox(time_scale=0.05)
    async with RomaClient(server.url, KEY, transport=server.transport) as owner:
        run_id = (await owner.create_execution("keep me running")).execution_id
    app = app_for(server, READ_ONLY_KEY)  # this key may not cancel; the console learns it so
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: shown(app) == [run_id])
        await pilot.press("y")
        assert flash(app).startswith("ℹ Copied the run id")  # a notice, not an error
        await until(pilot, lambda: flash(app) == "")  # ... and it fades
        await pilot.press("c", "y")
        await until(pilot, lambda: flash(app).startswith("⚠ Cancel"))
        said = flash(app)
        assert run_id in said and "read-only" in said
        await pilot.pause(1.0)  # past a notice's time, and a poll or more
        assert flash(app) == said


async def test_a_filter_the_dead_server_cannot_list_leaves_the_last_list_on_screen(
    start_sandbox,
):
    server = start_sandbox(seed_demo=12, time_scale=20)
    app = app_for(server.url)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 12)
        store = app.main_screen.session.store
        # A filter whose server query moves with the clock: parsing it again is another query.
        await pilot.press("slash")
        await paste(pilot, "since:2h")
        await pilot.press("enter")
        await until(pilot, lambda: store.query.created_after is not None and store.total)
        await until(pilot, lambda: "filter since:2h" in header(app))  # listed, and said
        before, total, listed = list(shown(app)), store.total, store.query
        server.stop()  # the on-call moment: the server is down
        sent = app.main_screen.session.planner.view().sent
        await pilot.press("2")  # status:running
        await until(pilot, lambda: "Not applied" in flash(app))
        assert "status:running" in flash(app) and ".." not in flash(app)
        assert shown(app) == before and store.query == listed  # the last list, as it was
        assert f"{len(before)} of {total} runs" in header(app)
        assert app.main_screen.filter_box.value == "since:2h"  # the filter that was listed
        await pilot.pause(1.0)
        assert app.main_screen.session.planner.view().sent <= sent + 2  # one try, no loop
        main = app.main_screen
        main.set_sort(main.sort_column, desc=not main.sort_desc)  # oldest first: on the server
        await until(pilot, lambda: "the new sort" in flash(app))
        assert shown(app) == before and store.query.order == "desc" and main.sort_desc


def test_the_budget_line_never_shows_a_reset_that_has_passed_as_to_come():
    from datetime import UTC, datetime, timedelta

    from roma_tui.monitor.planner import BudgetView
    from roma_tui.ui.budget_bar import budget_line

    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def line(reset_at):
        view = BudgetView(40, 37, 10, reset_at, None, "budget", None, sent=3)
        return budget_line(view=view, error=None, read_only=False, palette={}, now=now.timestamp())

    ahead = line(now + timedelta(minutes=30)).plain
    assert "budget 37/40" in ahead and "resets" in ahead
    never = BudgetView(40, 37, 10, None, None, "backoff", now.timestamp(), answered=False)
    said = budget_line(view=never, error="x", read_only=False, palette={}, now=now.timestamp())
    assert "no answer yet" in said.plain and "stale" not in said.plain  # nothing went stale
    passed = line(now - timedelta(seconds=51)).plain
    assert "37/40" not in passed and "resets" not in passed
    assert "the next answer says what is left" in passed


async def test_the_cancel_dialog_never_calls_a_run_of_unknown_state_running():
    from textual.app import App

    from roma_tui.api import Execution

    paused = Execution(execution_id="exec_paused0000000000", status="paused", initial_goal="g")
    dialog = ConfirmCancel([paused])

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(dialog)

    async with Host().run_test(size=WIDE) as pilot:
        await until(pilot, lambda: dialog.is_mounted)
        text = " ".join(str(s.render()) for s in dialog.query("Static"))
        assert "unknown (paused)" in text and "leave them as they are" in text
        assert "running" not in text
