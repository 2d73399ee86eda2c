"""`roma-tui sandbox` and the sandbox half of `roma-tui demo`: options -> a running server."""

from __future__ import annotations

import os
from argparse import Namespace
from pathlib import Path

from .api import is_loopback
from .commands import USAGE, Io
from .sandbox import (
    SandboxConfig,
    SandboxSettings,
    StorageError,
    make_api,
    new_demo_key,
    serve,
)
from .sandbox.server import DEFAULT_RATES
from .settings import data_dir

# The real servers' limits (the sandbox's own defaults); the hosted demo is more generous than
# the hosted service's day.
DEMO_RATES = {**DEFAULT_RATES, "hosted": "5000/hour"}


def settings_from(
    args: Namespace, api_keys: list[str], read_only: list[str], *, demo: bool = False
) -> SandboxSettings:
    dialect = getattr(args, "dialect", None) or "hosted"
    rate = getattr(args, "rate_limit", None) or (DEMO_RATES if demo else DEFAULT_RATES)[dialect]
    faults, slow_seconds = getattr(args, "faults", None) or ({}, 3.0)
    return SandboxSettings(
        db=Path(args.db) if args.db else data_dir() / "sandbox.db",
        api_keys=api_keys,
        read_only_keys=read_only,
        rate_limit=rate,
        seed_demo=args.seed_demo,
        dialect=dialect,
        engine=SandboxConfig(
            seed=args.seed,
            fail_rate=args.fail_rate,
            runaway_rate=args.runaway_rate,
            time_scale=args.time_scale,
            execution_timeout=args.timeout,
            max_running_per_key=args.max_running,
            allow_remote_webhooks=getattr(args, "allow_remote_webhooks", False),
        ),
        faults=faults,
        slow_seconds=slow_seconds,
    )


def run_sandbox(args: Namespace, io: Io) -> int:
    keys = list(args.api_key)
    for name in args.api_key_env:
        if not os.environ.get(name):
            io.warn(f"error: --api-key-env {name}: that environment variable is empty or unset")
            return USAGE
        keys.append(os.environ[name])
    printed_key = None
    if not keys:
        printed_key = new_demo_key()
        keys.append(printed_key)
    try:
        settings = settings_from(args, keys, list(args.read_only_key))
        api = make_api(settings)
    except StorageError as exc:  # the file is unusable: not a usage error
        io.warn(f"error: {exc}")
        return 1
    except (ValueError, OSError) as exc:
        io.warn(f"error: {exc}")
        return USAGE
    if not is_loopback(args.host):
        io.warn(
            f"warning: binding {args.host}: the sandbox will be reachable from other "
            "machines. It is a simulation with demo keys; bind 127.0.0.1 unless you mean it."
        )
    host = f"[{args.host}]" if ":" in args.host else args.host
    io.say(f"ROMA sandbox (simulated, no language models) at http://{host}:{args.port}")
    io.say(f"  database: {settings.db}")
    if settings.faults:
        shown = ", ".join(
            f"{kind} {p * 100:g}%" + (f" ({settings.slow_seconds:g} s)" if kind == "slow" else "")
            for kind, p in settings.faults.items()
        )
        io.say(f"  injected faults per API request: {shown}")
    if settings.dialect == "upstream":
        io.say(
            "  dialect: upstream (the open-source ROMA server's answers; no key needed, "
            "seeded runs cannot be cancelled)"
        )
        io.say(
            f"  rate limit: {settings.rate_limit} per client; try: roma-tui ls "
            f"--url http://{host}:{args.port}"
        )
    else:
        if printed_key:
            io.say(f"  demo key: {printed_key}")
        else:
            io.say(f"  keys: {len(keys)} full, {len(args.read_only_key)} read-only (not shown)")
        io.say(
            f"  rate limit: {settings.rate_limit} per key; try: ROMA_API_KEY=<key> roma-tui ls "
            f"--url http://{host}:{args.port}"
        )
    try:
        serve(api, args.host, args.port)
    except OSError as exc:
        io.warn(f"error: cannot serve on {args.host}:{args.port}: {exc}")
        return 1
    except KeyboardInterrupt:
        pass
    return 0
