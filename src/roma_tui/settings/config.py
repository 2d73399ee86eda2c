"""Profiles and preferences in `config.toml` (platformdirs' config dir).

Read with tomllib; written with tomlkit so the user's comments and layout survive. A file that
does not parse is reported with its path and line, and is never overwritten.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .paths import config_path

if TYPE_CHECKING:
    import tomlkit  # imported where a file is edited: reading needs only tomllib

HOSTED_URL = "https://api.izieroma.xyz"
DIALECTS = ("auto", "hosted", "upstream")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(Exception):
    """The config file cannot be used; the message names the file (and line, when known)."""


class ProfileNotFound(ConfigError):
    """A profile was asked for by name (--profile, or the file's active_profile) but no such
    profile is in the config. `name`, `known` (the names that exist) and `path` say which."""

    def __init__(self, message: str, *, name: str, known: list[str], path: Path) -> None:
        super().__init__(message)
        self.name = name
        self.known = known
        self.path = path


@dataclass
class Profile:
    name: str
    base_url: str = HOSTED_URL
    dialect: str = "auto"
    poll_interval: float = 2.0  # seconds, used when the server sends no rate-limit headers
    read_only: bool = False
    theme: str = "roma-dark"
    runaway_minutes: float = 5.0
    allow_insecure: bool = False  # send the key over plain http to a non-loopback host
    bell: bool = False  # ring the terminal bell when a watched run finishes
    hidden_columns: list[str] = field(default_factory=list)  # the console's column chooser

    def to_table(self) -> dict[str, Any]:
        data = asdict(self)
        del data["name"]
        return data


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "base_url": (str,),
    "dialect": (str,),
    "poll_interval": (int, float),
    "read_only": (bool,),
    "theme": (str,),
    "runaway_minutes": (int, float),
    "allow_insecure": (bool,),
    "bell": (bool,),
    "hidden_columns": (list,),
}


@dataclass
class Config:
    path: Path
    active_profile: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)
    # `[keymap]`: binding id -> keys ("main.cancel" = "x,ctrl+k"); the console checks the ids.
    keymap: dict[str, str] = field(default_factory=dict)
    keymap_problems: list[str] = field(default_factory=list)  # entries skipped, and why

    def profile(self, name: str | None = None) -> Profile | None:
        name = name or self.active_profile
        if name is None and len(self.profiles) == 1:
            name = next(iter(self.profiles))
        return self.profiles.get(name) if name else None


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        raise ConfigError(
            f"{name[:70]!r} is not a usable profile name: use letters, digits, '.', '_' or '-'."
        )
    return name


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except UnicodeDecodeError:
        raise ConfigError(f"Cannot read {path}: it is not UTF-8 text. Fix or remove it.") from None
    except OSError as exc:
        raise ConfigError(
            f"Cannot read {path}: {exc.strerror or type(exc).__name__}. Check that it is a "
            "readable file and that the directories above it are directories."
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The message ends with "(at line L, column C)"; that is the line to show.
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix or remove it.") from None
    except RecursionError:
        raise ConfigError(
            f"{path} is nested too deeply to read (arrays or tables inside each other "
            "thousands of times). Fix or remove it."
        ) from None

    active = raw.get("active_profile")
    if active is not None and not isinstance(active, str):
        line = _line_of(text, "active_profile")
        raise ConfigError(f"{path}, line {line}: active_profile must be a profile name (text).")
    tables = raw.get("profiles", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}, line {_line_of(text, 'profiles')}: 'profiles' must be a table.")
    profiles = {}
    for name, table in tables.items():
        profiles[name] = _profile_from_table(path, text, name, table)
    keymap, problems = _keymap_from(path, text, raw.get("keymap", {}))
    return Config(
        path=path,
        active_profile=active,
        profiles=profiles,
        keymap=keymap,
        keymap_problems=problems,
    )


def _keymap_from(path: Path, text: str, table: object) -> tuple[dict[str, str], list[str]]:
    """The `[keymap]` entries that are text; a bad entry is reported and skipped, never fatal
    (a typo in a key must not keep the console from starting)."""
    if not isinstance(table, dict):
        return {}, [f"{path}, line {_line_of(text, 'keymap') or '?'}: [keymap] must be a table."]
    keymap: dict[str, str] = {}
    problems = []
    for binding_id, keys in table.items():
        if isinstance(keys, str) and keys.strip():
            keymap[binding_id] = keys
        else:
            line = _line_of(text, binding_id) or "?"
            problems.append(
                f"{path}, line {line}: [keymap] {binding_id!r} must be keys as text, "
                'e.g. "x" or "x,ctrl+k".'
            )
    return keymap, problems


def _profile_from_table(path: Path, text: str, name: str, table: Any) -> Profile:
    line = _line_of(text, f"profiles.{name}") or _line_of(text, name)  # quoted names too
    where = f"{path}, line {line or '?'}"
    if not _PROFILE_NAME.match(name):
        raise ConfigError(
            f"{where}: {name[:40]!r} is not a usable profile name "
            "(letters, digits, '.', '_' or '-')."
        )
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: profile {name!r} must be a table.")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _FIELD_TYPES:
            continue  # unknown keys are left alone (a newer roma-tui may have written them)
        allowed = _FIELD_TYPES[key]
        if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
            expected = " or ".join(t.__name__ for t in allowed)
            at = _line_of(text, key) or "?"
            raise ConfigError(
                f"{path}, line {at}: {key} of profile {name!r} must be {expected}, not {value!r}."
            )
        values[key] = value
    hidden = values.get("hidden_columns", [])
    if not all(isinstance(name, str) for name in hidden):
        at = _line_of(text, "hidden_columns") or "?"
        raise ConfigError(f"{path}, line {at}: hidden_columns must be a list of column names.")
    if values.get("dialect", "auto") not in DIALECTS:
        raise ConfigError(f"{where}: dialect must be one of {', '.join(DIALECTS)}.")
    if float(values.get("poll_interval", 2.0)) <= 0:
        raise ConfigError(f"{where}: poll_interval must be above 0 seconds.")
    return Profile(name=name, **values)


def _load_document(path: Path) -> tomlkit.TOMLDocument:
    import tomlkit
    import tomlkit.exceptions

    load_config(path)  # raises ConfigError on a corrupt file: we never overwrite it
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return tomlkit.document()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from None
    except (tomlkit.exceptions.TOMLKitError, RecursionError) as exc:
        raise ConfigError(
            f"{path} cannot be edited safely ({type(exc).__name__}); it was left as it is. "
            "Fix or remove it."
        ) from None


def _write_document(path: Path, document: tomlkit.TOMLDocument) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    import tomlkit

    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(tomlkit.dumps(document))
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                Path(tmp).unlink(missing_ok=True)
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"Cannot write {path}: {reason}. Nothing was changed. Check that {path.parent} "
            f"exists, is a directory you may write to and has space, and that {path.name} "
            "is a writable file (not a directory, not made immutable)."
        ) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def save_profile(profile: Profile, *, path: Path | None = None, activate: bool = False) -> None:
    import tomlkit

    path = path or config_path()
    check_profile_name(profile.name)
    document = _load_document(path)
    if "profiles" not in document:
        document["profiles"] = tomlkit.table(is_super_table=True)
    profiles = document["profiles"]
    table = profiles.get(profile.name)
    if table is None:
        table = tomlkit.table()
        profiles[profile.name] = table
    for key, value in profile.to_table().items():
        table[key] = value
    if activate or "active_profile" not in document:
        document["active_profile"] = profile.name
    _write_document(path, document)


def set_preference(profile_name: str, key: str, value: Any, *, path: Path | None = None) -> None:
    """Change one setting of a profile (e.g. the theme the user picked), keeping the rest."""
    if key not in {f.name for f in fields(Profile)} - {"name"}:
        raise ConfigError(f"Unknown setting {key!r}.")
    path = path or config_path()
    config = load_config(path)
    profile = config.profiles.get(profile_name) or Profile(name=profile_name)
    setattr(profile, key, value)
    save_profile(profile, path=path)


def remove_profile(name: str, *, path: Path | None = None) -> bool:
    path = path or config_path()
    document = _load_document(path)
    profiles = document.get("profiles")
    if not profiles or name not in profiles:
        return False
    del profiles[name]
    if document.get("active_profile") == name:
        del document["active_profile"]
    _write_document(path, document)
    return True
