"""At 80 columns the main screen's footer shows whole keys: none runs under ctrl+p's corner."""

from __future__ import annotations

from textual.widgets import Footer

from console_helpers import app_for, shown, until


async def test_the_footer_keys_end_before_the_palette_corner_at_80_columns(start_local_sandbox):
    server = await start_local_sandbox(seed_demo=3, time_scale=20)
    app = app_for(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(shown(app)) >= 3)
        footer = app.screen.query_one(Footer)

        def footer_keys() -> list:
            return list(footer.query("FooterKey"))

        # The footer builds its keys after the screen's first paint: wait for the palette's.
        await until(pilot, lambda: any(k.key_display == "^p" for k in footer_keys()))
        await pilot.pause()
        keys = footer_keys()
        corner = min(k.region.x for k in keys if k.key_display == "^p")
        shown_keys = [k for k in keys if k.key_display != "^p"]
        assert shown_keys and max(k.region.right for k in shown_keys) <= corner
        assert [k.key_display for k in keys].count("^p") == 1
