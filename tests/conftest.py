"""Shared fixtures: every test gets its own config/cache dirs and an in-memory keyring."""

from __future__ import annotations

import contextlib
import gc
import os
import sys

# With PYTHONDONTWRITEBYTECODE set (as on this machine), every pytest process, each xdist
# worker included, compiled roma_tui and assertion-rewrote every test module again: seconds of
# CPU per worker. Write that bytecode where Python looks for it (`__pycache__`, ignored by git).
# Not in a `pycache_prefix`: there the libraries' own bytecode, which pip wrote, is not looked
# for, and each worker of a fresh clone compiled some 2,300 library modules again.
if sys.dont_write_bytecode:
    sys.dont_write_bytecode = False

import keyring
import keyring.errors
import pytest
from hypothesis import settings
from keyring.backend import KeyringBackend

# Property tests: a quick profile by default (the suite stays under a minute on 2 cores);
# HYPOTHESIS_PROFILE=thorough before a release or after touching a parser.
settings.register_profile("quick", max_examples=60, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


# The modules that take longest (CPU and waits, measured with xdist), run first: xdist gives
# each worker a share of the tests in collection order and a worker that is done takes the
# untouched end of another's share, so a long test queued last (test_views) kept one worker busy
# after the others had finished. Longest first, then the rest in their usual order.
SLOW_FIRST = (
    "test_code_rules.py",  # mypy: ~11 s of CPU when its cache is cold
    "test_views.py",
    "test_console.py",
    "test_dag_screen.py",
    "test_dag_truth.py",
    "test_dag_ux.py",
    "test_glance.py",
    "test_console_faults.py",
    "test_raw_views.py",
    "test_sandbox_integration.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))  # stable


# A Textual app makes and drops objects by the hundred thousand, and with Python's default
# thresholds the collector ran a full pass (~0.15 s: the libraries, the app and the sandbox)
# every second or two of a console test: 6 of 26 s of CPU in the console, views and DAG tests.
# Ten times fewer young collections, and what the imports built frozen out of every pass:
# 2 s. The app itself keeps Python's defaults; only the test processes change.
gc.set_threshold(10_000, 10, 10)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """One full collection, then freeze what is left before pytest's own five.

    After the last test pytest collects garbage five times (to report errors raised in `__del__`),
    and each pass walked every live object: ~0.15 s each in a worker that ran console tests, and
    the workers' exits kept the whole run waiting ~3.5 s. The first pass here still finds and
    reports what the tests left behind; frozen objects are not walked again."""
    gc.collect()
    gc.freeze()


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in a dict: what the tests use instead of the OS store."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.store:
            raise PasswordDeleteError("no such password")
        del self.store[(service, username)]


class LockedKeyring(KeyringBackend):
    """A keyring that is locked (a desktop keyring nobody unlocked): every call refuses."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Config, cache, data and logs under tmp_path; no ROMA_* from the outside environment."""
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
    ):
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.delenv("ROMA_API_KEY", raising=False)
    monkeypatch.delenv("ROMA_BASE_URL", raising=False)
    return tmp_path


@pytest.fixture(autouse=True)
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


# -- the sandbox, over real loopback HTTP ------------------------------------------------------

KEY = "sk_test_full_0123456789abcdef"
READ_ONLY_KEY = "sk_test_readonly_0123456789"


def sandbox_settings(
    db,
    *,
    rate_limit=None,
    seed_demo=0,
    dialect="hosted",
    faults=None,
    slow=3.0,
    **engine,
):
    """The settings the tests' sandboxes run with (fast runs, no random failures by default).

    `dialect="upstream"`: the same sandbox in the open-source server's shapes (its rate limit,
    60/min per client, unless `rate_limit` says otherwise)."""
    from roma_tui.sandbox import SandboxConfig, SandboxSettings

    engine.setdefault("time_scale", 0.02)
    engine.setdefault("fail_rate", 0.0)
    engine.setdefault("runaway_rate", 0.0)
    return SandboxSettings(
        db=db,
        api_keys=[KEY],
        read_only_keys=[READ_ONLY_KEY],
        rate_limit=rate_limit,
        seed_demo=seed_demo,
        engine=SandboxConfig(**engine),
        dialect=dialect,
        faults=faults or {},
        slow_seconds=slow,
    )


@pytest.fixture
def start_sandbox(tmp_path):
    """Start sandboxes on port 0 (each torn down after the test); returns the factory.

    `faults` ({"500": 0.1, ...}) and `slow` (seconds) inject faults; other keywords go to
    SandboxConfig (see `sandbox_settings`)."""
    from roma_tui.sandbox import RunningSandbox, make_api

    started = []

    def start(*, db=None, port=0, **options):
        settings = sandbox_settings(db or tmp_path / f"sandbox{len(started)}.db", **options)
        server = RunningSandbox(make_api(settings), port=port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(start_sandbox):
    return start_sandbox()


class LocalSandbox:
    """The sandbox app answering in the test's own event loop through `httpx.ASGITransport`.

    The same app, database, engine and rate limits as over loopback, without a server thread
    (no GIL contention, no uvicorn start and stop): for most UI tests. `url` is never dialled."""

    url = "http://127.0.0.1:9"

    def __init__(self, api) -> None:
        import httpx

        from roma_tui.sandbox import UpstreamApi
        from roma_tui.sandbox.app import build_app
        from roma_tui.sandbox.upstream import build_upstream_app

        self.api = api
        self.app = build_upstream_app(api) if isinstance(api, UpstreamApi) else build_app(api)
        self.transport = httpx.ASGITransport(app=self.app)


@pytest.fixture
async def start_local_sandbox(tmp_path):
    """Like `start_sandbox` (same keywords), in process: `await start_local_sandbox(...)`.

    Its background work (runs finishing, heartbeats) runs in the app's lifespan, as uvicorn
    would run it, and stops with the test."""
    from roma_tui.sandbox import make_api

    stack = contextlib.AsyncExitStack()
    count = 0

    async def start(**options) -> LocalSandbox:
        nonlocal count
        count += 1
        api = make_api(sandbox_settings(tmp_path / f"local{count}.db", **options))
        local = LocalSandbox(api)
        stack.callback(api.engine.storage.close)
        await stack.enter_async_context(api.lifespan(local.app))
        return local

    yield start
    await stack.aclose()
