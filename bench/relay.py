"""Benchmark: outbox relay throughput on one store, with one relay and with two.

Writes N outbox rows up front, then starts the relays (each with its own broker
connection, as two instances of a service would have) and measures until the outbox is
empty; a queue bound to the rows' routing key counts what arrived, so duplicates show.
Figures only: nothing here passes or fails.

    uv run python -m bench.relay --n 5000 [--store sqlite|mongodb]
"""

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika

from services.common.bus import EVENTS, make_broker
from services.common.outbox import OutboxRelay
from services.common.settings import Settings
from services.common.store import Collection, OutboxMessage, Store, open_store
from tests.support.mongo import mongo_wire_server
from tests.support.rabbit import async_rabbit_node

THINGS = Collection("things")


async def fill(store: Store, routing_key: str, n: int) -> None:
    for start in range(0, n, 100):
        async with store.unit_of_work() as uow:
            for i in range(start, min(n, start + 100)):
                payload = {"event_id": f"e{i}", "correlation_id": "bench"}
                uow.add_outbox(OutboxMessage(f"e{i}-{uuid.uuid4().hex[:6]}", routing_key, payload))
            await uow.commit()


async def run(amqp_url: str, store_url: str, n: int, relays: int) -> None:
    service = f"bench_{uuid.uuid4().hex[:8]}"
    routing_key = f"bench.{service}"
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        EVENTS.name, EVENTS.type.value, durable=True, arguments=EVENTS.arguments
    )
    queue = await channel.declare_queue(f"count.{routing_key}", durable=True)
    await queue.bind(exchange, routing_key)
    stores = [open_store(store_url, service, [THINGS]) for _ in range(relays)]
    for store in stores:
        await store.open()
    await fill(stores[0], routing_key, n)
    settings = Settings(amqp_url=amqp_url)
    brokers = [make_broker(settings, service) for _ in stores]
    for broker in brokers:
        await broker.start()
    workers = [OutboxRelay(s, b, poll_seconds=0.05) for s, b in zip(stores, brokers, strict=True)]
    started = time.perf_counter()
    for relay in workers:
        relay.start()
    while True:
        if not await stores[0].pending_outbox(1):
            break
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    for relay, broker, store in zip(workers, brokers, stores, strict=True):
        await relay.stop()
        await broker.stop()
        await store.close()
    declared = await channel.declare_queue(f"count.{routing_key}", durable=True)
    arrived = declared.declaration_result.message_count or 0
    await queue.delete(if_unused=False, if_empty=False)
    await connection.close()
    print(
        f"{relays} relay(s): {n} rows in {elapsed:.2f}s = {n / elapsed:,.0f} rows/s;"
        f" {arrived} published ({arrived - n} duplicates)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.relay")
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--store", choices=["sqlite", "mongodb"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        async with async_rabbit_node(Path(tmp) / "rabbit") as amqp_url:
            if args.store == "sqlite":
                for relays in (1, 2):
                    await run(amqp_url, f"sqlite:///{tmp}/{relays}", args.n, relays)
            else:
                async with mongo_wire_server() as mongo_url:
                    for relays in (1, 2):
                        await run(amqp_url, mongo_url, args.n, relays)


if __name__ == "__main__":
    asyncio.run(main())
