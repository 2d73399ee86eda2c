"""The cancel confirmation: names what will be cancelled; only an explicit `y` sends anything.

The safe button ("No") has the focus; `n` or `esc` closes without sending.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from ..api import Execution
from ..safetext import one_line
from .modal import RomaModal, tcss


class ConfirmCancel(RomaModal[bool]):
    DEFAULT_CSS = tcss("confirm.tcss")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes, cancel", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "No", show=False, id="confirm.close"),
    ]

    def __init__(self, executions: list[Execution], *, cost: str = "") -> None:
        super().__init__()
        self.executions = executions
        self.cost = cost  # what the run has spent so far, when known (helps judge a runaway)

    def compose(self) -> ComposeResult:
        count = len(self.executions)
        title = (
            f"Cancel execution {self.executions[0].execution_id}?"
            if count == 1
            else f"Cancel {count} executions?"
        )
        listing = Text()
        for execution in self.executions:
            listing.append(execution.execution_id, style="bold")
            state = execution.status.value
            if state == "unknown" and execution.status_raw:  # say what the server said
                state += f" ({one_line(execution.status_raw, 20)})"
            listing.append(f"  {state:<10} ")
            listing.append(one_line(execution.initial_goal, 60) + "\n")
        # "Keep them running" only of runs that are: an unknown state is not known to run.
        running = all(e.status.value == "running" for e in self.executions)
        keep = "keep them running" if running else "leave them as they are"
        with Vertical(classes="dialog"):
            yield Static(Text(title, style="bold"), id="cancel-title")
            with VerticalScroll(id="cancel-list"):
                yield Static(listing)
            yield Static(Text(self.cost, style="bold"), id="cancel-cost")
            yield Static(Text(f"Press y to cancel, n or esc to {keep}.", style="dim"))
            with Horizontal():
                no = "No, keep running (n)" if running else "No, leave them (n)"
                yield Button(no, id="no", variant="primary")
                yield Button("Yes, cancel (y)", id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def show_cost(self, text: str) -> None:
        self.cost = text
        if self.is_mounted:
            self.query_one("#cancel-cost", Static).update(Text(text, style="bold"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
