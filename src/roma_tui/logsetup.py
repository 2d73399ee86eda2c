"""The console's log file under platformdirs' log dir (rotated; never holds a key).

Requests are logged by method, URL and status code (api/transport.py; httpx's own INFO lines
are off: they quote the server's reason phrase, which may echo anything). The key travels only
in a header, which nothing logs. The log still names request IDs, URLs and goals, so it and its
rotated copies are readable by their owner only (0600, in a 0700 directory).
"""

from __future__ import annotations

import contextlib
import logging
import os
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .settings import log_dir

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files (the current one and each new one after a rotation)
    are created 0600 whatever the umask, and made 0600 if an older version left them wider."""

    def _open(self) -> TextIOWrapper:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.baseFilename, flags, PRIVATE_FILE)
        with contextlib.suppress(OSError):
            os.fchmod(fd, PRIVATE_FILE)  # created earlier, before logs were private
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging() -> Path | None:
    path = log_dir() / "roma-tui.log"
    try:
        path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        handler = PrivateRotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None  # a read-only home must not stop the console
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name, level in (("roma_tui", logging.INFO), ("httpx", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
        logger.propagate = False  # nothing to the terminal: Textual owns it
    return path
