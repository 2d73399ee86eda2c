"""SVG snapshots of the main screen at the sizes people use (120x40, 80x24), wide mode and the
column chooser. Same fixed data and clock as test_snapshots.py.
Update after an intended change: pytest tests/test_snapshots_glance.py --snapshot-update
"""

from __future__ import annotations

from test_snapshots import settle, snapshot_app  # noqa: F401  (a fixture, used by name)


def test_main_screen_at_120x40(snapshot_app, snap_compare):  # noqa: F811
    assert snap_compare(snapshot_app, terminal_size=(120, 40), run_before=settle)


def test_main_screen_at_80x24(snapshot_app, snap_compare):  # noqa: F811
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=settle)


def test_wide_mode_at_80x24(snapshot_app, snap_compare):  # noqa: F811
    async def wide(pilot):
        await settle(pilot)
        await pilot.press("w", "s")
        await pilot.pause(0.8)  # the sort moves the cursor: its status fetch comes after 0.4 s

    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=wide)


def test_column_chooser(snapshot_app, snap_compare):  # noqa: F811
    async def chooser(pilot):
        await settle(pilot)
        await pilot.press("O")
        await pilot.pause(0.2)

    assert snap_compare(snapshot_app, terminal_size=(120, 40), run_before=chooser)
