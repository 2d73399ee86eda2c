"""Themes as data: TOML files shipped in `themes/` and dropped by users into the config dir.

A theme file names Textual's colours and our own variables (`status-running`, ...). A broken
file is skipped with a message; it never stops the app.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from textual.theme import Theme

from ..settings import config_dir
from ..statuscolours import THEME_DEFAULTS

# Defaults for our variables, so any Textual theme (e.g. the built-in ones) works too.
STATUS_DEFAULTS = THEME_DEFAULTS
_COLOURS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
    "boost",
)


def shipped_theme_dir() -> Path:
    """Inside the wheel: roma_tui/themes. From a source checkout: the repository's themes/."""
    packaged = Path(__file__).resolve().parents[1] / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "themes"


def user_theme_dir() -> Path:
    return config_dir() / "themes"


def load_theme_file(path: Path) -> Theme:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        raise ValueError("a theme needs a 'name' and a 'primary' colour")
    colours = {k: data[k] for k in _COLOURS if isinstance(data.get(k), str)}
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ValueError("[variables] must be a table")
    return Theme(
        name=data["name"],
        dark=bool(data.get("dark", True)),
        variables={str(k): str(v) for k, v in variables.items()},
        **colours,
    )


def load_themes() -> tuple[list[Theme], list[str]]:
    """All themes (shipped first, then the user's); and a message for each file skipped."""
    shipped, skipped = _shipped_themes()
    themes, problems = list(shipped), list(skipped)
    _read_folder(user_theme_dir(), themes, problems)  # read again each start: users edit them
    return themes, problems


@functools.cache
def _shipped_themes() -> tuple[tuple[Theme, ...], tuple[str, ...]]:
    """The themes in the package, read once per process (they do not change under it)."""
    themes: list[Theme] = []
    problems: list[str] = []
    _read_folder(shipped_theme_dir(), themes, problems)
    return tuple(themes), tuple(problems)


def _read_folder(folder: Path, themes: list[Theme], problems: list[str]) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.toml")):
        try:
            themes.append(load_theme_file(path))
        except (OSError, ValueError, TypeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"Theme {path} skipped: {exc}")
