"""`#status`: the run under the cursor: status, progress, step, timings, usage, result or error.

Everything from the server passes through `safetext` into Rich `Text`: no markup is parsed and
no control character reaches the terminal. Long results are cut here; `enter` shows them whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..api import Execution, Status
from ..presentation import clock, duration, relative, run_seconds, status_glyph
from ..safetext import clean, one_line, shorten
from .cells import is_runaway, status_style
from .modal import tcss

PANE_TEXT_LIMIT = 20_000  # characters of result/error shown in the pane; the viewer shows all
BAR_WIDTH = 24


def result_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def progress_bar(percent: float, *, ascii: bool) -> str:
    filled = round(BAR_WIDTH * max(0.0, min(percent, 100.0)) / 100)
    full, empty = ("#", "-") if ascii else ("█", "░")
    return full * filled + empty * (BAR_WIDTH - filled)


def task_counts(execution: Execution, status: Status | None) -> tuple[int, int] | None:
    """(done, total) tasks when the server told both and total is not zero, else None."""
    for source in (status, execution):
        total = getattr(source, "total_tasks", None) if source is not None else None
        done = getattr(source, "completed_tasks", None) if source is not None else None
        if isinstance(total, int) and total > 0 and isinstance(done, int):
            return done, total
    return None


def describe(
    execution: Execution | None,
    status: Status | None,
    *,
    palette: Mapping[str, str],
    runaway_s: float,
    ascii: bool = False,
    now: datetime | None = None,
    working_on: list[str] | None = None,
) -> Text:
    """The pane's text for one run (the row, plus its Status when we have it).

    `working_on`: goals of the tasks running now, from the run's DAG when it is at hand; shown
    as the step when the server names none.
    """
    if execution is None:
        return Text("No execution selected.", style="dim")
    now = now or datetime.now(UTC)
    state = status.status.value if status else execution.status.value
    text = Text()
    text.append(execution.execution_id, style="bold")
    text.append("  ")
    text.append(f"{status_glyph(state, ascii=ascii)} {state}", style=status_style(state, palette))
    raw = (status.status_raw if status else None) or execution.status_raw
    if state == "unknown" and raw:
        text.append(f" (server said {one_line(raw, 30)!r})", style="dim")
    if is_runaway(execution, runaway_s, now):
        text.append(
            f"  RUNAWAY: running for {duration(run_seconds(execution.created_at, None, now))}",
            style=f"bold {palette.get('runaway', 'red')}",
        )
    text.append("\n")
    text.append("Goal  ", style="bold")
    text.append(one_line(execution.initial_goal, 300))
    text.append(
        f"\nProfile {one_line(execution.config_profile or '-', 20)} · max depth "
        f"{execution.max_depth if execution.max_depth is not None else '-'}",
        style="dim",
    )

    progress = (
        status.progress
        if status and status.progress is not None
        else (100.0 if state == "completed" else None)
    )
    counts = task_counts(execution, status)
    if progress is not None:
        text.append(f"\n{progress_bar(progress, ascii=ascii)} {progress:5.1f}%")
        if counts:
            text.append(f"  {counts[0]} of {counts[1]} tasks", style="dim")
    elif counts:
        text.append(f"\n{counts[0]} of {counts[1]} tasks done")
    elif state in ("running", "pending"):
        # Never a 0% the server did not mean: say why the number is missing.
        if status is None:
            text.append("\nProgress not read yet (it comes with the next poll)", style="dim")
        else:
            text.append("\nProgress unknown (the server does not report it yet)", style="dim")
    step = status.current_step if status else None
    if not step and working_on:
        step = "; ".join(one_line(goal, 60) for goal in working_on[:3])
        if len(working_on) > 3:
            step += f" (+{len(working_on) - 3} more)"
    if step and state == "running":
        text.append("  Step ", style="bold")
        text.append(one_line(step, 120))

    finished = (status.completed_at or status.failed_at or status.cancelled_at) if status else None
    finished = finished or execution.finished_at
    updated = (status.updated_at if status else None) or execution.updated_at
    text.append("\nCreated ", style="bold")
    text.append(f"{clock(execution.created_at)} ({relative(execution.created_at, now)})")
    text.append(" · Updated ", style="bold")
    text.append(clock(updated))
    if finished:
        text.append(" · Finished ", style="bold")
        text.append(clock(finished))
    text.append(" · Duration ", style="bold")
    ran = run_seconds(execution.created_at, finished, now) if finished else execution.ran_for(now)
    text.append(duration(ran))

    meta = (status.metadata if status else None) or execution.metadata
    if meta is not None:
        tokens = f"{meta.tokens_used:,}" if meta.tokens_used is not None else "-"
        calls = str(meta.agent_calls) if meta.agent_calls is not None else "-"
        text.append("\nUsage ", style="bold")
        text.append(f"{tokens} tokens · {calls} agent calls")
    text.append("\n")

    error, reason = error_or_reason(execution, status)
    if reason:
        text.append("Reason ", style="bold")
        text.append(one_line(reason, 300))
        text.append("\n")
    kind = (status.error_type if status else None) or execution.error_type
    result = (status.result if status else None) or execution.result
    for title, body, style in (
        (
            f"Error: {one_line(kind, 40)}" if kind else "Error",
            error,
            status_style("failed", palette),
        ),
        ("Result", result_text(result), ""),
    ):
        if body and body.strip():
            shown, cut = shorten(body, PANE_TEXT_LIMIT)
            text.append(f"\n── {title} ", style=f"bold {style}")
            text.append(f"({len(body):,} chars{', enter shows all' if cut else ''})\n", style="dim")
            text.append(shown + ("\n…" if cut else ""))
            text.append("\n")
    return text


def error_or_reason(execution: Execution, status: Status | None) -> tuple[str, str]:
    """(error, reason): the run's error text, or, for a run cancelled without a failure, the
    reason it was stopped ("Cancelled by the user."), which is not an error. Blank is ""."""
    error = (status.error if status else None) or execution.error or ""
    kind = (status.error_type if status else None) or execution.error_type
    state = status.status if status else execution.status
    if not error.strip():
        return "", ""
    if state == "cancelled" and not kind:
        return "", error
    return error, ""


def whole_text(execution: Execution | None, status: Status | None) -> str:
    """Everything worth reading about the run, for the viewer (cleaned, never cut)."""
    if execution is None:
        return ""
    state = (status.status if status else execution.status).value
    goal = execution.initial_goal or "(the server sent none)"
    parts = [f"{execution.execution_id} · {state}\n\nGoal:\n{goal}"]
    error, reason = error_or_reason(execution, status)
    result = (status.result if status else None) or execution.result
    if reason:
        parts.append(f"Reason:\n{reason}")
    if error:
        parts.append(f"Error:\n{error}")
    if result is not None and result_text(result).strip():
        parts.append(f"Result:\n{result_text(result)}")
    return clean("\n\n".join(parts))


class StatusPane(VerticalScroll):
    DEFAULT_CSS = tcss("status_pane.tcss")
    _shown: Text | None = None  # what the body shows now

    def compose(self) -> ComposeResult:
        yield Static(Text("No execution selected.", style="dim"), id="status-body")

    def show(self, text: Text) -> None:
        if text != self._shown:  # a tick that changes nothing repaints nothing
            self._shown = text
            self.query_one("#status-body", Static).update(text)
