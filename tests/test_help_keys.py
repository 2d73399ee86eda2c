"""`?` on the main screen lists every key once (the palette's ctrl+p was listed twice)."""

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
        assert any("g" in k.split(", ") for k in keys)  # first run / last run
