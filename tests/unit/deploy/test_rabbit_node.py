"""A private RabbitMQ node carries a persistent message and leaves no process behind;
stacks share the test run's node through virtual hosts of their own."""

import asyncio
import subprocess
import time
from pathlib import Path

import aio_pika
import aio_pika.exceptions
import pytest

from deploy.local import procs
from deploy.local.ports import free_port, port_in_use
from deploy.local.rabbit import RABBIT_BIN, RabbitNode, RabbitNodeError
from tests.support.rabbit import make_node, vhost

pytestmark = pytest.mark.stack


async def round_trip(amqp_url: str) -> bytes:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(
            "deploy.test", durable=True, arguments={"x-queue-type": "quorum"}
        )
        await channel.default_exchange.publish(
            aio_pika.Message(
                "契約書 signed".encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT
            ),
            routing_key=queue.name,
        )
        message = await queue.get(timeout=10)
        await message.ack()
        return message.body


async def test_node_round_trip_and_clean_stop(tmp_path: Path) -> None:
    node = make_node(tmp_path / "rabbit")
    started = time.monotonic()
    await asyncio.to_thread(node.start)
    start_s = time.monotonic() - started
    try:
        assert node.running
        assert (node.home / ".erlang.cookie").exists()  # its own cookie, not ~/.erlang.cookie
        assert port_in_use("127.0.0.1", node.amqp_port)
        assert port_in_use("127.0.0.1", node.epmd_port)
        living = node.owned_processes()
        assert len(living) >= 2  # at least the VM and its epmd
        assert await round_trip(node.amqp_url) == "契約書 signed".encode()
    finally:
        stopped = time.monotonic()
        await asyncio.to_thread(node.stop)
        stop_s = time.monotonic() - stopped
    print(f"node start {start_s:.1f}s, stop {stop_s:.1f}s")
    assert [i for i in living if procs.alive(i)] == []
    assert node.owned_processes() == []
    assert not port_in_use("127.0.0.1", node.amqp_port)
    assert not port_in_use("127.0.0.1", node.epmd_port)

    # A CLI call while no epmd runs starts `epmd -daemon` by itself; stop() ends it too.
    subprocess.run(
        [str(RABBIT_BIN / "rabbitmqctl"), "-q", "status"],
        env=node.env(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert node.owned_processes() != []
    node.stop()
    assert node.owned_processes() == []


async def test_each_stack_gets_a_virtual_host_that_is_a_broker_of_its_own(
    rabbit: RabbitNode,
) -> None:
    async with vhost(rabbit) as first, vhost(rabbit) as second:
        assert first != second
        assert await round_trip(first) == "契約書 signed".encode()
        connection = await aio_pika.connect(second, timeout=10)
        async with connection:
            channel = await connection.channel()
            with pytest.raises(aio_pika.exceptions.ChannelNotFoundEntity):
                await channel.declare_queue("deploy.test", passive=True)


def test_taken_port_is_refused_with_its_number(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        node = RabbitNode(tmp_path, port, free_port(), "shomei-busy", epmd_port=free_port())
        with pytest.raises(RabbitNodeError, match=f"port {port} \\(RabbitMQ AMQP\\)"):
            node.start()
    assert node.owned_processes() == []
