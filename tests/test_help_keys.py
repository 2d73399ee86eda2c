"""`?` on the main screen lists every key once (the palette's ctrl+p was listed twice), with the
keys each feature added (views and the command line, columns and the pane). One console start
for all of them: the help screen is the same whichever feature's test opens it."""

from __future__ import annotations

from collections import Counter

from console_helpers import app_for, shown, until
from roma_tui.ui.help import HelpScreen


async def test_the_main_help_lists_each_key_once_including_g_and_the_palette(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=2, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 2)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = Counter(keys for keys, _ in app.screen.rows)
        assert keys["ctrl+p"] == 1
        assert [k for k, n in keys.items() if n > 1] == []
        assert len(app.screen.rows) == len(set(app.screen.rows))
        assert any("g" in k.split(", ") for k in keys)  # first run / last run

        rows = dict(app.screen.rows)
        # Views, filter history and the command line.
        assert rows[":"] == "Command line"
        assert rows["v"] == "Views" and rows["V"] == "Save view"
        assert rows["up"].startswith("Previous filter")
        # Columns, the pane and moving (the main screen at a glance).
        assert rows["w"] == "Wide (every column)" and rows["O"] == "Columns (show/hide)"
        assert rows["+, ]"] == "Pane taller" and rows["-, ["] == "Pane shorter"
        assert rows["down, j"] == "Down" and rows["right, l"] == "Scroll right a page"
