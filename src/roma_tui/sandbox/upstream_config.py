"""The resolved configuration each upstream execution carries (`config`, ~8 KB a row unless the
list asks for `compact=true`), and the experiment a run belongs to. Shaped like the recorded
server's; the values are the sandbox's (no credentials, no database URL).
"""

from __future__ import annotations

from typing import Any

from .storage import Row

SOLVER_VERSION = "0.1.0"
EXPERIMENTS = {"general": "ROMA-DSPy", "crypto_agent": "ROMA-Crypto-Agent"}


def experiment_of(row: Row) -> str:
    named = row.metadata.get("experiment_name")
    if isinstance(named, str) and named:
        return named
    return EXPERIMENTS.get(row.profile, "ROMA-" + row.profile.replace("_", "-").title())


def _llm(model: str, max_tokens: int, temperature: float) -> dict[str, Any]:
    return {
        "cache": True,
        "model": model,
        "api_key": None,
        "timeout": 600,
        "base_url": "https://openrouter.ai/api/v1",
        "extra_body": None,
        "max_tokens": max_tokens,
        "rollout_id": None,
        "num_retries": 3,
        "temperature": temperature,
        "adapter_type": "chat",
        "use_native_function_calling": False,
    }


def _agent(kind: str) -> dict[str, Any]:
    executor = kind == "executor"
    model = "anthropic/claude-sonnet-4.5" if executor else "google/gemini-2.5-flash"
    temperature = {"executor": 0.7, "planner": 0.3, "aggregator": 0.3}.get(kind, 0.1)
    return {
        "llm": _llm(model, 4000 if executor else 2000, temperature),
        "type": None,
        "demos": None,
        "enabled": True,
        "toolkits": [],
        "signature": None,
        "task_type": None,
        "agent_type": kind,
        "agent_config": {"max_subtasks": 15} if kind == "planner" else {},
        "strategy_config": {},
        "prediction_strategy": "chain_of_thought",
        "signature_instructions": None,
        "artifact_injection_mode": "full",
    }


_KINDS = ("planner", "atomizer", "executor", "verifier", "aggregator")


def run_config(row: Row) -> dict[str, Any]:
    """The resolved configuration every upstream row carries (~8 KB, as the real one)."""
    return {
        "agents": {kind: _agent(kind) for kind in _KINDS},
        "logging": {"level": "INFO", "log_dir": None, "rotation": "100 MB", "retention": "30 days"},
        "project": "roma-dspy",
        "runtime": {
            "cache": {"enabled": True, "disk_cache_dir": ".cache/dspy"},
            "timeout": 900,
            "verbose": False,
            "log_level": "INFO",
            "max_depth": row.max_depth,
            "max_concurrency": 5,
        },
        "storage": {"postgres": {"enabled": False}, "base_path": ".tmp/sandbox"},
        "version": SOLVER_VERSION,
        "metadata": None,
        "resilience": {
            "checkpoint": {
                "enabled": True,
                "storage_path": ".checkpoints",
                "auto_checkpoint_triggers": ["before_planning", "before_aggregation"],
                "periodic_interval_seconds": 30.0,
                "min_execution_time_for_periodic": 10.0,
            },
            "max_retries": 3,
            "retry_strategy": "exponential_backoff",
        },
        "environment": "sandbox",
        "agent_mapping": {
            **{f"{kind}s": {} for kind in _KINDS},
            **{f"default_{kind}": _agent(kind) for kind in _KINDS},
        },
        "observability": {
            "mlflow": {"enabled": False, "experiment_name": experiment_of(row)},
            "event_traces": {"enabled": True, "persist_to_db": True},
        },
    }
