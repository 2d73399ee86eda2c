"""Copying to the clipboard (OSC 52) and reading a text in `$PAGER`.

OSC 52 asks the terminal itself to set the clipboard, so it works over ssh and inside tmux, when
the terminal (and tmux) allow it: nobody can tell us whether it did, so the notice says where to
look. Both take server text: it is cleaned (`safetext.clean`) before it leaves the console, so
no escape sequence reaches a clipboard or a pager.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

from textual.app import App, SuspendNotSupported

from ..safetext import clean

# Terminals cap OSC 52 (some near 100 kB, tmux by its buffer limits); past this we do not try.
OSC52_LIMIT = 256 * 1024
OSC52_NOTE = (
    "OSC 52; if nothing pasted, your terminal or tmux may block it: tmux set -g set-clipboard on"
)
DEFAULT_PAGER = "less -R"


def copy(app: App[object], text: str, what: str) -> tuple[str, bool]:
    """Send `text` to the clipboard; return what to tell the user, and whether it was sent."""
    text = clean(text)
    size = len(text.encode("utf-8"))
    if size > OSC52_LIMIT:
        return (
            f"Not copied: {what} is {size:,} bytes, more than terminals take over OSC 52 "
            f"({OSC52_LIMIT // 1024} KiB); o in the raw view (r) opens it in the pager."
        ), False
    app.copy_to_clipboard(text)
    return f"Copied {what} ({OSC52_NOTE}).", True


def pager_command() -> list[str] | str:
    """The pager's argv, or why there is none (`$PAGER`, else `less -R`)."""
    wanted = os.environ.get("PAGER", "").strip() or DEFAULT_PAGER
    try:
        argv = shlex.split(wanted)
    except ValueError as exc:
        return f"$PAGER is not a command line ({exc})"
    if not argv:
        return "$PAGER is empty"
    if shutil.which(argv[0]) is None:
        return f"no pager: {argv[0]!r} is not installed (set $PAGER)"
    return argv


def page(app: App[object], text: str) -> str | None:
    """Show `text` in the pager with the console suspended; None when it was shown, else why
    not (no pager, or no terminal to hand over, as under tests or Textual's web driver)."""
    argv = pager_command()
    if isinstance(argv, str):
        return f"Cannot open a pager: {argv}."
    data = clean(text).encode("utf-8", errors="replace")
    try:
        with app.suspend():
            # less quits on `q`; its exit code (or a reader that stopped early) is no error.
            subprocess.run(argv, input=data, check=False)
    except SuspendNotSupported:
        return "Cannot open a pager: there is no terminal to hand over."
    except OSError as exc:
        return f"Cannot open a pager: {argv[0]} failed ({exc.strerror or exc})."
    return None
