"""API keys and rate limits, the way the hosted service has them.

Keys are kept only as SHA-256 digests and compared in constant time; a key is never logged or
stored. Rate limits are fixed windows per key (a day by default, reset at the window's edge,
as `X-RateLimit-Reset` says).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

FULL, READ_ONLY = "full", "read_only"


def digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8", "surrogatepass")).hexdigest()


def new_demo_key() -> str:
    return "sk_sandbox_" + secrets.token_urlsafe(24)


class ApiKeys:
    def __init__(self, full: Iterable[str] = (), read_only: Iterable[str] = ()) -> None:
        self._roles: list[tuple[bytes, str]] = [(digest(k).encode(), FULL) for k in full]
        self._roles += [(digest(k).encode(), READ_ONLY) for k in read_only]

    def identify(self, api_key: str | None) -> tuple[str, str] | None:
        """(key digest, role) for a known key; None otherwise. Checks every key, always."""
        if not api_key:
            return None
        candidate = digest(api_key).encode()
        found = None
        for stored, role in self._roles:
            if hmac.compare_digest(stored, candidate) and found is None:
                found = (stored.decode(), role)
        return found


_RATE = re.compile(r"^\s*(\d+)\s*(?:/\s*(second|sec|s|minute|min|m|hour|h|day|d))?\s*$", re.I)
_WINDOWS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def parse_rate(text: str) -> tuple[int, float]:
    """'1000/day', '30/min', '5/s' -> (limit, window seconds). A bare number is per day."""
    match = _RATE.match(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{text!r} is not a rate: write it as N/day, N/hour, N/min or N/s")
    return int(match.group(1)), float(_WINDOWS[(match.group(2) or "day").lower()])


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # Unix seconds


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.time) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._used: dict[str, tuple[float, int]] = {}  # bucket -> (window start, used)
        self._lock = threading.Lock()

    def take(self, bucket: str) -> Allowance:
        now = self._clock()
        start = math.floor(now / self.window) * self.window
        with self._lock:
            window_start, used = self._used.get(bucket, (start, 0))
            if window_start != start:
                used = 0
            allowed = used < self.limit
            if allowed:
                used += 1
            self._used[bucket] = (start, used)
        return Allowance(
            allowed, self.limit, max(0, self.limit - used), math.ceil(start + self.window)
        )
