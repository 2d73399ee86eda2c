"""The cyclic garbage collector, paused while the console starts.

Start-up (imports, Textual's app and screens, the first page) leaves ~85,000 objects for the
collector to track; its ~150 collections on the way free under 1,000 of them, and each walks
what was made so far: ~30 ms of a ~750 ms start, measured here. The console pauses the
collector from its dispatch until the first answer is on screen, or until RESUME_AFTER seconds
after the app mounts (a screen that waits for a key, a server that does not answer), or until
the console ends, then it runs as usual. Before the mount, `roma-tui demo` seeds its sandbox
with the collector paused (20,000 runs: 15 s, peak RSS within 1 % of the same start with it on).
Reference counting frees everything else meanwhile, as always.
"""

from __future__ import annotations

import gc

RESUME_AFTER = 3.0  # seconds after the app mounts, whatever happened

_paused = False


def pause() -> None:
    """Stop collecting until `resume`; a collector someone else switched off is left off."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Collect again, if `pause` stopped it (once: later calls do nothing)."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()
