"""Commands on a real broker are applied at most once, and never after their caller gave
up: each carries its deadline, and a retried command with the same idempotency key
answers the first result instead of applying the change twice."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import aio_pika
import pytest
from pydantic import BaseModel

from services.common.answers import answer_queries
from services.common.bus import make_broker, query_queue
from services.common.idempotency import DEADLINE_HEADER
from services.common.messages import Command, new_id
from services.common.rpc import QueryClient
from services.common.settings import Settings
from services.common.store import Collection, Store, open_store

ENVELOPES = Collection("envelopes", indexed=("tenant",))


class Created(BaseModel):
    envelope_id: str


class CreateEnvelope(Command[Created]):
    kind: Literal["test.create_envelope"] = "test.create_envelope"
    tenant_id: str
    title: str


@dataclass
class Service:
    name: str
    store: Store
    client: QueryClient

    async def envelopes(self, tenant: str) -> int:
        async with self.store.unit_of_work() as uow:
            return await uow.count("envelopes", {"tenant": tenant})


@asynccontextmanager
async def running_service(amqp_url: str, tmp_path: Path, name: str) -> AsyncIterator[Service]:
    store = open_store(f"sqlite:///{tmp_path}", name, [ENVELOPES])
    await store.open()
    broker = make_broker(Settings(amqp_url=amqp_url, var_dir=tmp_path), name)

    async def create(q: CreateEnvelope) -> Created:
        envelope_id = new_id()
        async with store.unit_of_work() as uow:
            uow.save("envelopes", {"id": envelope_id, "version": 0, "tenant": q.tenant_id})
            await uow.commit()
        return Created(envelope_id=envelope_id)

    answer_queries(broker, name, {CreateEnvelope: create}, store=store)
    client = QueryClient(amqp_url, timeout=5)
    async with broker:
        await broker.start()
        await client.connect()
        yield Service(name, store, client)
        await client.close()
    await store.close()


@pytest.fixture
async def service(amqp_url, tmp_path) -> AsyncIterator[Service]:
    async with running_service(amqp_url, tmp_path, f"cmd{new_id()[:6]}") as started:
        yield started


async def test_a_command_delivered_again_after_a_consumer_died_is_not_applied_twice(
    amqp_url, tmp_path
):
    """Queries are acked once answered, so a consumer that dies mid-command hands the
    message back; it may have been applied already, so a command without an idempotency
    key is not run again (its caller times out with a 503 and asks again)."""
    name = f"cmd{new_id()[:6]}"
    tenant = new_id()
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(query_queue(name).name, durable=False)
        await channel.default_exchange.publish(
            aio_pika.Message(
                CreateEnvelope(tenant_id=tenant, title="once").model_dump_json().encode()
            ),
            routing_key=queue.name,
        )
        taken = await queue.get(timeout=10)
        await taken.nack(requeue=True)  # what the broker does for a consumer that died
    async with running_service(amqp_url, tmp_path, name) as service:
        asked = await service.client.ask(name, CreateEnvelope(tenant_id=tenant, title="next"))
        assert asked.envelope_id
        assert await service.envelopes(tenant) == 1


async def test_a_command_that_arrives_past_its_deadline_changes_nothing(amqp_url, service):
    tenant = new_id()
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        replies = await channel.declare_queue(exclusive=True)
        command = CreateEnvelope(tenant_id=tenant, title="late")
        await channel.default_exchange.publish(
            aio_pika.Message(
                command.model_dump_json().encode(),
                content_type="application/json",
                correlation_id="late",
                reply_to=replies.name,
                headers={DEADLINE_HEADER: str(time.time() - 1)},  # the caller already gave up
            ),
            routing_key=query_queue(service.name).name,
        )
    # A command asked after it is answered after it: the late one has been dealt with.
    on_time = await service.client.ask(service.name, CreateEnvelope(tenant_id=tenant, title="ok"))
    assert on_time.envelope_id
    assert await service.envelopes(tenant) == 1


async def test_the_same_idempotency_key_twice_creates_one_envelope(service):
    tenant = new_id()
    command = CreateEnvelope(tenant_id=tenant, title="契約書")
    key = new_id()
    first = await service.client.ask(service.name, command, idempotency_key=key)
    again = await service.client.ask(service.name, command, idempotency_key=key)
    assert again == first
    assert await service.envelopes(tenant) == 1
    other = await service.client.ask(service.name, command, idempotency_key=new_id())
    assert other != first
    assert await service.envelopes(tenant) == 2


async def test_concurrent_retries_with_one_key_apply_the_command_once(service):
    tenant = new_id()
    command = CreateEnvelope(tenant_id=tenant, title="並行")
    key = new_id()
    results = await asyncio.gather(
        *(service.client.ask(service.name, command, idempotency_key=key) for _ in range(5)),
        return_exceptions=True,
    )
    answered = [r for r in results if isinstance(r, Created)]
    assert len(answered) == 5
    assert {r.envelope_id for r in answered} == {answered[0].envelope_id}
    assert await service.envelopes(tenant) == 1
