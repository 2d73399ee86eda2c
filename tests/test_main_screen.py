"""The main screen's own state: read-only flipped from the palette, a theme change repainting."""

from __future__ import annotations

from textual.color import Color

from conftest import KEY
from console_helpers import until
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp

SIZE = (160, 48)


def app_for(server) -> RomaApp:
    """The console on one profile, talking to the in-process sandbox (`start_local_sandbox`)."""
    url = server.url
    connection = Connection(Profile(name="test", base_url=url), url, KEY, "test", "test")
    return RomaApp(connection, remember_choices=False, transport=server.transport)


def budget(app: RomaApp) -> str:
    return str(app.main_screen.query_one("#budget").render())


async def test_a_theme_change_repaints_the_pane_in_the_new_colours(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=12)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.main_screen.table.shown_ids) >= 12)
        store = app.main_screen.session.store
        # A finished run: the once-a-second tick leaves its pane alone, only the theme repaints.
        done = next(e for e in store.rows() if e.status.value == "completed")
        app.main_screen.table.keep_cursor_on(done.execution_id)
        await pilot.pause(0.1)

        def pane_colours() -> set[Color]:
            content = app.main_screen.query_one("#status-body").render()
            return {s.style.foreground for s in content.spans if s.style.foreground is not None}

        assert Color.parse(app.palette["status-completed"]) in pane_colours()
        app.theme = "roma-light"
        await pilot.pause(0.2)
        light = Color.parse(app.palette["status-completed"])
        assert light in pane_colours()
