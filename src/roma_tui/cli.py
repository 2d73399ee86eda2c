"""The `roma-tui` entry point: parses arguments and wires the layers together.

Exit codes: 0 ok, 1 API or network error, 2 usage error (argparse's own errors are 2 as well),
130 interrupted (ctrl+c), 141 when the reader of our output went away (`| head`).

Start-up is kept short: parsing needs only argparse and the api's constants, so `--version` and
`--help` answer at once; a command imports what it uses when it runs (`ls` never loads Textual,
the sandbox server or the graph). `benchmarks/startup.py` measures it.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, cast

from . import __version__
from .api.dialects import Dialect
from .api.validation import ORDERS, PROFILES, SORT_FIELDS, STATUSES

if TYPE_CHECKING:
    from .commands import Io

BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE

# The sandbox's dialects: the api's, less "auto" (a server speaks one).
_SANDBOX_DIALECTS = [d.value for d in Dialect if d is not Dialect.AUTO]


def seconds(text: str) -> float:
    """An argparse type: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


def _connection_options(*, top_level: bool) -> argparse.ArgumentParser:
    """The connection flags, accepted before the command and after it.

    After the command their default is SUPPRESS: a subcommand's defaults would otherwise
    overwrite what was given before it (`roma-tui --timeout 1 ls`).
    """

    def default(value: object) -> object:
        return value if top_level else argparse.SUPPRESS

    shared = argparse.ArgumentParser(add_help=False)
    group = shared.add_argument_group("connection")
    group.add_argument(
        "--profile",
        metavar="NAME",
        default=default(None),
        help="profile to use (default: the active one)",
    )
    group.add_argument(
        "--url",
        metavar="URL",
        default=default(None),
        help="server URL (overrides profile and ROMA_BASE_URL)",
    )
    group.add_argument(
        "--timeout",
        type=seconds,
        default=default(15.0),
        metavar="S",
        help="seconds a request may take in all, retries included (default 15)",
    )
    group.add_argument(
        "--allow-insecure",
        action="store_true",
        default=default(False),
        help="allow sending the key over plain http:// to a non-loopback host",
    )
    return shared


def build_parser() -> argparse.ArgumentParser:
    shared = _connection_options(top_level=False)
    parser = argparse.ArgumentParser(
        prog="roma-tui",
        description="A keyboard-driven console for ROMA executions. Without a command, opens "
        "the console on the active profile.",
        parents=[_connection_options(top_level=True)],
    )
    parser.add_argument("--version", action="version", version=f"roma-tui {__version__}")
    parser.add_argument("--read-only", action="store_true", help="hide create and cancel")
    parser.add_argument("--ascii", action="store_true", help="plain ASCII glyphs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("login", parents=[shared], help="store an API key in the OS keyring")
    logout = sub.add_parser("logout", parents=[shared], help="remove a profile's key")
    logout.add_argument("--forget", action="store_true", help="remove the profile too")
    profiles = sub.add_parser("profiles", parents=[shared], help="list profiles (never keys)")
    profiles.add_argument("--json", action="store_true", help="machine-readable output")

    ls = sub.add_parser("ls", parents=[shared], help="list executions")
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument(
        "--config-profile",
        metavar="NAME",
        help=f"only runs of this ROMA profile ({', '.join(PROFILES[:3])}, ...)",
    )
    ls.add_argument("--after", metavar="ISO", help="created after this time (ISO 8601)")
    ls.add_argument("--before", metavar="ISO", help="created before this time (ISO 8601)")
    ls.add_argument("--sort", choices=SORT_FIELDS)
    ls.add_argument("--order", choices=ORDERS)
    ls.add_argument("--limit", type=int, default=20, help="rows per page (1-100, default 20)")
    ls.add_argument("--offset", type=int, default=None)
    ls.add_argument("--all", action="store_true", help="page through every execution")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument(
        "--runaway",
        action="store_true",
        help="only runs running longer than the profile's runaway_minutes (of those listed; "
        "with --all, of every run)",
    )

    status = sub.add_parser("status", parents=[shared], help="show one execution's status")
    status.add_argument("execution_id", metavar="ID")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    cancel = sub.add_parser("cancel", parents=[shared], help="cancel executions")
    cancel.add_argument("execution_ids", metavar="ID", nargs="+")
    cancel.add_argument("--yes", "-y", action="store_true", help="do not ask first")
    cancel.add_argument("--json", action="store_true", help="machine-readable output")

    dag = sub.add_parser("dag", parents=[shared], help="print an execution's DAG")
    dag.add_argument("execution_id", metavar="ID")
    dag.add_argument("--format", choices=["text", "json", "dot", "mermaid"], default="text")
    dag.add_argument("--ascii", action="store_true", help="plain ASCII drawing")

    sandbox = sub.add_parser("sandbox", help="run the local ROMA-compatible sandbox server")
    _sandbox_options(sandbox)
    sandbox.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    sandbox.add_argument("--port", type=int, default=8765)
    demo = sub.add_parser("demo", help="open the console on a fresh sandbox with demo data")
    _sandbox_options(demo, demo=True)
    return parser


def _sandbox_options(parser: argparse.ArgumentParser, *, demo: bool = False) -> None:
    def fault_spec(text: str) -> tuple[dict[str, float], float]:
        from .sandbox.middleware import parse_faults

        try:
            return parse_faults(text)
        except ValueError as exc:  # argparse: "argument --faults: <why>", exit 2
            raise argparse.ArgumentTypeError(str(exc)) from None

    parser.add_argument("--db", metavar="PATH", help="SQLite file (default: in the data dir)")
    parser.add_argument(
        "--seed-demo",
        type=int,
        default=40 if demo else 0,
        metavar="N",
        help="fill an empty database with N historical executions",
    )
    parser.add_argument(
        "--rate-limit",
        metavar="N/day",
        help="requests per key (upstream: per client) per window: N/day, N/hour, N/min, N/s "
        f"(default: {'5000/hour' if demo else '1000/day'} hosted, 60/min upstream)",
    )
    parser.add_argument(
        "--dialect",
        choices=_SANDBOX_DIALECTS,
        default="hosted",
        help="serve the hosted API, or the same runs as the open-source ROMA server does",
    )
    parser.add_argument("--seed", default="roma-sandbox", help="seed of the simulation")
    parser.add_argument("--fail-rate", type=float, default=0.15, metavar="P")
    parser.add_argument("--runaway-rate", type=float, default=0.05, metavar="P")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        metavar="X",
        help="stretch (>1) or squeeze (<1) the simulated durations",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800.0 if demo else 300.0,
        metavar="S",
        help="seconds before a run times out (the hosted service: 300)",
    )
    parser.add_argument(
        "--max-running",
        type=int,
        default=10,
        metavar="N",
        help="concurrent running executions per key",
    )
    parser.add_argument(
        "--faults",
        type=fault_spec,
        default=None,
        metavar="KIND:P,...",
        help="inject faults to rehearse an incident, e.g. 500:0.1,503:0.05,slow:0.05,drop:0.05 "
        "(kinds: 500, 503, 429, html, slow, drop; slow=SECONDS:P sets the delay)",
    )
    if demo:
        return
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="a key with full rights (repeatable; default: a new demo key)",
    )
    parser.add_argument(
        "--api-key-env",
        action="append",
        default=[],
        metavar="VAR",
        help="read a full-rights key from this environment variable (keeps it "
        "out of the process list)",
    )
    parser.add_argument(
        "--read-only-key",
        action="append",
        default=[],
        metavar="KEY",
        help="a key that may read but not create or cancel (repeatable)",
    )
    parser.add_argument(
        "--allow-remote-webhooks",
        action="store_true",
        help="call webhook URLs that are not loopback",
    )


def main(argv: Sequence[str] | None = None, io: Io | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # --version and --help end here, before any import below
    _skip_httpx_cli()
    from .commands import INTERRUPTED, USAGE
    from .commands import Io as DefaultIo
    from .settings import ConfigError

    io = io or DefaultIo()
    try:
        code = _dispatch(args, io)
        io.out.flush()  # a closed pipe shows here when the output fitted in the buffer
        return code
    except BrokenPipeError:
        _discard_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        _say_quietly(io, "interrupted")
        return INTERRUPTED
    except ConfigError as exc:  # e.g. a profile that does not exist, a config we cannot write
        _say_quietly(io, f"error: {exc}")
        return USAGE


def _skip_httpx_cli() -> None:
    """Keep httpx from loading its own command line (click, rich, pygments: a third of `ls`'s
    start-up). httpx imports it only if it can, so a None in sys.modules makes it go without;
    this process never runs httpx's CLI, and an httpx already imported is left as it is."""
    if "httpx" not in sys.modules:
        # typeshed types the values as modules; None is the import system's "not available".
        sys.modules.setdefault("httpx._main", cast(ModuleType, None))


def _discard_stdout() -> None:
    """After the reader hung up: send what is left to /dev/null, so the interpreter's own
    flush at exit does not print a second BrokenPipeError."""
    # stdout may have no file descriptor (tests): then nothing flushes it at exit either.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _say_quietly(io: Io, text: str) -> None:
    with contextlib.suppress(OSError):  # stderr is gone too: the exit code says it
        io.warn(text)


def _companions() -> dict[str, Callable[[argparse.Namespace, Io], int]]:
    """The scriptable commands, imported when one runs (every command uses `commands`)."""
    from . import commands, profile_commands, run_commands

    return {
        "login": profile_commands.cmd_login,
        "logout": profile_commands.cmd_logout,
        "profiles": profile_commands.cmd_profiles,
        "ls": run_commands.cmd_ls,
        "status": run_commands.cmd_status,
        "cancel": commands.cmd_cancel,
        "dag": commands.cmd_dag,
    }


def _dispatch(args: argparse.Namespace, io: Io) -> int:
    handler = _companions().get(args.command)
    if handler is not None:
        return handler(args, io)
    if args.command == "sandbox":
        from .sandbox_command import run_sandbox

        return run_sandbox(args, io)
    from . import startup_gc

    startup_gc.pause()  # until the first answer is on screen (the app resumes it)
    try:
        from .console import run_console, run_demo

        if args.command == "demo":
            return run_demo(args, io)
        return run_console(args, io)
    finally:
        startup_gc.resume()  # the console ended before its first answer (a caller lives on)
