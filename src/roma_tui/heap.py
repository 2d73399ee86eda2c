"""Handing memory freed by a big load back to the system.

Reading a big answer (a 20,000-node DAG: its JSON, the parsed dicts, then the models) frees
most of what it made once the models exist, but glibc keeps the freed blocks in its heap for
reuse, so the process stays as big as at its peak. `malloc_trim` gives them back (~7 MiB for
that DAG, in ~1 ms). Elsewhere (no glibc) this does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys


def give_back_freed_memory() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # another C library: no malloc_trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)
