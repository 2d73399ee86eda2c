"""Load on the sandbox: many concurrent clients on loopback, for a bounded time.

Prints requests per second and p50/p99 latency for list and status. The server runs in its own
process (as `roma-tui sandbox` does), so client and server do not share an event loop.

Run: python benchmarks/sandbox_load.py [--clients 32] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sandbox_process import running_sandbox

KEY = "sk_benchmark_only"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def client_loop(
    base: str,
    kind: str,
    ids: list[str],
    deadline: float,
    latencies: dict[str, list[float]],
    errors: list[int],
) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": KEY}, timeout=30) as http:
        turn = 0
        while time.perf_counter() < deadline:
            path = (
                "/api/v1/executions?limit=20"
                if kind == "list"
                else f"/api/v1/executions/{ids[turn % len(ids)]}/status"
            )
            started = time.perf_counter()
            response = await http.get(path)
            latencies[kind].append(time.perf_counter() - started)
            if response.status_code != 200:
                errors.append(response.status_code)
            turn += 1


async def drive(base: str, clients: int, seconds: float) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": KEY}) as http:
        page = (await http.get("/api/v1/executions?limit=100")).json()
    ids = [row["execution_id"] for row in page["data"]]
    latencies: dict[str, list[float]] = {"list": [], "status": []}
    errors: list[int] = []
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *[
            client_loop(base, "list" if i % 2 == 0 else "status", ids, deadline, latencies, errors)
            for i in range(clients)
        ]
    )
    elapsed = time.perf_counter() - started
    total = sum(len(v) for v in latencies.values())
    print(f"{clients} clients for {seconds:.0f} s against a sandbox with 200 executions")
    print(f"all: {total} requests, {total / elapsed:.0f} req/s, non-200: {len(errors)}")
    for kind, values in latencies.items():
        p50, p99 = 1000 * statistics.median(values), 1000 * percentile(values, 0.99)
        print(
            f"{kind:>6}: {len(values) / elapsed:6.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    options = ["--seed-demo", "200", "--rate-limit", "100000000/day"]
    with (
        tempfile.TemporaryDirectory() as scratch,
        running_sandbox(Path(scratch) / "load.db", KEY, *options, wait=10) as base,
    ):
        asyncio.run(drive(base, args.clients, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
