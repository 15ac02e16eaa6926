"""The outbox relay publishes every committed event once, on a real RabbitMQ node: reads
never see a stale snapshot, and several relays on one store never publish a row twice."""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest

from services.common.bus import EVENTS, declare_topology, make_broker
from services.common.outbox import OutboxRelay
from services.common.settings import Settings
from services.common.store import Collection, ConcurrencyConflict, OutboxMessage, Store, open_store

THINGS = Collection("things", indexed=("kind",))


@pytest.fixture
async def counted_queue(amqp_url: str) -> AsyncIterator[tuple[str, aio_pika.abc.AbstractQueue]]:
    """A classic queue bound to one fresh routing key; every copy published stays in it."""
    routing_key = f"relay.{uuid.uuid4().hex}"
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        EVENTS.name, EVENTS.type.value, durable=True, arguments=EVENTS.arguments
    )
    queue = await channel.declare_queue(f"count.{routing_key}", durable=True)
    await queue.bind(exchange, routing_key)
    yield routing_key, queue
    await queue.delete(if_unused=False, if_empty=False)
    await connection.close()


async def published_ids(queue: aio_pika.abc.AbstractQueue) -> Counter[str]:
    """Every message id in the queue, with how many copies of it arrived."""
    seen: Counter[str] = Counter()
    while (message := await queue.get(fail=False, no_ack=True)) is not None:
        seen[message.message_id or ""] += 1
    return seen


async def write_events(store: Store, routing_key: str, total: int, per_commit: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, total, per_commit):
        async with store.unit_of_work() as uow:
            uow.save("things", {"id": f"t{start}", "version": 0, "kind": "k"})
            for n in range(start, min(total, start + per_commit)):
                event_id = f"e{n:05d}-{uuid.uuid4().hex[:6]}"
                ids.append(event_id)
                payload = {"event_id": event_id, "correlation_id": "c"}
                uow.add_outbox(OutboxMessage(event_id, routing_key, payload))
            await uow.commit()
    return ids


async def keep_reading(store: Store, stop: asyncio.Event) -> None:
    """What query handlers do all day: short reads beside the relay on the same store."""
    while not stop.is_set():
        async with store.unit_of_work() as uow:
            await uow.get("things", "t0")
            await uow.find("things", {"kind": "k"}, limit=5)
            await uow.count("things", {"kind": "k"})
        await asyncio.sleep(0)


async def wait_until_relayed(stores: list[Store]) -> None:
    for _ in range(6000):
        if not [m for s in stores for m in await s.pending_outbox(1)]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox never emptied")


def sqlite_settings(amqp_url: str, tmp_path: Path) -> Settings:
    return Settings(amqp_url=amqp_url, var_dir=tmp_path, store=f"sqlite:///{tmp_path}")


async def test_a_thousand_events_relayed_beside_concurrent_reads_are_published_once_each(
    amqp_url, tmp_path, counted_queue
):
    routing_key, queue = counted_queue
    store = open_store(f"sqlite:///{tmp_path}", "relayonce", [THINGS])
    await store.open()
    broker = make_broker(sqlite_settings(amqp_url, tmp_path), "relayonce")
    relay = OutboxRelay(store, broker, poll_seconds=0.05)
    stop = asyncio.Event()
    async with broker:
        await broker.start()
        await declare_topology(broker, "relayonce")
        relay.start()
        readers = [asyncio.create_task(keep_reading(store, stop)) for _ in range(4)]
        ids = await write_events(store, routing_key, 1000, per_commit=10)
        await wait_until_relayed([store])
        stop.set()
        await asyncio.gather(*readers)
        await relay.stop()
    await store.close()
    seen = await published_ids(queue)
    assert sorted(seen) == sorted(ids)
    assert [i for i, n in seen.items() if n > 1] == []


async def test_writers_beside_concurrent_readers_never_see_a_false_conflict(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}", "noconflict", [THINGS])
    await store.open()
    stop = asyncio.Event()
    conflicts = 0

    async def writer(n: int) -> None:
        nonlocal conflicts
        for _ in range(75):
            async with store.unit_of_work() as uow:
                doc = await uow.get("things", f"w{n}") or {"id": f"w{n}", "version": 0, "n": 0}
                doc["n"] += 1
                doc["kind"] = "k"
                uow.save("things", doc)
                try:
                    await uow.commit()
                except ConcurrencyConflict:
                    conflicts += 1  # nobody else writes w{n}: any conflict is false

    readers = [asyncio.create_task(keep_reading(store, stop)) for _ in range(2)]
    await asyncio.gather(*(writer(n) for n in range(4)))
    stop.set()
    await asyncio.gather(*readers)
    await store.close()
    assert conflicts == 0


@pytest.fixture(params=["sqlite", "mongo"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}"
    return str(request.getfixturevalue("mongo_url"))


async def test_two_relays_on_one_store_publish_each_row_once(
    amqp_url, tmp_path, counted_queue, engine_url
):
    """Two instances of one service (two processes in production) share its store."""
    routing_key, queue = counted_queue
    service = f"tworelays_{uuid.uuid4().hex[:8]}"
    url = engine_url
    # mongoeco scans a collection on every insert: fewer rows there, same rule.
    rows = 1000 if url.startswith("sqlite") else 200
    stores = [open_store(url, service, [THINGS]) for _ in range(2)]
    for store in stores:
        await store.open()
    ids = await write_events(stores[0], routing_key, rows, per_commit=50)
    brokers = [make_broker(sqlite_settings(amqp_url, tmp_path), service) for _ in stores]
    relays = [OutboxRelay(s, b, poll_seconds=0.05) for s, b in zip(stores, brokers, strict=True)]
    for broker in brokers:
        await broker.start()
    for relay in relays:
        relay.start()
    await wait_until_relayed(stores)
    for relay, broker, store in zip(relays, brokers, stores, strict=True):
        await relay.stop()
        await broker.stop()
        await store.close()
    seen = await published_ids(queue)
    assert sorted(seen) == sorted(ids)
    assert [i for i, n in seen.items() if n > 1] == []
