"""The console's log file under platformdirs' log dir (rotated; never holds a key).

Requests are logged by method, URL and status (httpx's own INFO lines); the key travels only in
a header, which nothing logs.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .settings import log_dir


def setup_logging() -> Path | None:
    path = log_dir() / "roma-tui.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None  # a read-only home must not stop the console
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("roma_tui", "httpx"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False  # nothing to the terminal: Textual owns it
    return path
