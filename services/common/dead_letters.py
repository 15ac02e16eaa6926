"""Inspect and replay a service's dead-letter queue (`<service>.dead`).

A message lands there after its delivery limit; once the cause is fixed an operator sends
it back to `shomei.events` under its original routing key (kept in the `x-death` header):

    python -m services.common.dead_letters list notify
    python -m services.common.dead_letters replay notify [--limit N]

Events published before any queue was bound to their routing key wait in the
`shomei.unrouted` journal; once their consumer runs, an operator sends them again:

    python -m services.common.dead_letters replay-unrouted [--limit N]
"""

import argparse
import asyncio
import json
import sys
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from services.common import failover
from services.common.bus import EVENTS, UNROUTED_QUEUE, dead_letter_queue
from services.common.settings import get_settings


def original_routing_key(message: AbstractIncomingMessage) -> str | None:
    deaths = (message.headers or {}).get("x-death") or []
    for death in deaths:
        keys = death.get("routing-keys") if isinstance(death, dict) else None
        if keys:
            return str(keys[0])
    return None


def describe(message: AbstractIncomingMessage) -> dict[str, Any]:
    deaths = (message.headers or {}).get("x-death") or []
    try:
        body: Any = json.loads(message.body)
    except ValueError:
        body = message.body.decode(errors="replace")
    return {
        "routing_key": original_routing_key(message),
        "message_id": message.message_id,
        "reason": deaths[0].get("reason") if deaths else None,
        "body": body,
    }


async def list_dead(amqp_url: str, service: str, limit: int) -> list[dict[str, Any]]:
    """Look without taking: every message read is put back."""
    connection = await failover.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(dead_letter_queue(service).name)
        seen = []
        for _ in range(limit):
            message = await queue.get(fail=False)
            if message is None:
                break
            seen.append((describe(message), message))
        for _, message in seen:
            await message.nack(requeue=True)
        return [d for d, _ in seen]


async def replay(amqp_url: str, service: str, limit: int) -> int:
    """Republish up to `limit` dead letters; each is removed only once the broker confirms."""
    connection = await failover.connect(amqp_url)
    replayed = 0
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        queue = await channel.get_queue(dead_letter_queue(service).name)
        events = await channel.get_exchange(EVENTS.name)
        for _ in range(limit):
            message = await queue.get(fail=False)
            if message is None:
                break
            routing_key = original_routing_key(message)
            if routing_key is None:
                await message.nack(requeue=True)
                continue
            await events.publish(_again(message), routing_key=routing_key, mandatory=True)
            await message.ack()
            replayed += 1
    return replayed


def _again(message: AbstractIncomingMessage) -> aio_pika.Message:
    """The message as first published: broker headers (`x-…`) dropped, persistent."""
    headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


async def replay_unrouted(amqp_url: str, limit: int | None = None) -> int:
    """Publish the journal's events to `shomei.events` again, under their own routing keys.

    Queues bound since get them; an event still nobody consumes goes back to the journal's
    tail, and only the messages there at the start are taken, so the replay ends.
    """
    connection = await failover.connect(amqp_url)
    replayed = 0
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        queue = await channel.declare_queue(
            UNROUTED_QUEUE.name, durable=True, arguments=_unrouted_arguments()
        )
        waiting = queue.declaration_result.message_count or 0
        events = await channel.get_exchange(EVENTS.name)
        for _ in range(waiting if limit is None else min(limit, waiting)):
            message = await queue.get(fail=False)
            if message is None:
                break
            await events.publish(_again(message), routing_key=message.routing_key or "")
            await message.ack()
            replayed += 1
    return replayed


def _unrouted_arguments() -> dict[str, Any]:
    return {"x-queue-type": "quorum", **(UNROUTED_QUEUE.arguments or {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.common.dead_letters")
    parser.add_argument("action", choices=["list", "replay", "replay-unrouted"])
    parser.add_argument("service", nargs="?", help="whose dead letters (not for replay-unrouted)")
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)
    url = get_settings().amqp_url
    if args.action == "replay-unrouted":
        print(f"replayed {asyncio.run(replay_unrouted(url, args.limit))}")
        return 0
    if not args.service:
        parser.error(f"{args.action} needs the service whose dead letters to read")
    if args.action == "list":
        for entry in asyncio.run(list_dead(url, args.service, args.limit)):
            print(json.dumps(entry, ensure_ascii=False, default=str))
    else:
        print(f"replayed {asyncio.run(replay(url, args.service, args.limit))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
