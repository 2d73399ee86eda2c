"""Rate-limit headers are read without being trusted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx

from roma_tui.api.ratelimit import parse_rate_limit, parse_retry_after

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def headers(**values):
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


def test_plain_headers():
    reset = int((NOW + timedelta(hours=3)).timestamp())
    rl = parse_rate_limit(
        headers(
            x_ratelimit_limit="1000", x_ratelimit_remaining="847", x_ratelimit_reset=str(reset)
        ),
        NOW,
    )
    assert (rl.limit, rl.remaining) == (1000, 847)
    assert rl.reset_at == NOW + timedelta(hours=3) and rl.anomalies == ()
    assert rl.seconds_to_reset(NOW) == 3 * 3600


def test_missing_headers_are_unknown_not_zero():
    rl = parse_rate_limit(headers(), NOW)
    assert not rl.known and rl.remaining is None and rl.anomalies == ()


def test_odd_headers_are_named():
    rl = parse_rate_limit(
        headers(x_ratelimit_limit="lots", x_ratelimit_remaining="-3", x_ratelimit_reset="soon"), NOW
    )
    assert rl.limit is None and rl.remaining == 0 and rl.reset_at is None
    assert len(rl.anomalies) == 3


def test_remaining_above_limit_is_clamped():
    rl = parse_rate_limit(headers(x_ratelimit_limit="100", x_ratelimit_remaining="500"), NOW)
    assert rl.remaining == 100 and "above the limit" in rl.anomalies[0]


def test_reset_in_the_past_or_years_ahead():
    past = parse_rate_limit(headers(x_ratelimit_reset=str(int(NOW.timestamp()) - 600)), NOW)
    assert past.reset_at is None and "past" in past.anomalies[0]
    far = parse_rate_limit(headers(x_ratelimit_reset=str(int(NOW.timestamp()) + 10**8)), NOW)
    assert far.reset_at == NOW + timedelta(days=1) and "two days" in far.anomalies[0]


def test_small_reset_is_seconds_from_now():
    rl = parse_rate_limit(headers(x_ratelimit_reset="60"), NOW)
    assert rl.reset_at == NOW + timedelta(seconds=60)


def test_server_clock_skew_moves_the_reset_into_our_clock():
    server_now = NOW + timedelta(hours=1)  # the server's clock runs an hour ahead
    reset = int((server_now + timedelta(minutes=10)).timestamp())
    rl = parse_rate_limit(
        headers(x_ratelimit_reset=str(reset), date=format_datetime(server_now, usegmt=True)), NOW
    )
    assert rl.clock_skew == 3600
    assert rl.reset_at == NOW + timedelta(minutes=10)


def test_retry_after_seconds_or_date():
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after(format_datetime(NOW + timedelta(seconds=30), usegmt=True), NOW) == 30
    assert parse_retry_after("-5", NOW) is None
    assert parse_retry_after("whenever", NOW) is None
