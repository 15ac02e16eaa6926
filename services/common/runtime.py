"""One service process: broker, store, blobs, outbox relay and their lifecycle.

Each service's `app.py` builds a `ServiceRuntime`, registers its handlers and runs it. Every
handler has one shape: it gets the message and a unit of work the runtime opened, loads,
calls one domain method, saves and returns; the runtime commits, retries on a conflict and,
for events, runs each event once.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import uvloop
from faststream import FastStream
from faststream.middlewares import AckPolicy

from services.common import telemetry
from services.common.answers import answer_queries
from services.common.blobs import BlobStore, open_blob_store
from services.common.bus import EVENTS, declare_topology, event_queue, make_broker
from services.common.health import answer_instance_health
from services.common.messages import Event, Request
from services.common.outbox import OutboxRelay
from services.common.queries import Health
from services.common.queue_watch import QueueWatch
from services.common.retry import DelayedRetry
from services.common.settings import Settings, get_settings
from services.common.store import Collection, ConcurrencyConflict, UnitOfWork, open_store
from services.common.views import HealthView

log = logging.getLogger(__name__)

T = TypeVar("T")
STALE_UPLOAD_SECONDS = 24 * 3600.0
"""An upload not finished after this long was interrupted; its leftovers are swept."""
SWEEP_EVERY_SECONDS = 3600.0
E = TypeVar("E", bound=Event)
Handler = Callable[[Any, UnitOfWork], Awaitable[Any]]
"""`(message, uow) -> reply`; the runtime opened `uow` and commits it after."""
SerialKey = Callable[[Any], str | None]
"""Requests with the same key run one after the other in this process (None: no key)."""


class KeyedLocks:
    """One lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class ServiceRuntime:
    def __init__(
        self, name: str, collections: Sequence[Collection], settings: Settings | None = None
    ) -> None:
        self.name = name
        self.settings = settings or get_settings()
        telemetry.setup(name, self.settings)
        self.broker = make_broker(self.settings, name)
        self.store = open_store(self.settings.store, name, collections)
        self.blobs: BlobStore = open_blob_store(self.settings)
        self.relay = OutboxRelay(self.store, self.broker)
        self._answered = False
        self._sweeper: asyncio.Task[None] | None = None
        self._watch_queues: QueueWatch | None = None
        self._retries: list[DelayedRetry] = []
        self._serial = KeyedLocks()
        answer_instance_health(self.broker, name, self.settings.instance)
        self.app = FastStream(self.broker)
        self.app.on_startup(self._open)
        self.app.after_startup(self._started)
        self.app.on_shutdown(self._drain)
        self.app.after_shutdown(self._close)

    async def _open(self) -> None:
        await self.store.open()
        await self.blobs.open()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="sweep")

    async def _sweep_forever(self) -> None:
        """At start and then hourly; one sweep failing does not hold up the other."""
        while True:
            for sweep in (self.sweep_uploads, self.forget_old_events):
                try:
                    await sweep()
                except Exception:
                    log.exception("%s failed; trying again later", sweep.__name__)
            await asyncio.sleep(SWEEP_EVERY_SECONDS)

    async def sweep_uploads(self) -> None:
        removed = await self.blobs.sweep(STALE_UPLOAD_SECONDS)
        if removed:
            log.info("swept %d leftovers of interrupted uploads", removed)

    async def forget_old_events(self) -> None:
        """Records of events handled longer ago than anyone would redeliver or replay them
        would otherwise grow by one for every event, for ever."""
        keep = timedelta(days=self.settings.processed_events_keep_days)
        before, forgotten = datetime.now(UTC) - keep, 0
        while batch := await self.store.forget_processed(before):
            forgotten += batch
        if forgotten:
            log.info("forgot %d events handled before %s", forgotten, before.isoformat())

    async def _started(self) -> None:
        await declare_topology(self.broker, self.name)
        for retry in self._retries:
            await retry.declare()
        self.relay.start()
        queues = [sub.queue for sub in self.broker.subscribers if hasattr(sub, "queue")]
        transient = [q.name for q in queues if not q.durable]  # health's and queries'
        self._watch_queues = QueueWatch(await self.broker.connect(), transient)
        self._watch_queues.start()
        if telemetry.exporting():
            measured = [q.name for q in queues if not q.auto_delete]  # not health's
            watch = telemetry.watch_queues(self.settings.amqp_url, [*measured, f"{self.name}.dead"])
            self._watch = asyncio.create_task(watch)
        log.info("%s service ready", self.name)

    async def _drain(self) -> None:
        """Stop taking messages and let handlers in flight finish (each subscriber waits up
        to its share of the grace), then relay what they wrote, then the broker closes."""
        started = asyncio.get_running_loop().time()
        if self._watch_queues is not None:
            await self._watch_queues.stop()
        stopped = await asyncio.gather(
            *(sub.stop() for sub in self.broker.subscribers), return_exceptions=True
        )
        for error in (e for e in stopped if isinstance(e, Exception)):
            log.error("a subscriber failed to stop", exc_info=error)
        spent = asyncio.get_running_loop().time() - started
        await self.relay.stop(grace_seconds=max(1.0, self.settings.shutdown_grace - spent))

    async def _close(self) -> None:
        """After the broker has drained in-flight handlers, so none finds its store shut."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        telemetry.flush()
        await self.store.close()
        await self.blobs.close()

    def on_event(
        self, concern: str, event: type[Event], *, retry: bool = False
    ) -> Callable[[Callable[..., Awaitable[None]]], Any]:
        """Subscribe `<service>.<concern>` to one event; failures are redelivered, then dead.

        With `retry`, failures wait in broker delay queues instead (services.common.retry)
        and only a crash loop meets the queue's delivery limit.
        """
        limit = self.settings.redelivery_limit if retry else self.settings.delivery_limit
        queue = event_queue(self.name, concern, event, limit)
        subscriber = self.broker.subscriber(
            queue, exchange=EVENTS, ack_policy=AckPolicy.NACK_ON_ERROR
        )
        if not retry:
            return subscriber
        delayed = DelayedRetry(self.broker, queue, self.settings.retry_delays)
        self._retries.append(delayed)
        return lambda handler: subscriber(delayed.wrap(handler))

    def answer(
        self,
        handlers: Mapping[type[Request[Any]], Handler],
        serial_key: SerialKey | None = None,
    ) -> None:
        """Answer these commands and queries (and `Health`) on `<service>.query`; call once.

        `serial_key` names the aggregate a request changes: requests for the same one run
        one at a time in this process instead of racing to a version conflict (between
        processes the conflict is still retried)."""
        if self._answered:
            raise RuntimeError(f"{self.name} already answers its queue")
        self._answered = True
        wrapped = {model: self._in_unit(handler, serial_key) for model, handler in handlers.items()}
        answer_queries(
            self.broker,
            self.name,
            {Health: self._health, **wrapped},
            store=self.store,
            keep_seconds=self.settings.idempotency_keep_seconds,
        )

    def on(
        self, concern: str, event: type[E], handler: Callable[[E, UnitOfWork], Awaitable[None]]
    ) -> None:
        """Run `handler` once per event in a unit of work, on queue `<service>.<concern>`."""

        async def consume(message: event) -> None:  # type: ignore[valid-type]
            await self.once_per_event(message, lambda uow: handler(message, uow))

        consume.__name__ = f"on_{event.name.replace('.', '_')}"
        self.on_event(concern, event)(consume)

    def publishes(self, *events: type[Event]) -> None:
        """Declare, for the AsyncAPI document, the events this service's outbox publishes."""
        for event in events:
            self.broker.publisher(
                exchange=EVENTS,
                routing_key=event.name,
                title=f"{self.name}:{event.name}",
                description=event.__doc__,
                schema=event,
            )

    def _in_unit(
        self, handler: Handler, serial_key: SerialKey | None = None
    ) -> Callable[[Any], Awaitable[Any]]:
        async def run(request: Any) -> Any:
            async def work(uow: UnitOfWork) -> Any:
                reply = await handler(request, uow)
                await uow.commit()
                return reply

            key = serial_key(request) if serial_key else None
            if key is None:
                return await self.in_unit_of_work(work)
            async with self._serial.hold(key):
                return await self.in_unit_of_work(work)

        return run

    async def _health(self, _: Health) -> HealthView:
        return HealthView(service=self.name)

    async def once_per_event(
        self, event: Event, work: Callable[[UnitOfWork], Awaitable[None]]
    ) -> None:
        """Run `work` in one unit of work unless this event was already processed."""

        async def guarded(uow: UnitOfWork) -> None:
            if await uow.was_processed(event.event_id):
                log.info("event %s already processed", event.event_id)
                return
            await work(uow)
            uow.mark_processed(event.event_id)
            await uow.commit()

        await self.in_unit_of_work(guarded)

    async def in_unit_of_work(
        self, work: Callable[[UnitOfWork], Awaitable[T]], attempts: int = 5
    ) -> T:
        """Retry on optimistic-concurrency conflicts, reloading each time."""
        for attempt in range(attempts):
            try:
                async with self.store.unit_of_work() as uow:
                    return await work(uow)
            except ConcurrencyConflict:
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.01 * 2**attempt)
        raise AssertionError("unreachable")

    def run(self) -> None:
        """On uvloop: a notify worker spent about an eighth of its CPU in asyncio's own
        loop (select, transports, callbacks), which uvloop does in C."""
        asyncio.run(self.app.run(), loop_factory=uvloop.new_event_loop)
