"""The sandbox: a local server that speaks the hosted ROMA API and simulates ROMA's work.

It reuses the api layer's models and validation; it never imports the UI or the monitor.
"""

from .engine import Engine, SandboxConfig
from .security import new_demo_key
from .server import RunningSandbox, SandboxSettings, make_api, serve
from .storage import StorageError

__all__ = [
    "Engine",
    "RunningSandbox",
    "SandboxConfig",
    "SandboxSettings",
    "StorageError",
    "make_api",
    "new_demo_key",
    "serve",
]
