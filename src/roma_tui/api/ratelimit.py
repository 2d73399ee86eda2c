"""Reading the rate-limit headers (`X-RateLimit-*`, `Retry-After`) without trusting them.

Servers send headers that are missing, non-numeric, negative, with a reset in the past or years
ahead, remaining above limit, or from a clock far off ours. What can be read is kept; what is odd
is named in `anomalies` so the poll planner (and the user) can see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# A reset further ahead than this is taken as a bad header (the hosted window is one day).
MAX_RESET_AHEAD = timedelta(days=2)
# Below this a "reset" is a number of seconds from now, not a Unix time.
_UNIX_TIME_FLOOR = 100_000_000
# Clock differences smaller than this are noise (Date has one-second resolution).
_SKEW_NOISE = timedelta(seconds=5)


@dataclass(frozen=True)
class RateLimit:
    """The last rate-limit state a response told us, in our own clock."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None
    observed_at: datetime
    retry_after: float | None = None  # seconds, from Retry-After
    clock_skew: float = 0.0  # server clock minus ours, seconds (0 when unknown or small)
    anomalies: tuple[str, ...] = field(default=())

    @property
    def known(self) -> bool:
        return self.limit is not None or self.remaining is not None or self.reset_at is not None

    def seconds_to_reset(self, now: datetime) -> float | None:
        if self.reset_at is None:
            return None
        return max(0.0, (self.reset_at - now).total_seconds())


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except (ValueError, OverflowError):
        return None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """`Retry-After` is seconds or an HTTP date; None when it is neither or negative."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(seconds, MAX_RESET_AHEAD.total_seconds())


def _server_clock_skew(headers: Mapping[str, str], now: datetime) -> float:
    try:
        server_now = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError, IndexError):
        return 0.0
    if server_now.tzinfo is None:
        server_now = server_now.replace(tzinfo=UTC)
    skew = server_now - now
    return skew.total_seconds() if abs(skew) > _SKEW_NOISE else 0.0


def parse_rate_limit(headers: Mapping[str, str], now: datetime | None = None) -> RateLimit:
    """Read a response's headers (a case-insensitive mapping, e.g. httpx.Headers)."""
    now = now or datetime.now(UTC)
    anomalies: list[str] = []
    raw_limit = headers.get("x-ratelimit-limit")
    raw_remaining = headers.get("x-ratelimit-remaining")
    raw_reset = headers.get("x-ratelimit-reset")

    limit = _int(raw_limit)
    if raw_limit is not None and (limit is None or limit <= 0):
        anomalies.append(f"X-RateLimit-Limit is {raw_limit[:20]!r}")
        limit = None
    remaining = _int(raw_remaining)
    if raw_remaining is not None and (remaining is None or remaining < 0):
        anomalies.append(f"X-RateLimit-Remaining is {raw_remaining[:20]!r}")
        remaining = None if remaining is None else 0
    if limit is not None and remaining is not None and remaining > limit:
        anomalies.append(f"remaining {remaining} is above the limit {limit}")
        remaining = limit

    skew = _server_clock_skew(headers, now)
    reset_at = None
    reset = _int(raw_reset)
    if raw_reset is not None and reset is None:
        anomalies.append(f"X-RateLimit-Reset is {raw_reset[:20]!r}")
    elif reset is not None:
        if 0 <= reset < _UNIX_TIME_FLOOR:
            reset_at = now + timedelta(seconds=reset)
        else:
            try:
                server_reset = datetime.fromtimestamp(reset, tz=UTC)
            except (OverflowError, OSError, ValueError):
                server_reset = None
            if server_reset is None:
                anomalies.append(f"X-RateLimit-Reset is {str(raw_reset)[:20]!r}")
            else:
                # The reset is in the server's clock: move it into ours.
                reset_at = server_reset - timedelta(seconds=skew)
        if reset_at is not None and reset_at < now - _SKEW_NOISE:
            anomalies.append("the reset time is in the past")
            reset_at = None
        elif reset_at is not None and reset_at - now > MAX_RESET_AHEAD:
            anomalies.append("the reset time is more than two days ahead")
            reset_at = now + timedelta(days=1)

    return RateLimit(
        limit=limit,
        remaining=remaining,
        reset_at=reset_at,
        observed_at=now,
        retry_after=parse_retry_after(headers.get("retry-after"), now),
        clock_skew=skew,
        anomalies=tuple(anomalies),
    )
