"""Transient queues a process consumes, kept on record at the broker.

A transient queue (a service's `<service>.query`, an instance's health queue, a query
client's reply queue, a notify worker's presence queue) lives on one RabbitMQ node.
When that node dies, the surviving nodes drop its queues from their records by name.
Measured here with three nodes, one killed -9 and restarted again and again: now and
then a process that reconnected at once declared its queue and consumed from it without
any error, and moments later the queue was no longer on record. Its process and the
consumer went on, but nothing could reach them, and no cancel told the client: an
instance never answered its health probe again (after 4 of 44 node kills).

So each connection that consumes such queues asks the broker every few seconds about
each of them (a passive declare). A queue no longer on record, or on record without a
single consumer although this process consumes it, means this process's consumer is not
on it: seen twice in a row, the connection reconnects, and the robust connection
declares every queue and consumer again, as after any broken connection.

One case stays: a queue several instances share (`<service>.query`), declared again by
one of them before the others looked. The others' consumers stay on the forgotten copy,
idle, while the one that declared it serves; once no consumer is left on it, they all
reconnect within a round. The service keeps answering; it runs on fewer instances.
"""

import asyncio
import logging
from collections.abc import Sequence

from aio_pika.abc import AbstractRobustConnection
from aiormq.exceptions import ChannelNotFoundEntity

log = logging.getLogger(__name__)

WATCH_EVERY_SECONDS = 5.0
RECHECK_SECONDS = 1.0
"""A queue astray once is asked about again after this long: a reconnect in progress may
not have declared it or its consumer yet."""


class QueueWatch:
    """Watch `names`, queues this process declared on `connection` and consumes (or,
    with `consumed=False`, only holds); reconnect when one is astray."""

    def __init__(
        self,
        connection: AbstractRobustConnection,
        names: Sequence[str],
        every: float = WATCH_EVERY_SECONDS,
        *,
        consumed: bool = True,
    ) -> None:
        self._connection = connection
        self._names = names
        self._every = every
        self._consumed = consumed
        """False: the queues only need to exist (a presence marker nobody consumes)."""
        self._task: asyncio.Task[None] | None = None
        self._settled = asyncio.Event()
        """Connected, with every queue and consumer declared again after a reconnect."""

    def _unsettle(self, *_: object) -> None:
        self._settled.clear()

    def _settle(self, *_: object) -> None:
        self._settled.set()

    def start(self) -> None:
        """Once the connection has declared its queues and consumers."""
        self._settled.set()
        self._connection.close_callbacks.add(self._unsettle)
        self._connection.reconnect_callbacks.add(self._settle)
        self._task = asyncio.create_task(self._run(), name="queue-watch")

    async def stop(self) -> None:
        self._connection.close_callbacks.discard(self._unsettle)
        self._connection.reconnect_callbacks.discard(self._settle)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def astray(self) -> list[str]:
        """The watched queues this process cannot be consuming: not on record at the
        broker, or without any consumer (none while it reconnects)."""
        if not self._settled.is_set():
            return []
        astray = []
        channel = None
        try:
            for name in self._names:
                if channel is None or channel.is_closed:
                    channel = await self._connection.channel(publisher_confirms=False)
                try:
                    queue = await channel.declare_queue(name, passive=True, robust=False)
                except ChannelNotFoundEntity:
                    astray.append(name)  # the broker closed the channel with its 404
                    continue
                if self._consumed and not queue.declaration_result.consumer_count:
                    astray.append(name)
        finally:
            if channel is not None and not channel.is_closed:
                await channel.close()
        return astray

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                async with asyncio.timeout(self._every):
                    astray = await self.astray()
                    if astray:
                        await asyncio.sleep(RECHECK_SECONDS)
                        astray = [name for name in await self.astray() if name in astray]
                if astray:
                    log.warning(
                        "%s gone from the broker's records or left without its consumer;"
                        " reconnecting to declare it again",
                        ", ".join(astray),
                    )
                    await self._connection.reconnect()
            except Exception as exc:  # the connection broke meanwhile: it reconnects anyway
                log.info("queue watch skipped a round: %s: %s", type(exc).__name__, exc)
