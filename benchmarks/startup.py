"""How long `roma-tui` takes to start, next to a bare interpreter, and what `ls` imports.

Prints the median wall time of N runs of `python -c pass`, `roma-tui --version`, `roma-tui --help`
and `roma-tui ls --help` (each also as a multiple of the bare interpreter: the goal is under 5x
for --version and --help), then the modules that `roma-tui ls` imports: how many, which
third-party packages, and whether the heavy ones it never uses are among them.

The `ls` run talks to a closed loopback port with a throwaway key and empty config and data
directories, so it reads nothing of yours, sends nothing, and fails fast with "Cannot connect".

Run: python benchmarks/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Packages `ls` must not load: the console, the sandbox server, the graph, httpx's own CLI.
UNUSED_BY_LS = ("textual", "starlette", "uvicorn", "networkx", "rich", "click", "pygments")

_LS_IMPORTS = """
import json, sys
from roma_tui import cli
code = cli.main(["ls", "--url", "http://127.0.0.1:9", "--timeout", "2"])
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def roma_tui_command() -> list[str]:
    """The installed script, as a user runs it; else the module entry point."""
    script = shutil.which("roma-tui", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "roma_tui"]


def median_seconds(commands: list[list[str]], runs: int) -> list[float]:
    """The median wall time of each command; taken in turns, so a busy moment of the machine
    slows every command alike rather than one of them."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for argv, taken in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            taken.append(time.perf_counter() - start)
    return [statistics.median(taken) for taken in times]


def ls_imports() -> tuple[int, list[str]]:
    """The exit code of an `ls` that cannot connect, and every module it imported."""
    with tempfile.TemporaryDirectory(prefix="roma-startup-") as scratch:
        env = {
            **os.environ,
            "ROMA_API_KEY": "sk_benchmark_not_a_key",
            "XDG_CONFIG_HOME": str(Path(scratch) / "config"),
            "XDG_DATA_HOME": str(Path(scratch) / "data"),
            "XDG_STATE_HOME": str(Path(scratch) / "state"),
            "XDG_CACHE_HOME": str(Path(scratch) / "cache"),
        }
        env.pop("ROMA_BASE_URL", None)
        result = subprocess.run(
            [sys.executable, "-c", _LS_IMPORTS], capture_output=True, text=True, env=env
        )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["code"], report["modules"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per command (default 20)")
    args = parser.parse_args()

    roma = roma_tui_command()
    labels = ["python -c pass", "roma-tui --version", "roma-tui --help", "roma-tui ls --help"]
    commands = [
        [sys.executable, "-c", "pass"],
        [*roma, "--version"],
        [*roma, "--help"],
        [*roma, "ls", "--help"],
    ]
    medians = median_seconds(commands, args.runs)
    print(f"median of {args.runs} runs (roma-tui = {' '.join(roma)})")
    for label, seconds in zip(labels, medians, strict=True):
        print(f"  {label:<22} {seconds * 1000:7.1f} ms  {seconds / medians[0]:4.1f}x")

    code, modules = ls_imports()
    third_party = sorted(
        {
            name.split(".")[0]
            for name in modules
            if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("_")
        }
    )
    print(f"\nroma-tui ls (no server; exit {code}): {len(modules)} modules imported")
    print(f"  packages: {', '.join(third_party)}")
    for name in UNUSED_BY_LS:
        print(f"  {name:<10} {'IMPORTED' if name in third_party else 'not imported'}")


if __name__ == "__main__":
    main()
