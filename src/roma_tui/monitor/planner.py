"""The poll planner: what to fetch next, and when, within the API's rate limit.

The hosted API allows 1,000 requests a day; a console polling every 2 s spends that in 33
minutes and then locks its user out, cancel included. The planner spends what remains evenly
until the reset, keeps a reserve that only the user's own actions may use, slows right down when
nothing runs, backs off after failures, and says why it chose each delay. It is pure logic driven
by an injectable clock, so tests can run a day in milliseconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..api.ratelimit import RateLimit

LIST, STATUS, DAG = "list", "status", "dag"
DEFAULT_WINDOW = 86400.0  # when a server gives remaining but no reset: assume a day
# A reset this much later than the last one is a new window; a reset sent as seconds from now
# moves by the request's own time at every answer.
NEW_WINDOW = 30.0


@dataclass(frozen=True)
class OnScreen:
    """What the user is looking at, which decides what is worth fetching."""

    list_visible: bool = True
    focused_id: str | None = None
    focused_running: bool = False
    dag_open: bool = False
    any_running: bool = False


@dataclass(frozen=True)
class PollPlan:
    fetch: tuple[str, ...]  # e.g. ("list", "status", "dag"); empty: nothing worth fetching
    at: float  # clock seconds
    reason: str  # for the footer: "budget", "idle", "backoff after 503", ...


@dataclass
class BudgetView:
    """What the user sees of the planner."""

    limit: int | None
    remaining: int | None
    reserve: int
    reset_at: datetime | None
    next_poll_at: float | None
    reason: str
    stale_since: float | None
    anomalies: tuple[str, ...] = ()
    sent: int = 0  # requests this session has sent (every attempt, retries included)
    halted: str | None = None  # why polling stopped (a refused key), until the user acts
    answered: bool = True  # a poll has succeeded this session (else nothing is stale: unseen)


@dataclass
class PollPlanner:
    clock: Callable[[], float] = time.time
    interval: float = 2.0  # the profile's interval, used as the floor and without headers
    idle_interval: float = 60.0  # with nothing running
    reserve_fraction: float = 0.05
    reserve_min: int = 10
    max_backoff: float = 120.0
    max_wait: float = 900.0  # never plan further ahead than this without looking again
    not_an_api_backoff: float = 60.0  # first wait when the URL is not a ROMA API; doubles

    rate_limit: RateLimit | None = None
    _failures: int = 0
    _backoff_until: float = 0.0
    _backoff_reason: str = ""
    _last_poll_at: float | None = None
    _last_success_at: float | None = None
    _stale_since: float | None = None
    _last_plan: PollPlan | None = field(default=None, repr=False)
    sent: int = 0
    _sent_since_seen: int = 0  # sent since the server last told us what remains
    _next_free: float = 0.0  # even pacing: when the next request fits the even spend
    burst: int = 2  # automatic extras may run this many requests ahead of the pace
    _halted: str | None = None
    _pace_at_poll: float | None = None  # the even pace when the poll under way started

    # -- what responses tell us ----------------------------------------------------------------

    def observe(self, rate_limit: RateLimit | None) -> None:
        if rate_limit is not None and rate_limit.known and rate_limit is not self.rate_limit:
            old_reset = self.rate_limit.reset_at if self.rate_limit else None
            new_reset = rate_limit.reset_at
            if old_reset and new_reset and (new_reset - old_reset).total_seconds() > NEW_WINDOW:
                # A new window: the pace run up in the old one (in its reserve, each request
                # pushed it by the whole time left) says nothing about this one.
                self._next_free = min(self._next_free, self.clock())
            self.rate_limit = rate_limit
            self._sent_since_seen = 0  # the server's count includes them now

    def note_sent(self) -> None:
        """One request went out (a poll, a page, a retry, a user action): it costs budget.

        Each one also moves the even pace on by one share, so whatever spent it (a focus
        fetch, a retry, the user's refresh), the polls that follow wait for the pace to catch up.
        """
        self.sent += 1
        self._sent_since_seen += 1
        gap = self._even_gap()
        if gap is not None:
            self._next_free = max(self._next_free, self.clock()) + gap

    def _even_gap(self) -> float | None:
        """Seconds between requests that spend what remains evenly until the reset."""
        spendable = self._spendable()
        if spendable is None:
            return None
        return self._seconds_to_reset(self.clock()) / max(spendable, 1)

    def halt(self, why: str) -> None:
        """Stop polling (a refused key will be refused again) until `resume`."""
        self._halted = why

    def resume(self) -> None:
        self._halted = None

    @property
    def halted(self) -> str | None:
        return self._halted

    @property
    def answered(self) -> bool:
        """A poll has succeeded this session: the server is a ROMA API."""
        return self._last_success_at is not None

    def poll_started(self) -> None:
        self._last_poll_at = self.clock()
        self._pace_at_poll = self._next_free

    def poll_succeeded(self) -> None:
        self._pace_at_poll = None
        self._failures = 0
        self._backoff_until = 0.0
        self._last_success_at = self.clock()
        self._stale_since = None

    def poll_failed(
        self,
        reason: str,
        *,
        retry_at: float | None = None,
        not_an_api: bool = False,
        reached_server: bool = True,
    ) -> None:
        """A poll failed (`reason` e.g. "503", "connection", "429"). Back off, then recover.

        `not_an_api`: the URL answers, but not as a ROMA API; it will not fix itself soon, so the
        wait starts at a minute and doubles up to `max_wait`. `reached_server` False: no
        connection was made, so its attempts still count as sent but do not move the even pace
        (during an outage each refresh pushed the first poll after it minutes further away).
        """
        now = self.clock()
        if not reached_server and self._pace_at_poll is not None:
            self._next_free = min(self._next_free, max(self._pace_at_poll, now))
        self._pace_at_poll = None
        self._failures += 1
        if self._stale_since is None:
            self._stale_since = self._last_success_at or now
        if retry_at is None:
            if not_an_api:
                first, cap = self.not_an_api_backoff, self.max_wait
            else:
                first, cap = max(self.interval, 2.0), self.max_backoff
            retry_at = now + min(cap, first * 2 ** (self._failures - 1))
        self._backoff_until = min(retry_at, now + self.max_wait)
        self._backoff_reason = f"backoff after {reason}"

    # -- the budget ----------------------------------------------------------------------------

    def reserve(self) -> int:
        limit = self.rate_limit.limit if self.rate_limit else None
        if limit is None:
            return self.reserve_min
        return max(self.reserve_min, math.ceil(limit * self.reserve_fraction))

    def _spendable(self) -> int | None:
        """Requests polling may still spend before the reset; None when the server says nothing."""
        if self.rate_limit is None or self.rate_limit.remaining is None:
            return None
        return self.rate_limit.remaining - self._sent_since_seen - self.reserve()

    def may_spend_now(self, *, user: bool) -> bool:
        """May one more request go out now? Automatic ones (paging, focus fetches) need budget
        beyond the reserve and no backoff or halt in force; the user's own may use the reserve."""
        if user:
            return self.user_may_spend()
        now = self.clock()
        if self._halted or self._backoff_until > now:
            return False
        gap = self._even_gap()
        if gap is not None and self._next_free > now + self.burst * gap:
            return False  # ahead of the even pace: it waits for the next poll instead
        spendable = self._spendable()
        return spendable is None or spendable > 0

    def may_page(self) -> bool:
        """The next page as the user scrolls: the user's own request (not paced), but not while
        the server is failing or refusing the key (each failure would page again)."""
        if self._halted or self._backoff_until > self.clock():
            return False
        return self.user_may_spend()

    def _seconds_to_reset(self, now: float) -> float:
        rl = self.rate_limit
        if rl is None or rl.reset_at is None:
            return DEFAULT_WINDOW
        return max(1.0, rl.reset_at.timestamp() - now)

    def user_may_spend(self) -> bool:
        """The user's own actions (cancel, create, open, refresh) may use the reserve too."""
        rl = self.rate_limit
        if rl is None or rl.remaining is None:
            return True
        if rl.remaining - self._sent_since_seen > 0:
            return True
        return rl.reset_at is not None and rl.reset_at.timestamp() <= self.clock()

    # -- the plan ------------------------------------------------------------------------------

    def user_plan(self, screen: OnScreen) -> PollPlan | None:
        """A refresh the user asked for, now; None while the budget is spent. It resumes a
        stopped poll: after a refused key, the user's refresh tries once more."""
        if not self.user_may_spend():
            return None
        self.resume()
        fetch = (LIST, STATUS) if screen.focused_running else (LIST,)
        return PollPlan(fetch, self.clock(), "manual")

    def plan(self, screen: OnScreen) -> PollPlan:
        now = self.clock()
        fetch: list[str] = [LIST] if screen.list_visible else []
        if screen.focused_id and screen.focused_running:
            fetch.append(STATUS)
            if screen.dag_open:
                fetch.append(DAG)
        if not fetch:
            return self._remember(PollPlan((), now + self.idle_interval, "nothing on screen"))
        if self._halted:
            return self._remember(PollPlan((), now + self.max_wait, "stopped: " + self._halted))
        plan = self._budgeted(screen, fetch, now)
        # A backoff only ever delays: a failing server never gets polled faster than the budget.
        if self._backoff_until > plan.at:
            plan = PollPlan(plan.fetch, self._backoff_until, self._backoff_reason)
        return self._remember(plan)

    def _budgeted(self, screen: OnScreen, fetch: list[str], now: float) -> PollPlan:
        interval, reason = self.interval, "interval"
        if not screen.any_running and not screen.focused_running:
            interval, reason = max(interval, self.idle_interval), "idle"

        spendable = self._spendable()
        if spendable is not None:
            # Less budget than this round needs: drop the DAG, then the status, keep the list.
            while fetch and len(fetch) > max(spendable, 0):
                fetch.pop()
            to_reset = self._seconds_to_reset(now)
            if not fetch:
                at = now + min(to_reset, self.max_wait)
                return PollPlan(
                    (LIST,) if screen.list_visible else (), at, "reserve kept until the reset"
                )
            budget_interval = to_reset * len(fetch) / spendable
            if budget_interval > interval and LIST in fetch and STATUS in fetch:
                # Tight budget: the list already carries the focused run's status, so spend
                # the request on seeing every change sooner instead (progress waits).
                fetch.remove(STATUS)
                budget_interval = to_reset * len(fetch) / spendable
            if budget_interval > interval:
                interval, reason = budget_interval, "budget"

        start = self._last_poll_at if self._last_poll_at is not None else now - interval
        at = max(now, start + min(interval, self.max_wait))
        if spendable is not None and self._next_free > at:
            # Requests outside the polls (focus fetches, pages, retries) spent ahead of the
            # even pace: the next poll waits until the pace has caught up.
            at, reason = min(self._next_free, now + self.max_wait), "budget"
        return PollPlan(tuple(fetch), at, reason)

    def _remember(self, plan: PollPlan) -> PollPlan:
        self._last_plan = plan
        return plan

    def view(self) -> BudgetView:
        rl = self.rate_limit
        plan = self._last_plan
        return BudgetView(
            limit=rl.limit if rl else None,
            remaining=rl.remaining if rl else None,
            reserve=self.reserve(),
            reset_at=rl.reset_at if rl else None,
            next_poll_at=plan.at if plan else None,
            reason=plan.reason if plan else "starting",
            stale_since=self._stale_since,
            anomalies=rl.anomalies if rl else (),
            sent=self.sent,
            halted=self._halted,
            answered=self.answered,
        )
