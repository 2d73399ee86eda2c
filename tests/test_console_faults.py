"""The console under real faults: a refused key, a URL that is not a ROMA API, a broken cache,
a small terminal, NO_COLOR. The faulty servers are real (loopback HTTP) and count the requests
they get; the sandbox answers in process (`start_local_sandbox`)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import KEY
from console_helpers import app_for, paste, shown, toasts, until
from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp


@pytest.fixture
def counting_server():
    """A loopback server answering every request the same way; it counts what it gets."""
    started = []

    def start(status: int, body: bytes, content_type: str):
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll: shutdown() waits for it (0.5 s by default, at every teardown).
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        started.append(server)
        return f"http://127.0.0.1:{server.server_port}", hits

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def _app(url: str, key: str = "wrong") -> RomaApp:
    connection = Connection(Profile(name="work", base_url=url), url, key, "test", "test")
    return RomaApp(connection, remember_choices=False)


async def _browse(pilot, seconds: float) -> None:
    """Move about as a person waiting would (each move used to ask for another page)."""
    for _ in range(int(seconds / 0.25)):
        await pilot.press("down", "G", "g")
        await pilot.pause(0.25)


async def test_a_refused_key_stops_polling_and_says_what_to_do(counting_server):
    url, hits = counting_server(
        401, b'{"error": {"code": "unauthorized", "message": "bad"}}', "application/json"
    )
    app = _app(url)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _browse(pilot, 1.0)
        assert len(hits) == 1  # not 16 a second
        flash = str(app.main_screen.query_one("#flash").render())
        assert "roma-tui login --profile work" in flash and "ROMA_API_KEY" in flash
        assert "stopped (401)" in str(app.main_screen.query_one("#budget").render())
        assert not toasts(app)  # said in one place, not as toasts
        await pilot.press("ctrl+r")  # the user may try again, once per press
        await until(pilot, lambda: len(hits) == 2)
        await _browse(pilot, 0.5)
        assert len(hits) == 2
        assert "×2" in str(app.main_screen.query_one("#flash").render())


async def test_a_url_that_is_not_a_roma_api_is_named_and_left_alone(counting_server):
    url, hits = counting_server(200, b"<html><h1>Directory listing</h1></html>", "text/html")
    app = _app(url, key=KEY)
    async with app.run_test(size=(120, 40)) as pilot:
        await _browse(pilot, 1.0)
        assert len(hits) == 1
        assert f"{url} does not look like a ROMA API" in app.main_screen.last_error
        view = app.main_screen.session.planner.view()
        assert view.next_poll_at - view.stale_since >= 60  # backs off a minute, not a loop


async def test_a_404_on_the_list_route_is_not_a_roma_api(counting_server):
    url, hits = counting_server(404, b'{"detail": "Not Found"}', "application/json")
    app = _app(url, key=KEY)
    async with app.run_test(size=(120, 40)) as pilot:
        await _browse(pilot, 1.0)
        assert len(hits) == 1
        assert "does not look like a ROMA API" in app.main_screen.last_error


async def test_a_cache_that_cannot_be_written_does_not_stop_the_poll(
    start_local_sandbox, isolated_home
):
    from roma_tui.settings import cache_dir

    cache_dir().parent.mkdir(parents=True, exist_ok=True)
    cache_dir().write_text("a file where the cache folder should be")
    server = await start_local_sandbox(seed_demo=6, rate_limit="100000/hour")
    app = app_for(server, poll_interval=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 6)
        planner = app.main_screen.session.planner
        for _ in range(3):  # finished runs are opened through the cache
            await pilot.press("down")
            await pilot.pause(0.5)
        sent = planner.view().sent
        await until(pilot, lambda: planner.view().sent >= sent + 2)  # still polling
        assert app.main_screen.last_error is None


async def test_the_pane_shows_the_latest_state_when_the_run_ends_elsewhere(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=3, rate_limit="100000/hour", time_scale=0.08)
    app = app_for(server, poll_interval=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await paste(pilot, "finish while I look away")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(shown(app)) >= 4)
        screen = app.main_screen
        run_id = screen.table.current_id
        await until(
            pilot, lambda: run_id in screen.session.store.statuses
        )  # a running status with a step
        await pilot.press("down")
        await until(pilot, lambda: screen.session.store.get(run_id).is_finished, timeout=20)
        await pilot.press("g")
        assert screen.table.current_id == run_id
        pane = str(screen.query_one("#status-body").render())
        state = screen.session.store.get(run_id).status.value
        assert state in pane and "running" not in pane and "Step" not in pane


async def test_at_80x24_the_table_keeps_most_rows_and_the_last_row_is_visible(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=40, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 40)
        table = app.main_screen.table
        assert table.rows_on_screen >= 6
        await pilot.press("G")
        await pilot.pause(0.2)
        last = table.current_id
        assert last in table.visible_ids()  # not under the horizontal scrollbar
        screen_text = app.export_screenshot()
        assert last in screen_text
        await pilot.press("p")  # the pane folds away: more rows
        await pilot.pause(0.2)
        assert table.rows_on_screen >= 14


async def test_no_color_paints_the_console(start_local_sandbox, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    server = await start_local_sandbox(seed_demo=5, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        assert shown(app)[0] in app.export_screenshot()
        first = shown(app)[0]
        await pilot.press("d")  # the DAG canvas paints through the same filter
        await until(pilot, lambda: bool(app.screen.query("#dag")))
        await pilot.pause(0.5)
        assert first in app.export_screenshot()


async def test_keys_right_after_q_do_nothing(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=3, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 3)
        app.exit()
        for action in ("new", "dag", "cancel"):
            assert await app.run_action(action, app.main_screen)
        assert app.screen is app.main_screen  # no screen was opened on the way out
