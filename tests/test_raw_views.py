"""Raw views and copying: the server's JSON of a run, find in it, the clipboard, the pager,
the `enter` viewer's goal and a cancelled run's reason. Pilot against the real sandbox, or
fixed data where the server is beside the point (a 5 MB answer). The sandbox answers in process
(`start_local_sandbox`), except for the server-gone test: over real loopback HTTP, end to end."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import UTC, datetime

from textual.app import App, ComposeResult
from textual.widgets import Static

from conftest import KEY
from console_helpers import SIZE, app_for, shown, until
from roma_tui.api import Execution, RomaClient
from roma_tui.ui.clipboard import OSC52_LIMIT, page
from roma_tui.ui.raw_view import RawJsonView, execution_json
from roma_tui.ui.status_pane import describe, whole_text
from roma_tui.ui.text_lines import TextLines
from roma_tui.ui.viewer import TextViewer

TIP = "tmux set -g set-clipboard on"


def flash_text(app) -> str:
    return str(app.main_screen.query_one("#flash").render())


def note(app) -> str:
    return str(app.screen.query_one("#raw-note").render())


def tap_requests(app) -> list[str]:
    """Every request the console's client sends from now on, as "GET /path"."""
    client = app.main_screen.session.client
    seen: list[str] = []
    counted = client._on_send  # the planner's count: kept, so the tap changes nothing

    def tap(method: str, path: str) -> None:
        seen.append(f"{method} {path}")
        if counted is not None:
            counted(method, path)

    client._on_send = tap
    return seen


async def test_r_shows_the_servers_json_inert_and_reads_a_finished_run_once(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=20, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 20)
        store = app.main_screen.session.store
        tricky = next(i for i in shown(app) if "ANSI" in store.get(i).initial_goal)
        assert store.get(tricky).is_finished
        app.main_screen.table.keep_cursor_on(tricky)
        await pilot.pause(0.5)  # the focus settles (a finished run's status is not fetched)
        planner = app.main_screen.session.planner
        sent_before, requests = planner.sent, tap_requests(app)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RawJsonView))
        assert requests.count(f"GET /api/v1/executions/{tricky}") == 1
        assert planner.sent > sent_before  # counted like every request
        view = app.screen
        body = json.loads(view.document)
        assert body["execution_id"] == tricky and body["status"] == store.get(tricky).status
        assert "[bold]markup[/bold]" in view.document  # markup is text, never applied
        painted = "\n".join(str(view.lines.render_line(y).text) for y in range(30))
        assert "\x1b" not in view.document + painted and "[bold]markup[/bold]" in painted
        title = str(view.query_one("#raw-title").render())
        assert f"GET /executions/{tricky} · fetched at" in title and "lines" in title
        await pilot.press("escape")
        assert not isinstance(app.screen, RawJsonView)
        await pilot.press("r")  # a finished run: its answer is kept, nothing is sent again
        await until(pilot, lambda: isinstance(app.screen, RawJsonView))
        assert requests.count(f"GET /api/v1/executions/{tricky}") == 1
        assert "fetched before" in str(app.screen.query_one("#raw-title").render())


async def test_r_with_the_server_gone_shows_the_lists_row_and_says_so(start_sandbox):
    server = start_sandbox(seed_demo=10, time_scale=20)
    app = app_for(server.url)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 10)
        current = app.main_screen.table.current_id
        server.stop()
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RawJsonView), timeout=30)
        title = str(app.screen.query_one("#raw-title").render())
        assert f"{current} · the list's row (it could not be read: " in title
        assert json.loads(app.screen.document)["execution_id"] == current
        await pilot.press("escape", "Y")
        await until(pilot, lambda: app.clipboard.startswith("{"), timeout=30)
        assert json.loads(app.clipboard)["execution_id"] == current


async def test_find_highlights_matches_and_n_and_shift_n_walk_them(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=5, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RawJsonView))
        view = app.screen
        lines = view.lines
        expected = view.document.lower().count('"')  # every key and string has quotes
        await pilot.press("slash")
        await pilot.press(*'"', "enter")  # typed into the box: `n`, `q` would be too
        assert len(lines.matches) == expected and lines.current == 0
        assert f"Match 1 of {expected}" in note(app)
        await pilot.press("n", "n")
        assert lines.current == 2 and f"Match 3 of {expected}" in note(app)
        await pilot.press("N")
        assert lines.current == 1
        await pilot.press("N", "N")  # round the start, to the last
        assert lines.current == expected - 1
        # The current match is painted differently from the others on its row.
        line, column = lines.matches[lines.current]
        row = lines.row_of(line, column) - lines.scroll_offset.y
        strip = lines.render_line(row)
        styles = {seg.style for seg in strip if seg.text == '"'}
        assert len(styles) >= 2 or expected == 1
        await pilot.press("slash", *"zq", "enter")
        assert lines.matches == [] and "No match for 'zq'" in note(app)
        await pilot.press("slash")
        await pilot.press("q", "escape")  # `q` is typed into the box; esc leaves the box only
        assert isinstance(app.screen, RawJsonView) and lines.has_focus
        await pilot.press("escape")
        assert not isinstance(app.screen, RawJsonView)


class RawHost(App[None]):
    """The raw view alone, on fixed data."""

    def __init__(self, view: RawJsonView) -> None:
        super().__init__()
        self.view = view
        self.animation_level = "none"  # each scroll paints once, not once per frame

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.view)


class CountingLines(TextLines):
    painted = 0

    def render_line(self, y):
        CountingLines.painted += 1
        return super().render_line(y)


async def test_a_5_mb_answer_opens_paints_only_what_shows_and_finds_its_end(monkeypatch):
    # 5 MB: a result of one long line and 40,000 short ones, as a server might send.
    result = {"text": "x" * 3_000_000, "rows": [f"row {i:05d}" for i in range(40_000)]}
    result["rows"].append("the needle at the end")
    execution = Execution(execution_id="exec_big", status="completed", result=result)
    document = execution_json(execution)
    assert len(document) > 3_500_000
    monkeypatch.setattr("roma_tui.ui.raw_view.TextLines", CountingLines)
    CountingLines.painted = 0
    view = RawJsonView("exec_big", document, "fixed data")
    app = RawHost(view)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: view.is_mounted and view.lines.rows)
        lines = view.lines
        assert isinstance(lines, CountingLines)
        assert len(lines.lines) == document.count("\n") + 1
        assert len(lines.rows) > 40_000 + 3_000_000 // 100  # the long line is wrapped
        await pilot.press("end")
        await pilot.pause(0.1)
        await pilot.press("slash", *"NEEDLE", "enter")
        assert len(lines.matches) == 1
        line, _ = lines.matches[0]
        assert "the needle at the end" in lines.lines[line]
        top = lines.scroll_offset.y
        assert top <= lines.row_of(*lines.matches[0]) < top + lines.size.height
        # Painting follows the rows on screen, never the 70,000 rows of the document.
        assert CountingLines.painted < 30 * 20


async def test_y_and_shift_y_copy_by_osc52_and_say_where_it_may_be_blocked(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=5, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        current = app.main_screen.table.current_id
        await pilot.press("y")
        assert app.clipboard == current
        assert "Copied the run id" in flash_text(app) and TIP in flash_text(app)
        await pilot.press("Y")
        await until(pilot, lambda: app.clipboard.startswith("{"))
        assert json.loads(app.clipboard)["execution_id"] == current
        assert "Copied the run's JSON" in flash_text(app)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, RawJsonView))
        app.copy_to_clipboard("")
        await pilot.press("y")
        assert app.clipboard == current and TIP in note(app)
        await pilot.press("Y")
        assert app.clipboard == app.screen.document


async def test_a_json_too_big_for_osc52_is_not_copied_and_says_why():
    view = RawJsonView("exec_big", "x" * (OSC52_LIMIT + 1), "fixed data")
    app = RawHost(view)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: view.is_mounted)
        await pilot.press("Y")
        assert app.clipboard == "" and "Not copied" in note(app) and "pager" in note(app)


async def test_o_without_a_terminal_or_a_pager_says_so(start_local_sandbox, monkeypatch):
    server = await start_local_sandbox(seed_demo=5, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 5)
        monkeypatch.setenv("PAGER", sys.executable)
        await pilot.press("o")
        assert "no terminal to hand over" in flash_text(app)
        monkeypatch.setenv("PAGER", "no-such-pager-here --flag")
        await pilot.press("o")
        assert "'no-such-pager-here' is not installed" in flash_text(app)
        await pilot.press("enter")
        assert isinstance(app.screen, TextViewer)
        await pilot.press("o")
        assert "not installed" in str(app.screen.query_one("#viewer-note").render())


def test_the_pager_gets_the_text_cleaned_of_escapes(tmp_path, monkeypatch):
    """A real pager process (a script that keeps its input), with the console 'suspended'."""
    kept = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(f"import sys; open({str(kept)!r}, 'wb').write(sys.stdin.buffer.read())")
    monkeypatch.setenv("PAGER", f"{sys.executable} {script}")

    class Suspending:
        suspended = 0

        @contextmanager
        def suspend(self):
            self.suspended += 1
            yield

    host = Suspending()
    assert page(host, "result \x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07 done") is None  # type: ignore[arg-type]
    assert host.suspended == 1
    assert kept.read_text() == "result red  done"


# -- the `enter` viewer and the pane: the goal, and a cancelled run's reason ---------------------


def run(**fields) -> Execution:
    fields.setdefault("created_at", datetime(2026, 1, 1, tzinfo=UTC))
    return Execution(execution_id="exec_1", initial_goal="Find the cause", **fields)


def test_a_cancelled_run_shows_its_reason_not_an_empty_error_section():
    cancelled = run(status="cancelled", error="Cancelled by the user.")
    pane = describe(cancelled, None, palette={}, runaway_s=300).plain
    assert "Reason Cancelled by the user." in pane and "Error" not in pane
    viewer = whole_text(cancelled, None)
    assert "Goal:\nFind the cause" in viewer and "Reason:\nCancelled by the user." in viewer
    assert "Error" not in viewer
    for blank in ("", "   ", None):
        quiet = run(status="failed", error=blank)
        assert "Error" not in describe(quiet, None, palette={}, runaway_s=300).plain
        assert "Error" not in whole_text(quiet, None)
    failed = run(status="failed", error="boom", error_type="RecoveryError")
    assert "Error: RecoveryError" in describe(failed, None, palette={}, runaway_s=300).plain
    assert "Error:\nboom" in whole_text(failed, None)


async def test_enter_on_a_cancelled_run_shows_the_goal_and_the_reason(start_local_sandbox):
    server = await start_local_sandbox(time_scale=50)
    async with RomaClient(server.url, KEY, transport=server.transport) as client:
        created = await client.create_execution("Stop me, then read why")
        await client.cancel_execution(created.execution_id)
    app = app_for(server)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(shown(app)) == 1)
        pane = str(app.main_screen.query_one("#status-body").render())
        assert "Reason Cancelled by the user." in pane and "Error" not in pane
        await pilot.press("enter")
        assert isinstance(app.screen, TextViewer)
        text = app.screen.text
        assert "Goal:\nStop me, then read why" in text and "Reason:\nCancelled" in text
        assert "Error" not in text
