"""The sandbox: a local server that speaks the ROMA API and simulates ROMA's work.

One simulated engine, two wire formats: the hosted API (app.py) or, with `dialect="upstream"`,
the open-source ROMA server's (upstream.py).

It reuses the api layer's models and validation; it never imports the UI or the monitor.
"""

from .engine import Engine, SandboxConfig
from .security import new_demo_key
from .server import RunningSandbox, SandboxSettings, make_api, serve
from .storage import StorageError
from .upstream import UpstreamApi

__all__ = [
    "Engine",
    "RunningSandbox",
    "SandboxConfig",
    "SandboxSettings",
    "StorageError",
    "UpstreamApi",
    "make_api",
    "new_demo_key",
    "serve",
]
