"""Server URLs: which ones are a ROMA API root, and which hosts may get a key over plain http.

Only a literal loopback address (127.0.0.0/8, ::1) or the name `localhost` itself counts as
loopback. A name under `.localhost` (`evil.localhost`) does not: it goes through whatever resolver
the machine has, so it may reach another host.
"""

from __future__ import annotations

import ipaddress

import httpx

from .errors import InvalidRequestError, RomaError

API_PREFIX = "/api/v1"
_LOOPBACK_NAMES = ("localhost", "localhost.")


class InsecureTransportError(RomaError):
    """Refused to send an API key in clear text over the network."""


def is_loopback(host: str | None) -> bool:
    """True only for `localhost` and literal loopback addresses (brackets allowed for IPv6)."""
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, sends_key: bool, allow_insecure: bool) -> httpx.URL:
    """The API root for `url`; raises if it is not a server URL or would leak the key."""
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidRequestError(
            f"{url[:80]!r} is not a server URL: expected http(s)://host[:port]",
            status_code=400,
            code="invalid_request",
        )
    clear_text = parsed.scheme == "http" and not is_loopback(parsed.host)
    if clear_text and sends_key and not allow_insecure:
        raise InsecureTransportError(
            f"Refusing to send the API key over plain http:// to {parsed.host}: use https://, "
            "or allow it explicitly (allow_insecure=True / --allow-insecure)."
        )
    path = parsed.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return parsed.copy_with(path=path + API_PREFIX, query=None, fragment=None)
