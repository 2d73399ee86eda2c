"""Requests the real console sends to a server that keeps failing, counted by the server.

Two servers on loopback: one answers every request 401 in ROMA's error shape (a wrong key), the
other answers HTML like `python3 -m http.server` (a URL that is not a ROMA API). The console runs
headless (Pilot) against each, with the cursor moving now and then as a person's would.

    python benchmarks/fault_requests.py [--wrong-key-seconds 25] [--not-api-seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from roma_tui.settings import Connection, Profile
from roma_tui.ui.app import RomaApp


def serve(kind: str) -> tuple[ThreadingHTTPServer, list[str]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            if kind == "401":
                body = b'{"error": {"code": "unauthorized", "message": "Invalid API key"}}'
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
            else:
                body = b"<html><body><h1>Directory listing for /</h1></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


async def run_console(url: str, seconds: float) -> str:
    connection = Connection(Profile(name="bench", base_url=url), url, "wrong", "env", "--url")
    app = RomaApp(connection, remember_choices=False)
    async with app.run_test(size=(120, 40)) as pilot:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await pilot.press("down", "up", "G")  # what a person does while waiting
            await pilot.pause(1.0)
        screen = app.main_screen
        assert screen is not None
        return screen.last_error or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wrong-key-seconds", type=float, default=25.0)
    parser.add_argument("--not-api-seconds", type=float, default=20.0)
    args = parser.parse_args()
    for kind, seconds, label in (
        ("401", args.wrong_key_seconds, "wrong key (401)"),
        ("html", args.not_api_seconds, "not a ROMA API (HTML)"),
    ):
        server, hits = serve(kind)
        url = f"http://127.0.0.1:{server.server_port}"
        said = asyncio.run(run_console(url, seconds))
        server.shutdown()
        print(f"{label:24} {len(hits):4d} requests in {seconds:.0f} s   said: {said[:110]}")


if __name__ == "__main__":
    main()
