"""The `roma-tui` entry point: parses arguments and wires the layers together.

Exit codes: 0 ok, 1 API or network error, 2 usage error (argparse's own errors are 2 as well).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__, commands, profile_commands

_COMPANIONS = {
    "login": profile_commands.cmd_login,
    "logout": profile_commands.cmd_logout,
    "profiles": profile_commands.cmd_profiles,
    "ls": commands.cmd_ls,
    "status": commands.cmd_status,
    "cancel": commands.cmd_cancel,
    "dag": commands.cmd_dag,
}


def _connection_options() -> argparse.ArgumentParser:
    shared = argparse.ArgumentParser(add_help=False)
    group = shared.add_argument_group("connection")
    group.add_argument("--profile", metavar="NAME", help="profile to use (default: the active one)")
    group.add_argument(
        "--url", metavar="URL", help="server URL (overrides profile and ROMA_BASE_URL)"
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=15.0,
        metavar="S",
        help="seconds to wait for an answer (default 15)",
    )
    group.add_argument(
        "--allow-insecure",
        action="store_true",
        help="allow sending the key over plain http:// to a non-loopback host",
    )
    return shared


def build_parser() -> argparse.ArgumentParser:
    shared = _connection_options()
    parser = argparse.ArgumentParser(
        prog="roma-tui",
        description="A keyboard-driven console for ROMA executions. Without a command, opens "
        "the console on the active profile.",
        parents=[shared],
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
    ls.add_argument("--status", choices=["running", "completed", "failed", "cancelled"])
    ls.add_argument(
        "--config-profile",
        metavar="NAME",
        help="only runs of this ROMA profile (general, high_quality, fast, ...)",
    )
    ls.add_argument("--after", metavar="ISO", help="created after this time (ISO 8601)")
    ls.add_argument("--before", metavar="ISO", help="created before this time (ISO 8601)")
    ls.add_argument("--sort", choices=["created_at", "updated_at", "status"])
    ls.add_argument("--order", choices=["asc", "desc"])
    ls.add_argument("--limit", type=int, default=20, help="rows per page (1-100, default 20)")
    ls.add_argument("--offset", type=int, default=None)
    ls.add_argument("--all", action="store_true", help="page through every execution")
    ls.add_argument("--json", action="store_true", help="machine-readable output")

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
        choices=["hosted", "upstream"],
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


def main(argv: Sequence[str] | None = None, io: commands.Io | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    io = io or commands.Io()
    handler = _COMPANIONS.get(args.command)
    if handler is not None:
        return handler(args, io)
    if args.command == "sandbox":
        from .sandbox_command import run_sandbox

        return run_sandbox(args, io)
    from .console import run_console, run_demo

    if args.command == "demo":
        return run_demo(args, io)
    return run_console(args, io)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
