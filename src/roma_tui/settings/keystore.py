"""The API key in the OS keyring (service `roma-tui`, username = profile name).

Never a plain file: backends that would store the key in clear text, or nowhere, are refused for
writing, with a message that names the alternative (`ROMA_API_KEY`). On a headless Linux box the
chosen backend is keyring's `fail` backend, whose reads raise `NoKeyringError`: that is caught and
explained, not shown as a traceback.

Every function here may run in a worker thread (`await asyncio.to_thread(read_key, name)`): a
keyring behind a desktop unlock prompt can block for as long as the prompt is open, which must
not freeze an event loop. The one shared thing, keyring's lazily chosen backend, is chosen under
a lock.

keyring itself is imported on first use: a command that gets its key from ROMA_API_KEY never
loads it (nor the entry points it scans).
"""

from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "roma-tui"

ENV_HINT = (
    "Set ROMA_API_KEY in the environment instead (e.g. `export ROMA_API_KEY=...` in the shell "
    "that runs roma-tui)."
)

# Backends that store nothing, fail everything, or keep secrets in a readable file.
_UNSAFE_BACKENDS = ("fail", "null", "plaintext", "keyrings.alt")


UNLOCK_HINT = (
    "Unlock it (log in to the desktop session, or answer its unlock prompt; on a headless "
    "GNOME keyring: `echo -n PASSWORD | gnome-keyring-daemon --unlock`), then try again."
)

_backend_lock = threading.Lock()


class KeyringUnavailable(Exception):
    """No usable OS keyring: the message says why and what to do instead."""


class KeyringLocked(KeyringUnavailable):
    """The OS keyring is there but locked (or its unlock prompt was dismissed)."""


class KeyringTimeout(KeyringUnavailable):
    """The OS keyring did not answer in time (often: waiting behind an unlock prompt)."""


def _backend() -> KeyringBackend:
    import keyring

    with _backend_lock:  # keyring picks its backend on first use; once, even across threads
        return keyring.get_keyring()


def backend_name() -> str:
    backend = _backend()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _is_unsafe(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _UNSAFE_BACKENDS)


def _no_keyring(reason: str) -> KeyringUnavailable:
    return KeyringUnavailable(f"No usable OS keyring ({reason}). {ENV_HINT}")


def _locked() -> KeyringLocked:
    return KeyringLocked(f"The OS keyring is locked. {UNLOCK_HINT} Or: {ENV_HINT}")


def read_key(profile: str) -> str | None:
    """The stored key of `profile`, or None if there is none. Raises KeyringUnavailable
    (KeyringLocked when the keyring is locked). Blocks while a keyring unlock prompt is open."""
    from keyring import errors

    try:
        return _backend().get_password(SERVICE, profile)
    except errors.NoKeyringError:
        raise _no_keyring("none is installed or running on this machine") from None
    except errors.KeyringLocked:
        raise _locked() from None
    except errors.KeyringError as exc:
        raise _no_keyring(f"{type(exc).__name__}") from None


def read_key_with_timeout(profile: str, timeout: float) -> str | None:
    """`read_key`, but give up after `timeout` seconds with KeyringTimeout.

    The read goes on in a daemon thread (a keyring call cannot be interrupted); it does not
    keep the process alive, and its late answer is dropped.
    """
    answers: queue.Queue[tuple[str | None, KeyringUnavailable | None]] = queue.Queue(1)

    def work() -> None:
        try:
            answers.put((read_key(profile), None))
        except KeyringUnavailable as exc:
            answers.put((None, exc))
        except Exception as exc:  # a backend bug must reach the caller, not vanish in a thread
            answers.put((None, _no_keyring(type(exc).__name__)))

    threading.Thread(target=work, name="roma-tui-keyring-read", daemon=True).start()
    try:
        key, problem = answers.get(timeout=timeout)
    except queue.Empty:
        raise KeyringTimeout(
            f"The OS keyring did not answer within {timeout:g} s (is it waiting for an unlock "
            f"prompt?). {UNLOCK_HINT} Or: {ENV_HINT}"
        ) from None
    if problem is not None:
        raise problem
    return key


def store_key(profile: str, api_key: str) -> str:
    """Store the key; return the backend's name. Refuses unsafe backends (no plaintext fallback)."""
    name = backend_name()
    if _is_unsafe(name):
        raise _no_keyring(f"the available backend, {name}, would not keep it safely")
    from keyring import errors

    try:
        _backend().set_password(SERVICE, profile, api_key)
    except errors.NoKeyringError:
        raise _no_keyring("none is installed or running on this machine") from None
    except errors.KeyringLocked:
        raise _locked() from None
    except errors.KeyringError as exc:
        raise _no_keyring(f"storing failed: {type(exc).__name__}") from None
    return name


def delete_key(profile: str) -> bool:
    """Remove the key; True if one was there."""
    from keyring import errors

    try:
        _backend().delete_password(SERVICE, profile)
    except errors.PasswordDeleteError:
        return False
    except errors.NoKeyringError:
        raise _no_keyring("none is installed or running on this machine") from None
    except errors.KeyringLocked:
        raise _locked() from None
    except errors.KeyringError as exc:
        raise _no_keyring(f"{type(exc).__name__}") from None
    return True
