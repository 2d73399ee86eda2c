"""`n`: the new-execution form, validated with the API's own rules before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from ..api import PROFILES, InvalidRequestError
from ..api.validation import check_create
from .modal import RomaModal, tcss


@dataclass
class NewRun:
    goal: str
    options: dict[str, Any]


def parse_pairs(text: str, what: str) -> dict[str, str]:
    """'a=1, b=two' -> {'a': '1', 'b': 'two'}; raises ValueError naming the bad part."""
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what}: {part!r} is not key=value")
        pairs[key.strip()] = value.strip()
    return pairs


def overrides_from(pairs: dict[str, str]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for key, value in pairs.items():
        if key == "temperature":
            typed[key] = float(value)
        elif key == "max_tokens":
            typed[key] = int(value)
        else:
            typed[key] = value
    return typed


def build_request(goal: str, profile: str, depth: str, overrides: str, metadata: str) -> NewRun:
    """The form's fields -> a checked request; raises ValueError with a message for the user."""
    try:
        max_depth = int(depth) if depth.strip() else None
    except ValueError:
        raise ValueError(f"max depth must be a whole number from 1 to 10, not {depth!r}") from None
    try:
        override_values = overrides_from(parse_pairs(overrides, "overrides"))
    except ValueError as exc:
        raise ValueError(f"overrides: {exc}") from None
    options = {
        "max_depth": max_depth,
        "config_profile": profile or None,
        "config_overrides": override_values or None,
        "metadata": parse_pairs(metadata, "metadata") or None,
    }
    try:
        check_create(
            goal,
            options["max_depth"],
            options["config_profile"],
            options["config_overrides"],
            options["metadata"],
        )
    except InvalidRequestError as exc:
        raise ValueError(exc.message) from None
    return NewRun(goal, {k: v for k, v in options.items() if v is not None})


class NewExecutionForm(RomaModal[NewRun | None]):
    DEFAULT_CSS = tcss("new_run.tcss")
    BINDINGS = [
        Binding("ctrl+s", "submit", "Create", id="new.create"),
        Binding("escape", "close", "Close", id="new.close"),
    ]

    def __init__(self, previous: NewRun | None = None) -> None:
        super().__init__()
        self.previous = previous  # a request that was not sent: nothing typed is lost

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static("New execution", classes="title")
            yield Label("Goal (1-10,000 characters)")
            yield TextArea(id="goal")
            yield Label("Profile")
            yield Select(
                [(p, p) for p in PROFILES], value="general", allow_blank=False, id="profile"
            )
            yield Label("Max depth (1-10, blank: the profile's default)")
            yield Input(placeholder="3", id="depth")
            yield Label("Overrides: temperature=0.5, max_tokens=2000, model=...")
            yield Input(id="overrides")
            yield Label("Metadata (at most 10): key=value, ...")
            yield Input(id="metadata")
            yield Static("", id="form-error", markup=False)
            with Horizontal():
                yield Button("Create (ctrl+s)", id="create", variant="primary")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        goal = self.query_one("#goal", TextArea)
        previous = self.previous
        if previous is not None:
            options = previous.options
            goal.text = previous.goal
            self.query_one("#profile", Select).value = options.get("config_profile", "general")
            self.query_one("#depth", Input).value = str(options.get("max_depth") or "")
            for field in ("config_overrides", "metadata"):
                pairs = options.get(field) or {}
                box = self.query_one(
                    "#overrides" if field == "config_overrides" else "#metadata", Input
                )
                box.value = ", ".join(f"{k}={v}" for k, v in pairs.items())
            self.query_one("#form-error", Static).update(
                "The last attempt was not created; it is kept here."
            )
        goal.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_submit()
        else:
            self.action_close()

    def action_submit(self) -> None:
        try:
            request = build_request(
                self.query_one("#goal", TextArea).text,
                str(self.query_one("#profile", Select).value),
                self.query_one("#depth", Input).value,
                self.query_one("#overrides", Input).value,
                self.query_one("#metadata", Input).value,
            )
        except ValueError as exc:
            self.query_one("#form-error", Static).update(f"⚠ {exc}")
            return
        self.dismiss(request)

    def action_close(self) -> None:
        self.dismiss(None)
