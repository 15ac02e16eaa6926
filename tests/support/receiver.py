"""A webhook receiver for tests: a real HTTP server on loopback (uvicorn) that records each
request and answers as told: fail the first attempts of each message, or hang until freed."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn

from tests.support.stack import free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    fail_first: int = 0
    """Answer 500 to the first attempts of each webhook-id."""
    hang: bool = False
    """Hold every request until `release` is set."""
    port: int = field(default_factory=free_port)
    requests: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def accepted(self) -> list[Received]:
        return [r for r in self.requests if 200 <= r.status < 300]

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        seen = sum(1 for r in self.requests if r.headers["webhook-id"] == headers["webhook-id"])
        status = 500 if seen < self.fail_first else 204
        record = Received(headers, body, status)
        self.requests.append(record)
        self.arrived.set()
        if self.hang:
            await self.release.wait()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def wait_for(self, predicate, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
        async def poll() -> None:
            while not predicate():
                self.arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.arrived.wait(), 0.2)

        await asyncio.wait_for(poll(), timeout)


@contextlib.asynccontextmanager
async def running(receiver: Receiver) -> AsyncIterator[Receiver]:
    config = uvicorn.Config(
        receiver, host="127.0.0.1", port=receiver.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.should_exit = True
        await task
