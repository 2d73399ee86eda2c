"""A sandbox in its own process, for the benchmarks that need one (as a user would run it)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_sandbox(
    db: Path,
    key: str,
    *options: str,
    port: int | None = None,
    command: list[str] | None = None,
    wait: float = 300.0,
) -> Iterator[str]:
    """`roma-tui sandbox` on `db` with `options`, `key` its full-rights key (passed in the
    environment, out of the process list); yields its URL once it answers, and stops it after.
    `wait`: seeding 10,000 runs takes ~20 s here."""
    port = port or free_port()
    command = command or [sys.executable, "-m", "roma_tui"]
    argv = [*command, "sandbox", "--port", str(port), "--db", str(db)]
    argv += ["--api-key-env", "BENCH_SANDBOX_KEY", *options]
    env = {**os.environ, "BENCH_SANDBOX_KEY": key}
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    try:
        yield _answering(f"http://127.0.0.1:{port}", wait)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answering(url: str, wait: float) -> str:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)  # any answer: it listens
            return url
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the sandbox did not start")
