"""RabbitMQ wiring shared by every service: the exchanges, queue shapes and the broker.

Facts go to the durable topic exchange `shomei.events`; each consumer binds its own quorum
queue with bounded redelivery, after which the message lands in `<service>.dead`. Events no
service consumes yet go to the `shomei.unrouted` journal through the alternate exchange
instead of vanishing; any other unroutable publish (a query to a missing queue, a replay
to a wrong name) raises, because the channel returns mandatory messages as errors.
"""

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aio_pika
from faststream.rabbit import (
    Channel,
    ExchangeType,
    QueueType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
)
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware

from services.common.failover import amqp_urls, connection_kwargs
from services.common.messages import Event
from services.common.settings import Settings, get_settings
from services.common.telemetry import MetricsMiddleware, trace_headers

EVENTS = RabbitExchange(
    "shomei.events",
    type=ExchangeType.TOPIC,
    durable=True,
    arguments={"alternate-exchange": "shomei.unrouted"},
)
UNROUTED = RabbitExchange("shomei.unrouted", type=ExchangeType.FANOUT, durable=True)
UNROUTED_QUEUE = RabbitQueue(
    "shomei.unrouted",
    queue_type=QueueType.QUORUM,
    durable=True,
    arguments={"x-max-length": 100_000, "x-overflow": "drop-head"},
)
HANDLERS_SHARE_OF_GRACE = 0.75
DEAD_LETTERS = RabbitExchange("shomei.dead", type=ExchangeType.DIRECT, durable=True)


def replicas() -> dict[str, int]:
    """The quorum group size when one is set (a cluster); RabbitMQ's default otherwise."""
    size = get_settings().quorum_size
    return {"x-quorum-initial-group-size": size} if size > 0 else {}


def event_queue(service: str, concern: str, event: type[Event], delivery_limit: int) -> RabbitQueue:
    """`<service>.<concern>`: a durable quorum queue bound to one event's routing key.

    It dead-letters at least once (a quorum queue's default is at most once, so a dead
    letter in flight while a node fails could vanish); RabbitMQ requires `reject-publish`
    overflow for that.
    """
    return RabbitQueue(
        f"{service}.{concern}",
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=event.name,
        arguments={
            "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTERS.name,
            "x-dead-letter-routing-key": service,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            **replicas(),
        },
    )


def dead_letter_queue(service: str) -> RabbitQueue:
    return RabbitQueue(
        f"{service}.dead",
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=service,
        arguments=replicas() or None,
    )


def query_queue(service: str) -> RabbitQueue:
    """Classic and not persisted: a query is worthless after its timeout."""
    return RabbitQueue(f"{service}.query", durable=False, auto_delete=False)


def instance_health_queue(service: str, instance: str) -> RabbitQueue:
    """One instance's own health queue: gone with its last consumer, so a probe sent to
    an instance that no longer consumes is returned unroutable at once."""
    return RabbitQueue(f"{service}.health.{instance}", durable=False, auto_delete=True)


def make_broker(settings: Settings, service: str) -> RabbitBroker:
    """A broker on `SHOMEI_AMQP_URL`: one node, or a cluster's nodes in turn."""
    broker = RabbitBroker(
        amqp_urls(settings.amqp_url)[0],
        app_id=f"shomei-{service}",
        default_channel=Channel(
            prefetch_count=settings.prefetch,
            publisher_confirms=True,
            on_return_raises=True,
        ),
        middlewares=(RabbitTelemetryMiddleware(), MetricsMiddleware),
        log_level=logging.DEBUG,  # "Received"/"Processed" per message: not at INFO
        # How long stopping a subscriber waits for its handlers in flight: most of the
        # shutdown grace, the rest is for relaying the events they wrote.
        graceful_timeout=settings.shutdown_grace * HANDLERS_SHARE_OF_GRACE,
    )
    broker._connection_kwargs.update(connection_kwargs(settings.amqp_url))
    return broker


async def declare_topology(broker: RabbitBroker, service: str) -> None:
    """Exchanges, the unrouted journal and this service's dead-letter queue."""
    await broker.declare_exchange(EVENTS)
    unrouted = await broker.declare_exchange(UNROUTED)
    journal = await broker.declare_queue(UNROUTED_QUEUE)
    await journal.bind(unrouted)
    dead = await broker.declare_exchange(DEAD_LETTERS)
    dlq = await broker.declare_queue(dead_letter_queue(service))
    await dlq.bind(dead, routing_key=service)


async def publish_event(
    broker: RabbitBroker,
    routing_key: str,
    payload: dict[str, Any],
    headers: Mapping[str, str] | None = None,
) -> None:
    """Persistent, confirmed, mandatory: returns only once the broker has it.

    Straight onto the exchange on the broker's confirming channel: FastStream's publish
    pipeline (a command object and a producer span per message) cost a relay as much as
    the publish itself. The trace context travels as `headers` (the writer's, kept by the
    outbox) or, without them, the current one, so a consumer's span continues the trace.
    """
    exchange = await broker.declare_exchange(EVENTS)
    message = aio_pika.Message(
        json.dumps(payload, separators=(",", ":")).encode(),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=payload.get("event_id"),
        correlation_id=payload.get("correlation_id"),
        headers=dict(headers) if headers is not None else trace_headers(),
        timestamp=datetime.now(UTC),
    )
    await exchange.publish(message, routing_key=routing_key, mandatory=True)
