"""Which notify workers are alive, asked of the broker itself.

Each worker holds an exclusive queue `notify.worker.<id>` on its own connection. The
broker deletes an exclusive queue the moment the connection that owns it closes, and a
killed process's connections close when the kernel resets its sockets: the same moment
the broker hands that worker's unacknowledged messages to others. So a worker that finds
a claim held by another asks the broker whether the holder's queue still exists, and
takes over at once if not: no lease to wait out, no watching.
"""

import logging

from aio_pika.abc import AbstractRobustConnection
from aiormq.exceptions import ChannelLockedResource, ChannelNotFoundEntity

from services.common import failover
from services.common.messages import new_id
from services.common.queue_watch import QueueWatch

log = logging.getLogger(__name__)


class Presence:
    def __init__(self, amqp_url: str, service: str) -> None:
        self._url = amqp_url
        self._service = service
        self.worker_id = new_id()[:16]
        self._connection: AbstractRobustConnection | None = None
        self._watch: QueueWatch | None = None

    def queue_name(self, worker_id: str) -> str:
        return f"{self._service}.worker.{worker_id}"

    async def start(self) -> None:
        """Robust: after a reconnect the channel declares the queue again."""
        self._connection = await failover.connect_robust(self._url)
        channel = await self._connection.channel()
        own = self.queue_name(self.worker_id)
        await channel.declare_queue(own, exclusive=True, auto_delete=True)
        self._watch = QueueWatch(self._connection, [own], consumed=False)
        self._watch.start()

    async def stop(self) -> None:
        if self._watch is not None:
            await self._watch.stop()
            self._watch = None
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def alive(self, worker_id: str) -> bool:
        """True while `worker_id`'s connection to the broker is open."""
        if self._connection is None:
            raise RuntimeError("presence not started")
        channel = await self._connection.channel(publisher_confirms=False)
        try:
            await channel.declare_queue(self.queue_name(worker_id), passive=True)
            return True
        except ChannelLockedResource:
            return True  # exists, owned by another live connection
        except ChannelNotFoundEntity:
            return False
        finally:
            if not channel.is_closed:
                await channel.close()
