"""Finishing on a real RabbitMQ node (G7, B2): a time-stamp authority that is down waits in
the broker's delay queues (no handler sleeps) and the contract is then sealed PAdES-B-T,
never B-B; one that never answers ends in the dead-letter queue, the sender told each
step, and an operator's replay finishes the contract once the authority is back."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aio_pika
import pytest

from services.common import dead_letters
from services.common.bus import EVENTS, publish_event
from services.common.messages import new_id
from services.document.finalize import consume_signed_envelopes
from services.document.pades import verify_pdf
from services.document.platform_key import PlatformCredentials
from tests.support import pdfs
from tests.support.tsa import LocalTsa

from .service import FlakyTsa, Service, completed, open_service, seal_field


@asynccontextmanager
async def on_broker(
    tmp_path: Path, creds: PlatformCredentials, amqp_url: str, tsa_url: str
) -> AsyncIterator[Service]:
    """The document service's finishing consumer, under a name of its own on the node."""
    service = await open_service(
        tmp_path,
        creds,
        tsa_url,
        name=f"doc{new_id()[:8]}",
        amqp_url=amqp_url,
        retry_delays=[0.2, 0.4, 0.8],
    )
    consume_signed_envelopes(service.runtime, service.finisher)
    runtime = service.runtime
    try:
        async with runtime.broker:
            await runtime.broker.start()
            await runtime._started()
            try:
                yield service
            finally:
                await runtime.relay.stop()
    finally:
        await runtime.store.close()


@asynccontextmanager
async def watching(amqp_url: str, envelope_id: str) -> AsyncIterator[list[dict]]:
    """The document events about one envelope, as the signing service would receive them."""
    seen: list[dict] = []
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        for key in ("document.finalize_failed", "document.finalized"):
            await queue.bind(EVENTS.name, key)

        async def keep(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            body = json.loads(message.body)
            if body.get("envelope_id") == envelope_id:
                seen.append({"key": message.routing_key, **body})
            await message.ack()

        await queue.consume(keep)
        yield seen


async def until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"never happened: {what}")


async def sign_event(service: Service, seal_png: bytes):
    document = await service.upload(pdfs.drawn_pdf(1))
    seal = await service.blobs.put(seal_png)
    return completed(document.id, [seal_field(1, 100, 100, 50, seal)])


async def test_tsa_down_first_then_answering_gives_pades_b_t_after_broker_retries(
    tmp_path: Path, creds: PlatformCredentials, seal_png: bytes, amqp_url: str
) -> None:
    with LocalTsa() as tsa:
        flaky = FlakyTsa(tsa)
        flaky.up_after = 2
        async with on_broker(tmp_path, creds, amqp_url, flaky.url) as service:
            event = await sign_event(service, seal_png)
            async with watching(amqp_url, event.envelope_id) as seen:
                await publish_event(
                    service.runtime.broker, event.name, event.model_dump(mode="json")
                )
                await until(lambda: any(e["key"] == "document.finalized" for e in seen), "done")
            finished = await service.finished(event.document_id, event.envelope_id)
        flaky.server.shutdown()
        result = await verify_pdf(finished, [*creds.trust_roots, tsa.root_cert])
    assert flaky.refused == 2
    assert result.ok and result.timestamped, "PAdES-B-T, not a silent downgrade"
    assert [(e["key"], e.get("code"), e.get("retrying")) for e in seen] == [
        ("document.finalize_failed", "timestamp_unavailable", True),
        ("document.finalized", None, None),
    ], "the sender sees it waiting once, then the finished contract"


async def test_tsa_that_never_answers_is_dead_lettered_and_an_operator_replay_finishes(
    tmp_path: Path, creds: PlatformCredentials, seal_png: bytes, amqp_url: str
) -> None:
    with LocalTsa() as tsa:
        flaky = FlakyTsa(tsa)
        async with on_broker(tmp_path, creds, amqp_url, flaky.url) as service:
            name = service.runtime.name
            event = await sign_event(service, seal_png)
            async with watching(amqp_url, event.envelope_id) as seen:
                await publish_event(
                    service.runtime.broker, event.name, event.model_dump(mode="json")
                )
                await until(lambda: len(seen) == 2, "the sender told twice")
                await until(lambda: flaky.refused == 4, "four attempts")
                dead: list = []
                while not dead:
                    dead = await dead_letters.list_dead(amqp_url, name, 10)
                view = await service.document(event.document_id)
                flaky.down = False
                assert await dead_letters.replay(amqp_url, name, 10) == 1
                await until(lambda: len(seen) == 3, "finished after the replay")
        flaky.server.shutdown()
    assert not view.finished
    assert view.finishing_failures == {event.envelope_id: "timestamp_unavailable"}
    assert [(e["key"], e.get("retrying")) for e in seen] == [
        ("document.finalize_failed", True),
        ("document.finalize_failed", False),
        ("document.finalized", None),
    ]
    assert "運用担当者" in seen[1]["message"]
