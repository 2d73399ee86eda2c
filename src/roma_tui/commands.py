"""The scriptable companions: the shared plumbing, cancel and dag (`ls` and `status` are in
`run_commands`, login, logout and profiles in `profile_commands`).

Each returns an exit code (0 ok, 1 API or network error, 2 usage) and writes to the streams it is
given. Server text is cleaned before it is printed; the API key is never printed.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from argparse import Namespace
from collections.abc import Callable
from typing import Any, TextIO

from .api import (
    ApiConnectionError,
    AuthenticationError,
    InvalidRequestError,
    RomaClient,
    RomaError,
)
from .api.validation import check_execution_id
from .monitor.action_log import ActionLog
from .monitor.cancelling import cancel_runs
from .presentation import status_label
from .safetext import one_line
from .settings import (
    ENV_KEY,
    Config,
    ConfigError,
    Connection,
    data_dir,
    load_config,
    resolve_connection,
)

OK, API_ERROR, USAGE = 0, 1, 2
INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it


class Io:
    """The streams and prompts a command uses (tests give their own)."""

    def __init__(
        self,
        out: TextIO | None = None,
        err: TextIO | None = None,
        ask: Callable[[str], str] = input,
        ask_secret: Callable[[str], str] = getpass.getpass,
        interactive: bool | None = None,
    ) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.ask = ask
        self.ask_secret = ask_secret
        self.interactive = sys.stdin.isatty() if interactive is None else interactive

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def warn(self, text: str) -> None:
        print(text, file=self.err)


def _connection(args: Namespace, config: Config) -> Connection:
    return resolve_connection(config, profile_name=args.profile, url=getattr(args, "url", None))


def make_client(args: Namespace, connection: Connection) -> RomaClient:
    return RomaClient(
        connection.base_url,
        connection.api_key,
        timeout=args.timeout,
        dialect=connection.profile.dialect,
        allow_insecure=args.allow_insecure or connection.profile.allow_insecure,
    )


def explain(error: RomaError, connection: Connection | None = None) -> str:
    """One message a person can act on, naming the request ID when there is one."""
    text = f"error: {error}"
    if isinstance(error, ApiConnectionError) and connection is not None:
        text += f"\n  Is a ROMA server running at {connection.base_url}?"
    if isinstance(error, AuthenticationError) and connection is not None:
        if connection.key_problem:
            text += f"\n  {connection.key_problem}"
        else:
            text += f"\n  The key came from {connection.key_source}."
    return text


def loaded_config(io: Io) -> Config | None:
    """The config, or None after saying (with file and line) why it cannot be used."""
    try:
        return load_config()
    except ConfigError as exc:
        io.warn(f"error: {exc}")
        return None


def missing_key(connection: Connection) -> str | None:
    """Why a request must not be sent without a key, or None when it may be sent.

    Only a profile whose dialect is "upstream" may go keyless: the upstream ROMA server
    usually has no auth; the hosted service and the sandbox always want a key.
    """
    if connection.api_key or connection.profile.dialect == "upstream":
        return None
    reason = connection.key_problem or (
        f"No API key for profile {connection.profile.name!r}: run `roma-tui login` or set "
        f"{ENV_KEY}."
    )
    return (
        f"error: no API key, so nothing was sent to {connection.base_url}.\n  {reason}\n"
        '  (A server without keys, like the upstream ROMA server: set dialect = "upstream" '
        "in its profile.)"
    )


def run_api_command(args: Namespace, io: Io, body: Callable[[RomaClient, Connection], Any]) -> int:
    """Load config, make a client, run `body(client, connection)`; turn every failure into a
    message."""
    config = loaded_config(io)
    if config is None:
        return USAGE
    try:
        connection = _connection(args, config)
    except ConfigError as exc:  # e.g. a profile name the config does not have
        io.warn(f"error: {exc}")
        return USAGE
    problem = missing_key(connection)
    if problem is not None:
        io.warn(problem)
        return USAGE
    try:
        client = make_client(args, connection)
    except RomaError as exc:
        io.warn(explain(exc))
        return USAGE

    async def main() -> int:
        async with client:
            return await body(client, connection)

    try:
        return asyncio.run(main())
    except InvalidRequestError as exc:
        io.warn(explain(exc, connection))
        return USAGE if exc.client_side else API_ERROR
    except RomaError as exc:
        io.warn(explain(exc, connection))
        return API_ERROR
    except KeyboardInterrupt:
        io.warn("interrupted")
        return INTERRUPTED


# -- tables, cancel, dag ----------------------------------------------------------------------


def text_table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]
    return "\n".join(lines)


def cmd_cancel(args: Namespace, io: Io) -> int:
    ids = list(dict.fromkeys(args.execution_ids))
    if not args.yes:
        if not io.interactive:
            io.warn("error: cancel needs a confirmation: run it in a terminal or add --yes")
            return USAGE
        finished: set[str] = set()
        code = run_api_command(args, io, lambda client, _: _show_targets(client, io, ids, finished))
        if code != OK:
            return code
        ids = [i for i in ids if i not in finished]
        if not ids:
            io.say("Nothing to cancel: the run(s) already finished.")
            return OK
        # Asked outside the event loop, so the first ctrl+c ends the prompt at once.
        try:
            answer = io.ask(f"Cancel {'it' if len(ids) == 1 else f'these {len(ids)}'}? [y/N] ")
        except KeyboardInterrupt:
            io.warn("\ninterrupted: nothing was cancelled")
            return 130
        except EOFError:  # end of input means no
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            io.say("Nothing was cancelled.")
            return OK
    return run_api_command(args, io, lambda client, _: _send_cancels(client, io, ids, args.json))


async def _show_targets(client: RomaClient, io: Io, ids: list[str], finished: set[str]) -> int:
    """Name each run before asking; a finished one is said to be finished and left alone."""
    for execution_id in ids:  # refuse a malformed id before anything is sent
        check_execution_id(execution_id, client.dialect)
    io.say(f"About to cancel {len(ids)} execution(s):")
    for execution_id in ids:
        try:
            execution = await client.get_execution(execution_id)
        except RomaError as exc:
            io.say(f"  {execution_id}  (could not read it: {one_line(exc, 80)})")
            continue
        line = (
            f"  {execution_id}  {status_label(execution.status, execution.status_raw)}  "
            f"{one_line(execution.initial_goal, 60)}"
        )
        if execution.is_finished:
            finished.add(execution_id)
            line += f"  (already {execution.status.value}: left alone)"
        io.say(line)
    return OK


async def _send_cancels(client: RomaClient, io: Io, ids: list[str], as_json: bool) -> int:
    for execution_id in ids:  # refuse a malformed id before anything is sent
        check_execution_id(execution_id, client.dialect)
    outcomes = await cancel_runs(client, ids, ActionLog(data_dir() / "actions.jsonl"))
    if as_json:
        io.say(json.dumps([o.as_dict() for o in outcomes], indent=2))
    else:
        for o in outcomes:
            io.say(f"{o.execution_id}  {o.summary()}")
    return OK if all(o.ok for o in outcomes) else API_ERROR


def cmd_dag(args: Namespace, io: Io) -> int:
    from .dag import build_graph, compute_layout
    from .dag.export import to_dot, to_json, to_mermaid
    from .dag.render import node_label, render_text

    async def body(client: RomaClient, _connection: Connection) -> int:
        dag = await client.get_dag(args.execution_id)
        graph, report = build_graph(dag)
        if args.format == "dot":
            io.say(to_dot(graph, args.execution_id))
        elif args.format == "mermaid":
            io.say(to_mermaid(graph))
        else:
            layout = compute_layout(graph, lambda n: node_label(graph, n, ascii=args.ascii))
            if args.format == "json":
                io.say(to_json(graph, layout, report, args.execution_id))
            elif io.out.isatty() and "NO_COLOR" not in os.environ:
                _print_coloured(io, graph, layout, args.ascii)
            else:
                io.say(render_text(graph, layout, ascii=args.ascii) or "(the DAG is empty)")
        for problem in report.messages():
            io.warn(f"warning: {problem}")
        return OK

    return run_api_command(args, io, body)


def _print_coloured(io: Io, graph: Any, layout: Any, ascii: bool) -> None:
    from rich.console import Console
    from rich.text import Text

    from .dag.render import Painter
    from .statuscolours import TERMINAL_STYLES

    rows = Painter(graph, layout, ascii=ascii).paint(
        0, 0, layout.canvas_width, layout.canvas_height
    )
    console = Console(file=io.out, highlight=False, width=max(80, layout.canvas_width))
    for row in rows:
        line = Text.assemble(*[(text, TERMINAL_STYLES.get(style, "")) for text, style in row])
        line.rstrip()
        console.print(line, soft_wrap=True)
