"""Delivery rules of the bus on a real RabbitMQ node (docs/architecture.md): persistence,
bounded redelivery then the dead-letter queue, loud unroutable publishes, the unrouted
journal, the outbox surviving a crash, and idempotent handlers."""

import asyncio
import json
from pathlib import Path
from typing import ClassVar

import aio_pika
import pytest
from faststream.middlewares import AckPolicy

from services.common import dead_letters
from services.common.bus import (
    EVENTS,
    UNROUTED_QUEUE,
    dead_letter_queue,
    declare_topology,
    event_queue,
    make_broker,
    publish_event,
)
from services.common.messages import Event, new_id
from services.common.outbox import OutboxRelay
from services.common.rpc import QueryClient, ServiceUnavailable
from services.common.runtime import ServiceRuntime
from services.common.settings import Settings
from services.common.store import Collection, OutboxMessage, open_store


class WorkRequested(Event):
    name: ClassVar[str] = "work.requested"
    payload: str = ""


def settings(amqp_url: str, tmp_path: Path, **kw) -> Settings:
    return Settings(amqp_url=amqp_url, var_dir=tmp_path, store=f"sqlite:///{tmp_path}", **kw)


async def get_one(amqp_url: str, queue: str, timeout: float = 20) -> aio_pika.IncomingMessage:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        q = await channel.get_queue(queue, ensure=True)
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            message = await q.get(fail=False, no_ack=True)
            if message is not None:
                return message
            await asyncio.sleep(0.1)
        raise AssertionError(f"nothing arrived in {queue}")
    finally:
        await connection.close()


async def test_failing_handler_is_redelivered_a_bounded_number_of_times_then_dead_lettered(
    amqp_url, tmp_path
):
    service = f"t{new_id()[:8]}"
    broker = make_broker(settings(amqp_url, tmp_path), service)
    attempts = 0

    @broker.subscriber(
        event_queue(service, "work", WorkRequested, delivery_limit=2),
        exchange=EVENTS,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def always_fails(event: WorkRequested) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("the outside world is down")

    async with broker:
        await broker.start()
        await declare_topology(broker, service)
        event = WorkRequested(tenant_id="t", payload="x")
        await publish_event(broker, event.name, event.model_dump(mode="json"))
        dead = await get_one(amqp_url, dead_letter_queue(service).name)
    assert json.loads(dead.body)["event_id"] == event.event_id
    assert dead.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert 2 <= attempts <= 3


async def test_an_operator_lists_and_replays_dead_letters_once_the_cause_is_fixed(
    amqp_url, tmp_path
):
    service = f"r{new_id()[:8]}"
    broker = make_broker(settings(amqp_url, tmp_path), service)
    healthy = asyncio.Event()
    handled: list[str] = []

    @broker.subscriber(
        event_queue(service, "work", WorkRequested, delivery_limit=1),
        exchange=EVENTS,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def flaky(event: WorkRequested) -> None:
        if not healthy.is_set():
            raise RuntimeError("SMTP is down")
        handled.append(event.event_id)

    async with broker:
        await broker.start()
        await declare_topology(broker, service)
        event = WorkRequested(tenant_id="t", payload="later")
        await publish_event(broker, event.name, event.model_dump(mode="json"))
        for _ in range(200):
            listed = await dead_letters.list_dead(amqp_url, service, 10)
            if listed:
                break
            await asyncio.sleep(0.1)
        assert listed[0]["routing_key"] == WorkRequested.name
        assert listed[0]["body"]["event_id"] == event.event_id
        healthy.set()
        assert await dead_letters.replay(amqp_url, service, 10) == 1
        for _ in range(100):
            if handled:
                break
            await asyncio.sleep(0.1)
    assert handled == [event.event_id]
    assert await dead_letters.list_dead(amqp_url, service, 10) == []


async def test_event_nobody_consumes_goes_to_the_unrouted_journal_not_nowhere(amqp_url, tmp_path):
    broker = make_broker(settings(amqp_url, tmp_path), "journal")
    routing_key = f"nobody.listens.{new_id()}"
    async with broker:
        await broker.start()
        await declare_topology(broker, "journal")
        await publish_event(broker, routing_key, {"event_id": "e1", "correlation_id": "c1"})
    found = False
    for _ in range(1000):
        message = await get_one(amqp_url, UNROUTED_QUEUE.name)
        if message.routing_key == routing_key:
            found = True
            break
    assert found


async def test_query_to_a_service_without_a_queue_fails_loudly_and_fast(amqp_url):
    client = QueryClient(amqp_url, timeout=5)
    await client.connect()
    try:
        from services.common.queries import Health

        with pytest.raises(ServiceUnavailable) as exc:
            await client.ask(f"missing{new_id()[:6]}", Health())
        assert "no queue" in exc.value.reason
    finally:
        await client.close()


async def test_outbox_written_before_a_crash_is_published_at_the_next_start(amqp_url, tmp_path):
    collections = [Collection("things")]
    store = open_store(f"sqlite:///{tmp_path}", "crashy", collections)
    await store.open()
    event = WorkRequested(tenant_id="t", payload="survives")
    async with store.unit_of_work() as uow:
        uow.save("things", {"id": "a", "version": 0})
        uow.add_outbox(OutboxMessage(event.event_id, event.name, event.model_dump(mode="json")))
        await uow.commit()
    await store.close()  # the process "dies" here, before any publish

    service = f"c{new_id()[:8]}"
    broker = make_broker(settings(amqp_url, tmp_path), service)
    received: list[str] = []

    @broker.subscriber(event_queue(service, "work", WorkRequested, 3), exchange=EVENTS)
    async def consume(e: WorkRequested) -> None:
        received.append(e.event_id)

    store = open_store(f"sqlite:///{tmp_path}", "crashy", collections)
    await store.open()
    relay = OutboxRelay(store, broker, poll_seconds=0.1)
    async with broker:
        await broker.start()
        await declare_topology(broker, service)
        relay.start()
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.1)
        await relay.stop()
    assert received == [event.event_id]
    assert await store.pending_outbox() == []
    await store.close()


async def test_a_repeated_event_changes_nothing_the_second_time(amqp_url, tmp_path):
    runtime = ServiceRuntime("idem", [Collection("counters")], settings(amqp_url, tmp_path))
    await runtime.store.open()
    event = WorkRequested(tenant_id="t")
    calls = 0

    async def bump(uow):
        nonlocal calls
        calls += 1
        doc = await uow.get("counters", "c") or {"id": "c", "version": 0, "n": 0}
        doc["n"] += 1
        uow.save("counters", doc)

    await runtime.once_per_event(event, bump)
    await runtime.once_per_event(event, bump)
    async with runtime.store.unit_of_work() as uow:
        assert (await uow.get("counters", "c"))["n"] == 1
    assert calls == 1
    await runtime.store.close()


async def test_an_event_handled_longer_ago_than_kept_is_forgotten_and_a_recent_one_is_not(
    amqp_url, tmp_path
):
    keep = settings(amqp_url, tmp_path, processed_events_keep_days=0.5 / 86400)
    runtime = ServiceRuntime("forget", [Collection("counters")], keep)
    await runtime.store.open()
    old, recent = WorkRequested(tenant_id="t"), WorkRequested(tenant_id="t")
    handled: list[str] = []

    async def handle(event: WorkRequested) -> None:
        async def work(uow) -> None:
            handled.append(event.event_id)

        await runtime.once_per_event(event, work)

    await handle(old)
    await asyncio.sleep(0.6)
    await handle(recent)
    await runtime.forget_old_events()
    await handle(old)
    await handle(recent)
    assert handled == [old.event_id, recent.event_id, old.event_id]
    await runtime.store.close()


async def test_an_event_carries_the_trace_context_of_the_unit_of_work_that_wrote_it(
    amqp_url, tmp_path
):
    from opentelemetry import trace

    from services.common import telemetry
    from services.common.staging import stage

    telemetry.setup("trace-test")
    service = f"tr{new_id()[:8]}"
    store = open_store(f"sqlite:///{tmp_path}", service, [Collection("things")])
    await store.open()
    broker = make_broker(settings(amqp_url, tmp_path), service)
    relay = OutboxRelay(store, broker, poll_seconds=0.1)
    queue = event_queue(service, "work", WorkRequested, 3)

    @broker.subscriber(queue, exchange=EVENTS)
    async def unused(e: WorkRequested) -> None:  # declares and binds the queue
        raise RuntimeError("not consumed here")

    async with broker:
        await broker.start()
        await broker.subscribers[0].stop()
        with trace.get_tracer("test").start_as_current_span("sign") as span:
            trace_id = format(span.get_span_context().trace_id, "032x")
            async with store.unit_of_work() as uow:
                stage(uow, "things", {"id": "x", "version": 0}, [WorkRequested(tenant_id="t")])
                await uow.commit()
        relay.start()
        message = await get_one(amqp_url, queue.name)
        await relay.stop()
    await store.close()
    assert message.headers["traceparent"].split("-")[1] == trace_id
    assert message.correlation_id
