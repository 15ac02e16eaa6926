"""A service stopped with SIGTERM while a handler runs: the handler finishes and the events
it wrote are published before the process exits (a real process on a real broker)."""

import asyncio
import json
import os
import signal
import sys
import uuid
from pathlib import Path

import aio_pika

from services.common.bus import EVENTS, make_broker, publish_event
from services.common.queries import Health
from services.common.rpc import QueryClient, ServiceUnavailable
from services.common.settings import Settings
from services.common.store import open_store
from tests.unit.common.slow_service import SlowDone, SlowRequested

ROOT = Path(__file__).resolve().parents[3]


async def wait_answering(amqp_url: str, process: asyncio.subprocess.Process) -> None:
    client = QueryClient(amqp_url, timeout=2)
    await client.connect()
    try:
        for _ in range(120):
            assert process.returncode is None, "the service died at start"
            try:
                await client.ask("slowtest", Health())
                return
            except ServiceUnavailable:
                await asyncio.sleep(0.25)
        raise AssertionError("the service never answered")
    finally:
        await client.close()


async def test_sigterm_lets_the_handler_in_flight_finish_and_publishes_its_events(
    amqp_url, tmp_path
):
    marker = tmp_path / "in-flight"
    env = {
        **os.environ,
        "SHOMEI_AMQP_URL": amqp_url,
        "SHOMEI_STORE": f"sqlite:///{tmp_path}",
        "SHOMEI_VAR_DIR": str(tmp_path),
        "SHOMEI_BLOBS": f"file://{tmp_path / 'blobs'}",
        "SHOMEI_SHUTDOWN_GRACE": "30",
        "SLOW_MARKER": str(marker),
        "SLOW_SECONDS": "2",
    }
    connection = await aio_pika.connect(amqp_url)
    channel = await connection.channel()
    events = await channel.declare_exchange(
        EVENTS.name, EVENTS.type.value, durable=True, arguments=EVENTS.arguments
    )
    done = await channel.declare_queue(f"count.slowtest.{uuid.uuid4().hex}", exclusive=True)
    await done.bind(events, SlowDone.name)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.unit.common.slow_service", cwd=ROOT, env=env
    )
    try:
        await wait_answering(amqp_url, process)
        broker = make_broker(Settings(amqp_url=amqp_url, var_dir=tmp_path), "slowtest-caller")
        async with broker:
            await broker.start()
            request = SlowRequested(tenant_id="t")
            await publish_event(broker, request.name, request.model_dump(mode="json"))
        for _ in range(400):
            if marker.exists():
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the handler never started")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 120) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    message = await done.get(fail=False, no_ack=True)
    await connection.close()
    assert message is not None, "the handler's event stayed in the outbox"
    assert json.loads(message.body)["correlation_id"] == request.correlation_id
    store = open_store(f"sqlite:///{tmp_path}", "slowtest", [])
    await store.open()
    assert await store.pending_outbox() == []
    await store.close()
