"""The account companions: login, logout, profiles. The key is read without echo, checked
with one request, and kept in the OS keyring; it is never printed.
"""

from __future__ import annotations

import asyncio
import json
from argparse import Namespace

from .api import RomaError
from .commands import (
    API_ERROR,
    INTERRUPTED,
    OK,
    USAGE,
    Io,
    explain,
    loaded_config,
    make_client,
    text_table,
)
from .settings import (
    ConfigError,
    Connection,
    KeyringLocked,
    KeyringUnavailable,
    Profile,
    check_profile_name,
    delete_key,
    load_config,
    read_key,
    remove_profile,
    save_profile,
    store_key,
)


def cmd_login(args: Namespace, io: Io) -> int:
    try:
        config = load_config()
        name = check_profile_name(args.profile or config.active_profile or "default")
    except ConfigError as exc:
        io.warn(f"error: {exc}")
        return USAGE
    profile = config.profiles.get(name) or Profile(name=name)
    if args.url:
        profile.base_url = args.url
    try:
        key = io.ask_secret(f"API key for profile {name} ({profile.base_url}): ").strip()
    except EOFError:
        key = ""
    except KeyboardInterrupt:
        io.warn("\ninterrupted; nothing was stored")
        return INTERRUPTED
    if not key:
        io.warn("error: no key given; nothing was stored")
        return USAGE
    connection = Connection(profile, profile.base_url, key, "prompt", "login")

    async def verify() -> None:
        async with make_client(args, connection) as client:
            await client.list_executions(limit=1)

    try:
        asyncio.run(verify())
    except RomaError as exc:
        io.warn(explain(exc, connection))
        io.warn("The key was not stored.")
        return API_ERROR
    try:
        save_profile(profile, activate=True)
    except ConfigError as exc:
        io.warn(f"error: {exc}")
        return USAGE
    try:
        backend = store_key(name, key)
    except KeyringUnavailable as exc:
        io.warn(f"The key works, but it was not stored: {exc}")
        return API_ERROR
    io.say(f"Logged in: profile {name} at {profile.base_url}; key stored in {backend}.")
    return OK


def cmd_logout(args: Namespace, io: Io) -> int:
    config = loaded_config(io)
    if config is None:
        return USAGE
    name = args.profile or config.active_profile or "default"
    try:
        removed = delete_key(name)
    except KeyringUnavailable as exc:
        io.warn(f"error: {exc}")
        return API_ERROR
    if args.forget:
        try:
            remove_profile(name)
        except ConfigError as exc:
            io.warn(f"error: {exc}")
            return USAGE
    io.say(f"Removed the key of profile {name}." if removed else f"Profile {name} had no key.")
    return OK


def cmd_profiles(args: Namespace, io: Io) -> int:
    config = loaded_config(io)
    if config is None:
        return USAGE
    if not config.profiles:
        io.say(f"No profiles yet ({config.path}). Run `roma-tui login` to make one.")
        return OK
    rows = []
    for name, profile in sorted(config.profiles.items()):
        try:
            key = "stored" if read_key(name) else "none"
        except KeyringLocked:
            key = "keyring locked"
        except KeyringUnavailable:
            key = "no keyring"
        rows.append(
            [
                "*" if name == config.active_profile else "",
                name,
                profile.base_url,
                profile.dialect,
                "yes" if profile.read_only else "no",
                key,
            ]
        )
    if args.json:
        keys = ["active", "name", "base_url", "dialect", "read_only", "key"]
        io.say(json.dumps([dict(zip(keys, r, strict=True)) for r in rows], indent=2))
    else:
        io.say(text_table(rows, ["", "PROFILE", "URL", "DIALECT", "READ-ONLY", "KEY"]))
    return OK
