"""The palette's commands by name, for the `:` command line (k9s habit).

`:view failed-today`, `:profile work`, `:sort duration desc`, `:theme light`, `:q`. Nothing is
implemented twice: names with an argument call the screen's own methods (set_sort,
recall_view...) or the palette's command for that value (`Switch profile: work`), and every
other palette command is reachable by its title as a name (`:refresh-now`, `:action-log`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main_screen import MainScreen

# Runs the command with its argument ("" when none); returns a problem to say, or None.
Run = Callable[[str], "str | None"]


@dataclass(frozen=True)
class NamedCommand:
    name: str
    help: str
    run: Run
    choices: Callable[[], list[str]] = field(default=lambda: [])  # what the argument may be


def slug(title: str) -> str:
    """`Toggle read-only` -> `toggle-read-only`."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def named_commands(screen: MainScreen) -> dict[str, NamedCommand]:
    app = screen.roma
    commands: dict[str, NamedCommand] = {}
    profiles: dict[str, Callable[[], object]] = {}
    for system in app.get_system_commands(screen):
        if system.title.startswith("Switch profile: "):
            profiles[system.title.removeprefix("Switch profile: ")] = system.callback
            continue
        commands[slug(system.title)] = NamedCommand(
            slug(system.title), system.help, _later(screen, system.callback)
        )
    palette_theme = commands.get("theme")

    def theme(name: str) -> str | None:
        if not name and palette_theme is not None:
            return palette_theme.run("")  # the palette's theme picker
        if name not in app.available_themes:
            return f"No theme {name!r} (themes: {', '.join(sorted(app.available_themes))})"
        app.theme = name
        return None

    def profile(name: str) -> str | None:
        if name not in profiles:
            known = ", ".join(sorted(profiles)) or "none in config.toml"
            return f"No profile {name!r} (profiles: {known})"
        app.call_later(profiles[name])
        return None

    def sort(words: str) -> str | None:
        column, _, order = words.partition(" ")
        if column not in screen.sortable or order.strip() not in ("", "asc", "desc"):
            return f"Sort by one of {', '.join(screen.sortable)}, then asc or desc"
        screen.set_sort(column, desc=order.strip() != "asc")
        return None

    views = lambda: sorted(screen.views)  # noqa: E731 (read when completing, not now)
    quit_app = commands.get("quit")
    for command in (
        NamedCommand("view", "Show a saved view", screen.recall_view, views),
        NamedCommand("save-view", "Save the filter, sort and columns as a view", screen.save_view),
        NamedCommand("delete-view", "Forget a saved view", screen.delete_view, views),
        NamedCommand("filter", "Set the filter line", screen.set_filter),
        NamedCommand("sort", "Sort by a column (asc or desc)", sort, lambda: screen.sortable),
        NamedCommand("theme", "Change the theme", theme, lambda: sorted(app.available_themes)),
        NamedCommand("profile", "Connect with another profile", profile, lambda: sorted(profiles)),
    ):
        commands[command.name] = command
    if quit_app is not None:
        commands["q"] = NamedCommand("q", quit_app.help, quit_app.run)
    return commands


def _later(screen: MainScreen, callback: Callable[[], object]) -> Run:
    def run(_argument: str) -> str | None:
        screen.app.call_later(callback)
        return None

    return run


def find(commands: dict[str, NamedCommand], name: str) -> NamedCommand | None:
    """The command by its name, or by a prefix only one name has."""
    if name in commands:
        return commands[name]
    starting = [c for n, c in commands.items() if n.startswith(name)]
    return starting[0] if len(starting) == 1 else None


def complete(commands: dict[str, NamedCommand], text: str) -> str | None:
    """The line completed: the command's name, or its argument from the command's choices."""
    name, space, argument = text.partition(" ")
    if not space:
        names = sorted(n for n in commands if n.startswith(name) and n != name)
        return names[0] if name and names else None
    command = commands.get(name)
    if command is None or " " in argument:
        return None
    for choice in command.choices():
        if choice.startswith(argument) and choice != argument:
            return f"{name} {choice}"
    return None


def matching(commands: dict[str, NamedCommand], text: str) -> list[str]:
    """What the suggestion line lists for what is typed so far."""
    name, space, argument = text.partition(" ")
    if space and name in commands:
        choices = [c for c in commands[name].choices() if c.startswith(argument)]
        return [f"{name} {c}" for c in choices] or [f"{name}: {commands[name].help}"]
    return sorted(n for n in commands if n.startswith(name))
