"""A MongoDB wire server (mongoeco, in memory) for tests.

It runs in a background thread with its own event loop, so it keeps serving while the
test's loop is busy awaiting, and other processes (services started by end-to-end tests)
can connect to it over TCP.
"""

import asyncio
import threading
from collections.abc import AsyncIterator
from concurrent.futures import Future
from contextlib import asynccontextmanager

from mongoeco.engines import MemoryEngine
from mongoeco.wire.proxy import AsyncMongoEcoProxyServer


class _ServerThread:
    """Owns the thread, its loop and the proxy; start() returns once the port is bound."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="mongoeco-wire", daemon=True)
        self._server: AsyncMongoEcoProxyServer | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> str:
        self._server = AsyncMongoEcoProxyServer(engine=MemoryEngine(), host="127.0.0.1", port=0)
        address = await self._server.start()
        return address.uri

    async def _stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    def start(self) -> Future[str]:
        self._thread.start()
        return asyncio.run_coroutine_threadsafe(self._start(), self._loop)

    def stop(self) -> Future[None]:
        return asyncio.run_coroutine_threadsafe(self._stop(), self._loop)

    def join(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


@asynccontextmanager
async def mongo_wire_server() -> AsyncIterator[str]:
    """Yield a `mongodb://127.0.0.1:<port>/?directConnection=true` URL served by mongoeco."""
    server = _ServerThread()
    try:
        url = await asyncio.wrap_future(server.start())
        try:
            yield url
        finally:
            await asyncio.wrap_future(server.stop())
    finally:
        server.join()
