"""Relays committed outbox messages to the bus, so no event is lost between write and publish.

Woken after each commit that added messages, and polling anyway, so messages left by a
crash between commit and publish go out at the next start. Delivery is at least once:
consumers drop repeats by `event_id`. Rows are leased before they are published, so the
relays of several instances of a service share one store without publishing a row twice.
"""

import asyncio
import logging
import os
import socket
import uuid
from contextlib import suppress

from faststream.rabbit import RabbitBroker

from services.common.bus import publish_event
from services.common.store import OutboxMessage, Store

log = logging.getLogger(__name__)


class OutboxRelay:
    """Each instance leases the rows it relays, so any number may run on one store.

    A batch must be published within half its lease: past that the batch is abandoned
    (and, once the lease ends, claimed again by whichever relay comes first), because
    a lease running out mid-publish is the one way two relays both publish a row.
    """

    def __init__(
        self,
        store: Store,
        broker: RabbitBroker,
        poll_seconds: float = 2.0,
        lease_seconds: float = 30.0,
    ) -> None:
        self._store = store
        self._broker = broker
        self._poll = poll_seconds
        self._lease = lease_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        store.on_commit(self._wake.set)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let the batch in hand finish, then relay what is still pending (the events of
        handlers that just finished) once more; cancel only past the grace, leaving the
        rest (leased) for the next relay to take."""
        self._stopping.set()
        self._wake.set()
        if self._task is None:
            return
        try:
            async with asyncio.timeout(grace_seconds):
                await asyncio.shield(self._task)
                while await self.relay_once():
                    pass
        except TimeoutError:
            log.warning(
                "outbox not drained within %.1fs; the rest goes at the next start", grace_seconds
            )
        except Exception:
            log.exception("outbox drain failed; the rest goes at the next start")
        if not self._task.done():
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()
            try:
                while not self._stopping.is_set() and await self.relay_once():
                    pass
                failures = 0
            except Exception:
                failures += 1
                delay = min(30.0, 0.5 * 2**failures)
                log.exception("outbox relay failed; retrying in %.1fs", delay)
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)

    async def _publish(self, message: OutboxMessage) -> None:
        await publish_event(
            self._broker, message.routing_key, dict(message.payload), message.headers
        )

    async def relay_once(self, batch: int = 100) -> int:
        """Publish one batch concurrently; only confirmed messages are marked relayed."""
        pending = await self._store.claim_outbox(self.owner, batch, self._lease)
        if not pending:
            return 0
        results = await asyncio.wait_for(
            asyncio.gather(*(self._publish(m) for m in pending), return_exceptions=True),
            self._lease / 2,
        )
        done = [m.id for m, r in zip(pending, results, strict=True) if r is None]
        if done:
            await self._store.mark_relayed(done)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]
        return len(done)
