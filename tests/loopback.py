"""A raw asyncio server on loopback for fault tests, torn down whatever its handler does.

Since Python 3.12 `Server.wait_closed()` waits for every open connection, so a handler that
never closes its writer would hang the test: on exit we abort the connections and cancel the
handlers first.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def loopback_server(handle: Handler) -> AsyncIterator[str]:
    """Serve `handle` on 127.0.0.1; yields the base URL (http://127.0.0.1:PORT)."""
    writers: set[asyncio.StreamWriter] = set()
    tasks: set[asyncio.Task[None]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            tasks.add(task)
        try:
            await handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: that is the client's business
        except asyncio.CancelledError:
            # Our own teardown. End normally: Python 3.11's stream callback would log a
            # cancelled handler task as an error.
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        for writer in writers:
            writer.transport.abort()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
