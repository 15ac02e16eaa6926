"""The gateway's query client on a node of its own, so the test may cut its connection
from the broker side and restart the node: it recovers by itself, and while the broker
is away every request fails fast as ServiceUnavailable (a clear 503), never a 500."""

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from deploy.local.rabbit import RABBIT_BIN, RabbitNode
from services.common.answers import answer_queries
from services.common.bus import make_broker
from services.common.queries import Health
from services.common.rpc import QueryClient, ServiceUnavailable
from services.common.settings import Settings
from services.common.views import HealthView
from tests.support.rabbit import forget_queue, make_node


@pytest.fixture(scope="module")
async def own_node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RabbitNode]:
    node = make_node(tmp_path_factory.mktemp("rabbit-own"))
    await asyncio.to_thread(node.start)
    yield node
    await asyncio.to_thread(node.stop)


def ctl(node: RabbitNode, *args: str) -> str:
    return subprocess.run(
        [str(RABBIT_BIN / "rabbitmqctl"), "-q", *args],
        env=node.env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def close_every_connection(node: RabbitNode) -> int:
    """`rabbitmqctl close_connection` on every client connection: the gateway's and the
    answering service's alike, as when the node drops its clients."""
    pids = ctl(node, "list_connections", "--no-table-headers", "pid").split()
    for pid in pids:
        ctl(node, "close_connection", pid, "closed by the test")
    return len(pids)


async def answered_after_recovery(client: QueryClient, service: str) -> HealthView:
    """Ask until answered; every failure on the way must be ServiceUnavailable."""
    for _ in range(120):
        try:
            return await client.ask(service, Health(), timeout=2)
        except ServiceUnavailable:
            await asyncio.sleep(0.5)
    raise AssertionError("the query client never recovered")


@pytest.fixture
async def answering_service(own_node: RabbitNode, tmp_path: Path) -> AsyncIterator[str]:
    service = f"q{uuid.uuid4().hex[:8]}"
    settings = Settings(amqp_url=own_node.amqp_url, store=f"sqlite:///{tmp_path}")
    broker = make_broker(settings, service)

    async def health(_: Health) -> HealthView:
        return HealthView(service=service)

    answer_queries(broker, service, {Health: health})
    await broker.start()
    yield service
    await broker.stop()


async def test_query_client_answers_again_after_the_broker_closes_its_connection(
    own_node, answering_service
):
    client = QueryClient(own_node.amqp_url, timeout=5)
    await client.connect()
    try:
        assert (await client.ask(answering_service, Health())).status == "ok"
        assert await asyncio.to_thread(close_every_connection, own_node) >= 2
        assert (await answered_after_recovery(client, answering_service)).status == "ok"
        results = await asyncio.gather(
            *(client.ask(answering_service, Health()) for _ in range(20))
        )
        assert {r.status for r in results} == {"ok"}
    finally:
        await client.close()


async def test_query_client_whose_reply_queue_the_broker_forgot_gets_its_answers_again(
    own_node, answering_service
):
    client = QueryClient(own_node.amqp_url, timeout=5)
    await client.connect()
    try:
        assert (await client.ask(answering_service, Health())).status == "ok"
        await forget_queue(own_node, own_node.amqp_url, client.reply_queue)
        with pytest.raises(ServiceUnavailable):  # the answer has nowhere to go
            await client.ask(answering_service, Health(), timeout=1)
        assert (await answered_after_recovery(client, answering_service)).status == "ok"
    finally:
        await client.close()


async def test_query_client_fails_fast_while_the_node_is_down_and_recovers_after_restart(
    own_node, answering_service
):
    client = QueryClient(own_node.amqp_url, timeout=30)
    await client.connect()
    try:
        assert (await client.ask(answering_service, Health())).status == "ok"
        await asyncio.to_thread(own_node.stop)
        try:
            with pytest.raises(ServiceUnavailable) as down:
                await client.ask(answering_service, Health())
            assert "broker" in down.value.reason  # refused at once, not after 30 s
        finally:
            await asyncio.to_thread(own_node.start)
        assert (await answered_after_recovery(client, answering_service)).status == "ok"
    finally:
        await client.close()
