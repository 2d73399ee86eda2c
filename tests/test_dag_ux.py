"""The DAG explorer reads without colour and fits the terminal: fold and critical-path marks on the
nodes themselves, a one-line header, a footer of whole keys, a help that lists every key once.

Fixed data from the stand-in server of test_dag_truth (a ROMA-shaped run of eight tasks).
"""

from __future__ import annotations

from collections import Counter

import pytest
from rich.cells import cell_len
from textual.binding import Binding
from textual.filter import Monochrome, NoColor
from textual.geometry import Region
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from console_helpers import until
from roma_tui.dag import critical_path
from roma_tui.ui.dag_keys import MOVE_BINDINGS, SCREEN_BINDINGS
from roma_tui.ui.dag_view import GRAPH, TREE
from roma_tui.ui.help import HelpScreen
from test_dag_truth import StandIn, typed_dag
from test_dag_truth import open_dag as open_graph

# A failed run with something of every status: the header has the most to say.
MIXED = {"a": "failed", "b": "running", "b1": "pending", "b2": "running", "c": "pending"}


async def open_dag(pilot, app):
    """The DAG screen, its footer composed (it follows the bindings a frame later)."""
    screen = await open_graph(pilot, app)
    await until(pilot, lambda: list(screen.query(FooterKey)))
    return screen


def colourless(app) -> bool:
    """NO_COLOR really took: the app paints through a filter that drops colour."""
    return app.no_color and any(isinstance(f, (NoColor, Monochrome)) for f in app._filters)


def painted(view) -> list[str]:
    """The canvas as the terminal gets it (only what the view paints in its window)."""
    width, height = view.size
    strips = view.render_lines(Region(0, 0, width, height))
    return ["".join(segment.text for segment in strip) for strip in strips]


async def test_a_folded_node_says_how_much_it_hides_in_every_view():
    for ascii, mark in ((False, "⊞ +3"), (True, "[+3]")):
        app = StandIn("completed", typed_dag()).app(ascii=ascii)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_dag(pilot, app)
            view = screen.view
            assert mark not in "\n".join(painted(view))
            view.cursor = "b"  # the inner planner: three subtasks
            await pilot.press("z")
            await pilot.pause()
            assert "b1" not in view.dag_graph
            # on the box's top border, right above its label
            rows = painted(view)
            label = next(i for i, row in enumerate(rows) if "Research" in row)
            assert mark in rows[label - 1]
            assert rows[label - 1].count(mark) == 1
            for key, mode in (("0", None), ("t", TREE)):
                await pilot.press(key)
                if mode is not None:
                    assert view.mode == mode
                if view.mode == GRAPH:
                    continue  # `0` stays in the graph when it fits
                line = next(line for line in view.lines if line.node_id == "b")
                assert line.text.startswith(mark + " ")
                assert mark in "\n".join(painted(view))
            await pilot.press("z")  # unfolded: the mark goes
            await pilot.pause()
            assert "b1" in view.dag_graph
            assert mark not in "\n".join(painted(view))


@pytest.mark.parametrize(("ascii", "star", "border"), [(False, "★", "┏━★━"), (True, "!", "+=!=")])
async def test_the_critical_path_is_marked_by_glyphs_not_only_colour(
    monkeypatch, ascii, star, border
):
    monkeypatch.setenv("NO_COLOR", "1")
    app = StandIn("completed", typed_dag()).app(ascii=ascii)
    async with app.run_test(size=(120, 40)) as pilot:
        assert colourless(app)
        screen = await open_dag(pilot, app)
        view = screen.view
        assert star not in "\n".join(painted(view))
        await pilot.press("p")
        path = critical_path(view.dag_graph)
        assert len(path) >= 3 and set(path) == view.highlight
        text = "\n".join(painted(view))
        assert text.count(star) == len(path)  # one star a node, on its top border
        assert text.count(border) == len(path)  # on a heavy (ASCII "=") border
        await pilot.press("t")
        marked = {line.node_id for line in view.lines if line.text.startswith(star + " ")}
        assert marked == set(path)
        await pilot.press("p")  # unmarked: the stars go, in the tree too
        assert not any(line.text.startswith(star) for line in view.lines)


def header_line(screen) -> tuple[Static, str]:
    header = screen.query_one("#dag-header", Static)
    return header, str(header.render())


def footer_keys(screen) -> list[FooterKey]:
    return sorted(screen.query(FooterKey), key=lambda k: k.region.x)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_header_is_one_line_and_the_footer_shows_whole_keys(size):
    width = size[0]
    stand_in = StandIn("failed", typed_dag(MIXED))
    app = stand_in.app()
    async with app.run_test(size=size) as pilot:
        screen = await open_dag(pilot, app)
        screen.view.cursor = "b"
        await pilot.press("z")  # "folded away" makes the header longer still
        await pilot.pause()
        header, text = header_line(screen)
        assert "\n" not in text and cell_len(text) <= width, text
        assert header.region.height == 1
        # what matters stays at any width: the run, its status, the counts with their glyphs
        for must in ("exec_lisbon", "failed", "8 nodes", "✘ 1", "■", "folded"):
            assert must in text, (must, text)
        if width >= 120:
            assert "1 failed" in text and "2 pending" in text  # room for the words
        keys = footer_keys(screen)
        described = {
            b.description: b.key
            for b in [*MOVE_BINDINGS, *SCREEN_BINDINGS]
            if isinstance(b, Binding)
        }
        assert keys
        right = 0
        for key in keys:  # each key whole: inside the screen, after the one before, its word
            assert key.region.x >= right and key.region.right <= width, key.description
            assert key.region.width >= cell_len(key.key_display) + 1 + cell_len(key.description)
            assert key.description in described or key.action == "command_palette"
            right = key.region.right
        shown = {key.description for key in keys}
        assert {"Back", "Help", "Inspect", "Find"} <= shown  # the most useful never go
        if width >= 120:
            assert {"Failed", "Running", "Critical", "Fold", "Fit", "Tree"} <= shown
        else:
            assert len(shown) < len([b for b in SCREEN_BINDINGS if b.show])  # some gave way


async def test_the_header_and_footer_follow_a_resize():
    app = StandIn("failed", typed_dag(MIXED)).app()
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_dag(pilot, app)
        _, wide = header_line(screen)
        assert "planner(s)" in wide and "crossings" in wide
        wide_keys = len(footer_keys(screen))
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: 0 < len(footer_keys(screen)) < wide_keys)
        _, narrow = header_line(screen)
        assert cell_len(narrow) <= 80 and "crossings" not in narrow
        keys = footer_keys(screen)
        assert len(keys) < wide_keys and all(k.region.right <= 80 for k in keys)


def every_key(rows: list[tuple[str, str]]) -> Counter[str]:
    return Counter(key.strip() for keys, _ in rows for key in keys.split(","))


async def test_help_lists_every_key_of_the_dag_screen_once():
    app = StandIn("completed", typed_dag()).app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dag(pilot, app)
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = every_key(help_screen.rows)
        assert all(count == 1 for count in keys.values()), keys
        wanted = {"g", "G", "home", "end", "0", "t", "z", "p", "/", "f", "F", "r"}
        wanted |= {"enter", "esc", "q", "?", "up", "k", "down", "j", "h", "l", "ctrl+p"}
        assert wanted <= set(keys), wanted - set(keys)
        assert all(words.strip() for _, words in help_screen.rows)
        await pilot.press("escape")
        assert app.screen is screen


def test_every_dag_binding_has_an_id_and_a_description():
    bindings = [b for b in [*MOVE_BINDINGS, *SCREEN_BINDINGS] if isinstance(b, Binding)]
    ids = [b.id for b in bindings]
    assert all(i and i.startswith("dag.") for i in ids) and len(set(ids)) == len(ids)
    assert all(b.description and b.tooltip for b in bindings)


async def test_g_and_shift_g_go_to_the_first_and_last_node():
    app = StandIn("completed", typed_dag()).app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dag(pilot, app)
        view = screen.view
        order = screen.reading_order()
        await pilot.press("G")
        assert view.cursor == order[-1] != order[0]
        await pilot.press("g")
        assert view.cursor == order[0]
        await pilot.press("t", "G")  # in a list view: its last line
        assert view.cursor == view.lines[-1].node_id
        await pilot.press("home")
        assert view.cursor == view.lines[0].node_id


async def test_the_explorer_paints_at_80x24_without_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = StandIn("failed", typed_dag(MIXED)).app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert colourless(app)
        screen = await open_dag(pilot, app)
        for key in ("p", "z", "j", "0", "t", "t"):
            await pilot.press(key)
            await pilot.pause()
            header, text = header_line(screen)
            assert header.region.height == 1 and "exec_lisbon" in text
            assert footer_keys(screen)
            rows = painted(screen.view)
            assert len(rows) == screen.view.size.height and any(r.strip() for r in rows)
        assert "★" in "\n".join(painted(screen.view))
        svg = app.export_screenshot()  # the whole screen composes without colour, no crash
        assert "exec_lisbon" in svg
