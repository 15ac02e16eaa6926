"""Retries through broker delay queues on a real RabbitMQ node: a failure waits in a delay
queue (nobody sleeps), the attempt count travels in a header, the last attempt knows it is
the last, a consumer crash is not a failure, and a parked message never blocks others."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import ClassVar

import aio_pika
import pytest

from services.common import dead_letters
from services.common.bus import publish_event
from services.common.messages import Event, new_id
from services.common.retry import ATTEMPT_HEADER, Attempt, RetryLater, current_attempt
from services.common.runtime import ServiceRuntime
from services.common.settings import Settings


class JobRequested(Event):
    name: ClassVar[str] = "job.requested"
    label: str = ""


def runtime(
    amqp_url: str, tmp_path: Path, delays: tuple[float, ...], name: str = ""
) -> ServiceRuntime:
    settings = Settings(
        amqp_url=amqp_url, var_dir=tmp_path, store=f"sqlite:///{tmp_path}", retry_delays=delays
    )
    return ServiceRuntime(name or f"r{new_id()[:8]}", [], settings)


@asynccontextmanager
async def running(service: ServiceRuntime) -> AsyncIterator[None]:
    async with service.broker:
        await service.broker.start()
        await service._started()
        try:
            yield
        finally:
            await service.relay.stop()


async def publish(service: ServiceRuntime, label: str) -> JobRequested:
    event = JobRequested(tenant_id="t", label=label)
    await publish_event(service.broker, event.name, event.model_dump(mode="json"))
    return event


async def wait_for(condition, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def queue_depth(amqp_url: str, name: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return queue.declaration_result.message_count or 0


async def test_a_transient_failure_waits_in_the_delay_queues_and_counts_attempts_in_a_header(
    amqp_url, tmp_path
):
    service = runtime(amqp_url, tmp_path, (0.2, 0.4, 0.8))
    seen: list[Attempt] = []
    done = asyncio.Event()

    @service.on_event("work", JobRequested, retry=True)
    async def flaky(event: JobRequested) -> None:
        seen.append(current_attempt())
        if len(seen) < 3:
            raise RetryLater("the outside world is down")
        done.set()

    async with running(service):
        await publish(service, "a")
        await asyncio.wait_for(done.wait(), 30)
    assert [a.number for a in seen] == [1, 2, 3]
    assert [a.final for a in seen] == [False, False, False]
    assert await queue_depth(amqp_url, f"{service.name}.dead") == 0


async def test_the_last_attempt_knows_it_and_its_failure_goes_to_the_dead_letter_queue(
    amqp_url, tmp_path
):
    service = runtime(amqp_url, tmp_path, (0.1, 0.1))
    seen: list[Attempt] = []

    @service.on_event("work", JobRequested, retry=True)
    async def broken(event: JobRequested) -> None:
        seen.append(current_attempt())
        raise ValueError("a bug, not the weather")

    async with running(service):
        event = await publish(service, "b")
        await wait_for(lambda: len(seen) == 3)
        dead = await dead_letters.list_dead(amqp_url, service.name, 10)
        while not dead:
            await asyncio.sleep(0.05)
            dead = await dead_letters.list_dead(amqp_url, service.name, 10)
    assert [(a.number, a.final) for a in seen] == [(1, False), (2, False), (3, True)]
    assert len(dead) == 1
    assert dead[0]["routing_key"] == JobRequested.name  # a replay finds its way home
    assert dead[0]["body"]["event_id"] == event.event_id


async def test_a_replayed_dead_letter_starts_a_fresh_count(amqp_url, tmp_path):
    service = runtime(amqp_url, tmp_path, (0.1,))
    seen: list[Attempt] = []
    healthy = False

    @service.on_event("work", JobRequested, retry=True)
    async def until_fixed(event: JobRequested) -> None:
        seen.append(current_attempt())
        if not healthy:
            raise RetryLater("down")

    async with running(service):
        await publish(service, "c")
        await wait_for(lambda: len(seen) == 2)
        while await queue_depth(amqp_url, f"{service.name}.dead") == 0:
            await asyncio.sleep(0.05)
        healthy = True
        assert await dead_letters.replay(amqp_url, service.name, 10) == 1
        await wait_for(lambda: len(seen) == 3)
    assert seen[2].number == 1


async def test_a_consumer_crash_is_not_a_failure_of_the_message(amqp_url, tmp_path):
    """The broker returns a dead consumer's unacknowledged message; its count stays."""
    name = f"r{new_id()[:8]}"
    seen: list[Attempt] = []

    def start() -> ServiceRuntime:
        service = runtime(amqp_url, tmp_path, (0.1, 0.1), name)

        @service.on_event("work", JobRequested, retry=True)
        async def handler(event: JobRequested) -> None:
            seen.append(current_attempt())

        return service

    async with running(start()):
        pass  # the queues exist; nobody consumes now
    event = JobRequested(tenant_id="t", label="d")
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        await channel.default_exchange.publish(
            aio_pika.Message(
                event.model_dump_json().encode(),
                content_type="application/json",
                headers={ATTEMPT_HEADER: 1},  # one real failure so far
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=f"{name}.work",
        )
    for _ in range(8):  # more crashes than the schedule has attempts
        connection = await aio_pika.connect(amqp_url)
        channel = await connection.channel()
        queue = await channel.declare_queue(f"{name}.work", passive=True)
        while await queue.get(fail=False) is None:
            await asyncio.sleep(0.05)
        await connection.close()  # dies holding it, unacknowledged
    async with running(start()):
        await wait_for(lambda: len(seen) == 1)
    assert seen == [Attempt(number=2, final=False, redelivered=True)]


async def test_a_message_in_a_slow_retry_never_blocks_the_others(amqp_url, tmp_path):
    service = runtime(amqp_url, tmp_path, (600.0,))
    seen: list[tuple[str, int]] = []

    @service.on_event("work", JobRequested, retry=True)
    async def handler(event: JobRequested) -> None:
        seen.append((event.label, current_attempt().number))
        if event.label == "slow":
            raise RetryLater("try in ten minutes")

    async with running(service):
        await publish(service, "slow")
        await wait_for(lambda: ("slow", 1) in seen)
        for n in range(20):
            await publish(service, f"fast{n}")
        await wait_for(lambda: len(seen) == 21)
        assert await queue_depth(amqp_url, f"{service.name}.work.delay.600000ms") == 1
    assert seen.count(("slow", 1)) == 1


@pytest.mark.parametrize("delays", [(), (0.0,), (-1.0,)])
def test_a_schedule_without_positive_delays_is_refused(delays):
    from faststream.rabbit import RabbitBroker, RabbitQueue

    from services.common.retry import DelayedRetry

    with pytest.raises(ValueError, match="positive delays"):
        DelayedRetry(RabbitBroker(), RabbitQueue("q"), delays)
