"""The extra routes: what a server says about itself (`/health`), what a run spent (tokens, cost).

Upstream serves `GET /health` outside `/api/v1` (not rate limited) and per-run `/costs` and
`/metrics`; the hosted service has neither, but its execution metadata carries `tokens_used`.
Both become the small models here. A count of 0 with no LM trace recorded means "not recorded",
not "free": `RunCost.known` says whether the numbers mean anything.
"""

from __future__ import annotations

from typing import Any

from .fields import Lenient, Text, Timestamp, Tolerant


class Health(Tolerant):
    status: Text = None  # e.g. "healthy"
    version: Text = None  # the server's version, when it says
    uptime_seconds: Lenient[float] = None
    active_executions: Lenient[int] = None
    storage_connected: Lenient[bool] = None
    timestamp: Timestamp = None


class RunCost(Tolerant):
    """Tokens and money a run has spent so far, as far as the server recorded them."""

    execution_id: Lenient[str] = None
    tokens: Lenient[int] = None
    cost_usd: Lenient[float] = None
    lm_calls: Lenient[int] = None  # calls to language models (upstream /metrics)
    traces: Lenient[int] = None  # LM traces the server recorded (upstream /costs)
    average_latency_ms: Lenient[float] = None
    source: str = "unknown"  # costs, metrics or metadata: where the numbers came from

    @property
    def known(self) -> bool:
        """False when the server recorded nothing (0 traces, 0 calls): the zeros mean nothing."""
        if self.traces == 0 or self.lm_calls == 0:
            return bool(self.tokens) or bool(self.cost_usd)
        return self.tokens is not None or self.cost_usd is not None


def cost_from_costs(payload: Any, execution_id: str) -> dict[str, Any]:
    """Upstream `GET .../costs`: `{total_cost_usd, total_tokens, traces_count}`."""
    data = payload if isinstance(payload, dict) else {}
    return {
        "execution_id": execution_id,
        "tokens": data.get("total_tokens"),
        "cost_usd": data.get("total_cost_usd"),
        "traces": data.get("traces_count"),
        "source": "costs",
    }


def cost_from_metrics(payload: Any, execution_id: str) -> dict[str, Any]:
    """Upstream `GET .../metrics`: `{total_lm_calls, total_tokens, total_cost_usd, ...}`."""
    data = payload if isinstance(payload, dict) else {}
    return {
        "execution_id": execution_id,
        "tokens": data.get("total_tokens"),
        "cost_usd": data.get("total_cost_usd"),
        "lm_calls": data.get("total_lm_calls"),
        "average_latency_ms": data.get("average_latency_ms"),
        "source": "metrics",
    }


def cost_from_metadata(metadata: Any, execution_id: str) -> dict[str, Any]:
    """Hosted: tokens are in the execution's `metadata.tokens_used`; no cost is given."""
    tokens = getattr(metadata, "tokens_used", None)
    calls = getattr(metadata, "agent_calls", None)
    return {
        "execution_id": execution_id,
        "tokens": tokens,
        "lm_calls": calls,
        "source": "metadata",
    }
