"""The API key in the OS keyring (service `roma-tui`, username = profile name).

Never a plain file: backends that would store the key in clear text, or nowhere, are refused for
writing, with a message that names the alternative (`ROMA_API_KEY`). On a headless Linux box the
chosen backend is keyring's `fail` backend, whose reads raise `NoKeyringError`: that is caught and
explained, not shown as a traceback.
"""

from __future__ import annotations

import keyring
import keyring.errors

SERVICE = "roma-tui"

ENV_HINT = (
    "Set ROMA_API_KEY in the environment instead (e.g. `export ROMA_API_KEY=...` in the shell "
    "that runs roma-tui)."
)

# Backends that store nothing, fail everything, or keep secrets in a readable file.
_UNSAFE_BACKENDS = ("fail", "null", "plaintext", "keyrings.alt")


class KeyringUnavailable(Exception):
    """No usable OS keyring: the message says why and what to do instead."""


def backend_name() -> str:
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _is_unsafe(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _UNSAFE_BACKENDS)


def _no_keyring(reason: str) -> KeyringUnavailable:
    return KeyringUnavailable(f"No usable OS keyring ({reason}). {ENV_HINT}")


def read_key(profile: str) -> str | None:
    """The stored key of `profile`, or None if there is none. Raises KeyringUnavailable."""
    try:
        return keyring.get_password(SERVICE, profile)
    except keyring.errors.NoKeyringError:
        raise _no_keyring("none is installed or running on this machine") from None
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(f"{type(exc).__name__}") from None


def store_key(profile: str, api_key: str) -> str:
    """Store the key; return the backend's name. Refuses unsafe backends (no plaintext fallback)."""
    name = backend_name()
    if _is_unsafe(name):
        raise _no_keyring(f"the available backend, {name}, would not keep it safely")
    try:
        keyring.set_password(SERVICE, profile, api_key)
    except keyring.errors.NoKeyringError:
        raise _no_keyring("none is installed or running on this machine") from None
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(f"storing failed: {type(exc).__name__}") from None
    return name


def delete_key(profile: str) -> bool:
    """Remove the key; True if one was there."""
    try:
        keyring.delete_password(SERVICE, profile)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.NoKeyringError:
        raise _no_keyring("none is installed or running on this machine") from None
    except keyring.errors.KeyringError as exc:
        raise _no_keyring(f"{type(exc).__name__}") from None
    return True
