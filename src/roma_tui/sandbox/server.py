"""Assembling and running the sandbox: in the foreground, or in a thread (demo and tests)."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import uvicorn

from .app import SandboxApi, build_app
from .demo_data import seed_demo
from .engine import Engine, SandboxConfig
from .middleware import check_faults
from .security import ApiKeys, RateLimiter, parse_rate
from .storage import Storage, unusable
from .upstream import SlidingLimiter, UpstreamApi, build_upstream_app

DIALECTS = ("hosted", "upstream")
DEFAULT_RATES = {"hosted": "1000/day", "upstream": "60/min"}  # what each real server allows


@dataclass
class SandboxSettings:
    db: Path | str
    api_keys: list[str] = field(default_factory=list)
    read_only_keys: list[str] = field(default_factory=list)
    rate_limit: str | None = None  # None: the dialect's own (DEFAULT_RATES)
    seed_demo: int = 0
    engine: SandboxConfig = field(default_factory=SandboxConfig)
    dialect: str = "hosted"  # or "upstream": the same runs in the open-source server's shapes
    # Injected faults, kind -> probability per API request (see middleware.parse_faults).
    faults: dict[str, float] = field(default_factory=dict)
    slow_seconds: float = 3.0


def make_api(settings: SandboxSettings) -> SandboxApi | UpstreamApi:
    """The API on its database; StorageError (one clear line) if the database is unusable."""
    if settings.dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, not {settings.dialect!r}")
    upstream = settings.dialect == "upstream"
    # A bad rate or fault spec: ValueError before any file is touched.
    limit, window = parse_rate(settings.rate_limit or DEFAULT_RATES[settings.dialect])
    check_faults(settings.faults)
    if upstream and any(settings.faults.values()):
        raise ValueError("--faults is served in the hosted dialect only")
    storage = Storage(settings.db)
    engine = Engine(storage, replace(settings.engine, uuid_ids=upstream))
    try:
        engine.recover()
        if settings.seed_demo and storage.get_state("seeded") is None:
            seed_demo(engine, settings.seed_demo)
            storage.set_state("seeded", str(settings.seed_demo))
    except sqlite3.Error as exc:
        storage.close()
        raise unusable(settings.db, exc) from None
    if upstream:
        return UpstreamApi(engine, SlidingLimiter(limit, window))
    api = SandboxApi(
        engine, ApiKeys(settings.api_keys, settings.read_only_keys), RateLimiter(limit, window)
    )
    api.faults, api.slow_seconds = dict(settings.faults), settings.slow_seconds
    return api


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto named: asyncio sets TCP_NODELAY only on sockets that say they are TCP; without it
    # Nagle holds each answer's body behind its headers for a delayed ACK (~40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _server(api: SandboxApi | UpstreamApi) -> uvicorn.Server:
    app = build_upstream_app(api) if isinstance(api, UpstreamApi) else build_app(api)
    # access_log off: nothing about requests (and so nothing near a key) is logged.
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    return uvicorn.Server(config)


class RunningSandbox:
    """A sandbox serving from a background thread; `stop()` ends it."""

    def __init__(
        self, api: SandboxApi | UpstreamApi, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.api = api
        self._socket = _bind(host, port)
        self.host = host
        self.port = self._socket.getsockname()[1]
        self._server = _server(api)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            daemon=True,
            name="roma-sandbox",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive():
            if time.monotonic() > deadline:
                raise RuntimeError("The sandbox did not start within 10 s.")
            time.sleep(0.005)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
        self.api.engine.storage.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(api: SandboxApi | UpstreamApi, host: str, port: int) -> None:
    """Serve in the foreground until interrupted."""
    sock = _bind(host, port)
    try:
        _server(api).run(sockets=[sock])
    finally:
        sock.close()
        api.engine.storage.close()
