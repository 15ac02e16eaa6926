"""Dead letters on a real RabbitMQ node: quorum queues dead-letter at least once, and an
event published before anyone consumed it can be replayed from `shomei.unrouted`."""

import asyncio
import json
import uuid
from pathlib import Path
from typing import ClassVar

import aio_pika
import pytest

from services.common import dead_letters
from services.common.bus import (
    EVENTS,
    declare_topology,
    event_queue,
    make_broker,
    publish_event,
)
from services.common.messages import Event
from services.common.settings import Settings


class Ordered(Event):
    name: ClassVar[str] = "test.ordered"


async def test_event_queues_dead_letter_at_least_once(amqp_url, tmp_path: Path):
    """Declaring the queue again with these arguments succeeds only if it already has them."""
    service = f"dl{uuid.uuid4().hex[:8]}"
    broker = make_broker(Settings(amqp_url=amqp_url, var_dir=tmp_path), service)
    queue = event_queue(service, "work", Ordered, delivery_limit=3)

    @broker.subscriber(queue, exchange=EVENTS)
    async def consume(event: Ordered) -> None:
        return None

    async with broker:
        await broker.start()
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(
            queue.name,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": 3,
                "x-dead-letter-exchange": "shomei.dead",
                "x-dead-letter-routing-key": service,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )


async def test_an_operator_replays_unrouted_events_to_queues_bound_since(amqp_url, tmp_path):
    routing_key = f"late.{uuid.uuid4().hex}"
    broker = make_broker(Settings(amqp_url=amqp_url, var_dir=tmp_path), "replayer")
    async with broker:
        await broker.start()
        await declare_topology(broker, "replayer")
        await publish_event(broker, routing_key, {"event_id": "early", "correlation_id": "c"})
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        events = await channel.get_exchange(EVENTS.name)
        late = await channel.declare_queue(f"consumer.{routing_key}", exclusive=True)
        await late.bind(events, routing_key)  # the consumer started only now
        assert await late.get(fail=False) is None
        assert await dead_letters.replay_unrouted(amqp_url) >= 1
        for _ in range(100):
            message = await late.get(fail=False, no_ack=True)
            if message is not None:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the replayed event never reached the queue bound since")
    assert json.loads(message.body)["event_id"] == "early"
    assert message.routing_key == routing_key


def test_replay_unrouted_is_an_operator_command():
    with pytest.raises(SystemExit):
        dead_letters.main(["--help"])
