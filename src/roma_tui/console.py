"""Starting the console: on a profile (`roma-tui`) or on a fresh sandbox (`roma-tui demo`)."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path

from .commands import USAGE, Io
from .logsetup import setup_logging
from .settings import (
    ENV_URL,
    ConfigError,
    Connection,
    Profile,
    load_config,
    read_key,
    resolve_connection,
)


def run_console(args: Namespace, io: Io) -> int:
    setup_logging()
    try:
        config = load_config()
    except ConfigError as exc:
        io.warn(f"error: {exc}")
        return USAGE

    def connection_from(read_stored_key: Callable[[str], str | None]) -> Connection:
        connection = resolve_connection(
            config, profile_name=args.profile, url=args.url, read_stored_key=read_stored_key
        )
        if args.allow_insecure:
            connection.profile.allow_insecure = True
        return connection

    try:
        # Flags and ROMA_API_KEY first: the keyring may block (an unlock prompt), so it is read
        # by the app in a thread while the screen says what it waits for.
        connection = connection_from(lambda _profile: None)
    except ConfigError as exc:
        io.warn(f"error: {exc}")
        return USAGE
    url = (
        args.url
        or os.environ.get(ENV_URL)
        or (connection.base_url if config.profile(args.profile) else None)
    )
    warm_tls(url or connection.base_url)
    from .ui.app import RomaApp, url_problem

    if connection.api_key is None:
        app = RomaApp(
            None,
            read_only=args.read_only,
            ascii=args.ascii,
            connect_profile=connection.profile.name,
            connect_url=url,
            read_connection=lambda: connection_from(read_key),
        )
    else:
        problem = url_problem(connection)
        if problem:
            io.warn(f"error: {problem}")
            return USAGE
        app = RomaApp(connection, read_only=args.read_only, ascii=args.ascii)
    app.run()
    return app.return_code or 0  # 1 after a crash; USAGE when the session could not start


def warm_tls(url: str) -> None:
    """Load the CA bundle in a thread while Textual is imported, if the server at `url` needs
    it: the client needs it before its first request, and OpenSSL reads it without holding the
    GIL (~40 ms off the first page). A plain-http server needs none (~40 ms of CPU saved)."""
    from .api.client import preload_tls

    threading.Thread(target=preload_tls, args=(url,), name="roma-tui tls", daemon=True).start()


def run_demo(args: Namespace, io: Io) -> int:
    """A sandbox on a free loopback port with a fresh key and demo data, and the console on it."""
    from .sandbox import RunningSandbox, make_api, new_demo_key
    from .sandbox_command import settings_from
    from .ui.app import RomaApp

    setup_logging()
    scratch = None
    if args.db is None:
        scratch = Path(tempfile.mkdtemp(prefix="roma-tui-demo-"))
        args.db = str(scratch / "demo.db")
    key = new_demo_key()
    try:
        settings = settings_from(args, [key], [], demo=True)
        sandbox = RunningSandbox(make_api(settings))
    except (OSError, ValueError, RuntimeError) as exc:
        io.warn(f"error: the demo sandbox did not start: {exc}")
        return 1
    profile = Profile(
        name="demo", base_url=sandbox.url, poll_interval=2.0, dialect=settings.dialect
    )
    connection = Connection(profile, sandbox.url, key, "the demo sandbox", "the demo sandbox")
    app = RomaApp(connection, read_only=args.read_only, ascii=args.ascii, remember_choices=False)
    try:
        app.run()
    finally:
        sandbox.stop()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return app.return_code or 0
