"""What opening a run's DAG costs in CPU: `d` on a finished run until its DAG is laid out and shown.

The console runs under Pilot at 160x48 against the sandbox app in process (httpx.ASGITransport,
no server thread), on one finished run (max_depth 3). time.process_time from the key press until
the DAG screen has its layout and the app is idle; medians of --opens (one warm-up first).
`--before DIR` measures another checkout's sources (DIR/src first on the path) in a fresh
process of the same interpreter, next to this one.

Run: python benchmarks/dag_open.py [--opens 8] [--before DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY = "sk_dag_open_0123456789abcdef"


async def open_cpu(opens: int) -> list[float]:
    import httpx

    from roma_tui.api.client import RomaClient
    from roma_tui.sandbox import SandboxConfig, SandboxSettings, make_api
    from roma_tui.sandbox.app import build_app
    from roma_tui.settings import Connection, Profile
    from roma_tui.ui.app import RomaApp

    url = "http://127.0.0.1:9"  # never dialled: the transport answers in process
    with tempfile.TemporaryDirectory(prefix="roma-dag-open-") as scratch:
        engine = SandboxConfig(time_scale=0.02, fail_rate=0.0, runaway_rate=0.0)
        settings = SandboxSettings(db=Path(scratch) / "s.db", api_keys=[KEY], engine=engine)
        api = make_api(settings)
        asgi = build_app(api)
        transport = httpx.ASGITransport(app=asgi)
        async with api.lifespan(asgi):
            async with RomaClient(url, KEY, transport=transport) as client:
                run = await client.create_execution("Open my DAG", max_depth=3)
                while (await client.get_status(run.execution_id)).status == "running":
                    await asyncio.sleep(0.05)
            taken = []
            for _ in range(opens + 1):
                profile = Profile(name="bench", base_url=url)
                connection = Connection(profile, url, KEY, "bench", "bench")
                app = RomaApp(connection, remember_choices=False, transport=transport)
                async with app.run_test(size=(160, 48)) as pilot:
                    while not app.main_screen.table.shown_ids:
                        await pilot.pause(0.05)
                    await pilot.pause(0.5)  # the focused run's status is read, then quiet
                    before = time.process_time()
                    await pilot.press("d")
                    while getattr(getattr(app.screen, "view", None), "dag_layout", None) is None:
                        await pilot.pause(0.01)
                    await pilot.pause()
                    taken.append(time.process_time() - before)
            api.engine.storage.close()
    return taken[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=8)
    parser.add_argument("--before", type=Path, help="another checkout, measured beside this one")
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)  # a median only
    args = parser.parse_args()
    taken = asyncio.run(open_cpu(args.opens))
    median = statistics.median(taken) * 1000
    if args.quiet:
        print(f"{median:.0f}")
        return
    print(f"CPU of opening a finished run's DAG (median of {args.opens}, 160x48)")
    print(f"  this tree   {median:5.0f} ms")
    if args.before is not None:  # this script again, in a fresh process, DIR's roma_tui first
        code = (
            f"import sys; sys.path.insert(0, {str(args.before / 'src')!r}); "
            f"sys.argv = ['dag_open', '--quiet', '--opens', '{args.opens}']; "
            f"exec(open({__file__!r}).read())"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        print(f"  --before    {float(out.stdout.split()[-1]):5.0f} ms  ({args.before})")


if __name__ == "__main__":
    main()
