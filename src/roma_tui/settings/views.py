"""Saved views (a named filter + sort + columns) per profile, and the filter box's history.

Views live in config.toml beside their profile, as `[profiles.NAME.views.VIEW]` tables,
written with tomlkit (the user's comments survive) and atomically. The filter history is the
user's recent typing, not settings: it lives in the data dir, one JSON file, last 50 per
profile. A history that cannot be read or written is simply not remembered.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigError, _load_document, _write_document, check_profile_name, load_config
from .paths import config_path, data_dir

HISTORY_SIZE = 50


@dataclass(frozen=True)
class SavedView:
    name: str
    filter: str = ""
    sort: str = "created"
    descending: bool = True
    columns: tuple[str, ...] | None = None  # None: the view does not change the columns

    def describe(self) -> str:
        arrow = "↓" if self.descending else "↑"
        return f"{self.filter or '(no filter)'} · sort {self.sort} {arrow}"


def check_view_name(name: str) -> str:
    try:
        return check_profile_name(name)
    except ConfigError:
        raise ConfigError(
            f"{name[:70]!r} is not a usable view name: use letters, digits, '.', '_' or '-'."
        ) from None


def load_views(profile: str, *, path: Path | None = None) -> dict[str, SavedView]:
    """The profile's saved views by name; an entry of the wrong shape is skipped."""
    config = load_config(path or config_path())  # ConfigError when the file is unusable
    try:
        raw = tomllib.loads(config.path.read_text(encoding="utf-8"))
    except (FileNotFoundError, OSError, ValueError):
        return {}
    table = raw.get("profiles", {}).get(profile, {}).get("views", {})
    views: dict[str, SavedView] = {}
    if not isinstance(table, dict):
        return views
    for name, entry in table.items():
        view = _view_from(name, entry)
        if view is not None:
            views[name] = view
    return views


def _view_from(name: str, entry: Any) -> SavedView | None:
    if not isinstance(entry, dict):
        return None
    text, sort, descending = entry.get("filter", ""), entry.get("sort", "created"), True
    if not isinstance(text, str) or not isinstance(sort, str):
        return None
    if isinstance(entry.get("descending"), bool):
        descending = entry["descending"]
    columns = entry.get("columns")
    if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
        columns = None
    return SavedView(name, text, sort, descending, tuple(columns) if columns else None)


def save_view(profile: str, view: SavedView, *, path: Path | None = None) -> None:
    """Add or replace one view of a profile, leaving the rest of the file as it was."""
    import tomlkit  # only where a file is edited (reading needs only tomllib)

    check_profile_name(profile)
    check_view_name(view.name)
    path = path or config_path()
    document = _load_document(path)
    if "profiles" not in document:
        document["profiles"] = tomlkit.table(is_super_table=True)
    profiles = document["profiles"]
    if profile not in profiles:
        profiles[profile] = tomlkit.table()
    views = profiles[profile].get("views")
    if views is None:
        views = tomlkit.table(is_super_table=True)
        profiles[profile]["views"] = views
    elif not isinstance(views, dict):
        raise ConfigError(f"{path}: 'views' of profile {profile!r} must be a table; not changed.")
    table = tomlkit.table()
    table["filter"] = view.filter
    table["sort"] = view.sort
    table["descending"] = view.descending
    if view.columns is not None:
        table["columns"] = list(view.columns)
    views[view.name] = table
    _write_document(path, document)


def delete_view(profile: str, name: str, *, path: Path | None = None) -> bool:
    path = path or config_path()
    document = _load_document(path)
    views = document.get("profiles", {}).get(profile, {}).get("views")
    if not isinstance(views, dict) or name not in views:
        return False
    del views[name]
    _write_document(path, document)
    return True


# -- the filter box's history ------------------------------------------------------------------


def history_path() -> Path:
    return data_dir() / "filter-history.json"


def load_history(profile: str, *, path: Path | None = None) -> list[str]:
    """The profile's recent filters, oldest first ([] when none could be read)."""
    try:
        data = json.loads((path or history_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = data.get(profile) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, str)][-HISTORY_SIZE:]


def save_history(profile: str, entries: list[str], *, path: Path | None = None) -> bool:
    """Keep the last 50 of `entries` for the profile; False when it could not be written."""
    path = path or history_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data[profile] = entries[-HISTORY_SIZE:]
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".history.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                Path(tmp).unlink(missing_ok=True)
        return False
    return True
