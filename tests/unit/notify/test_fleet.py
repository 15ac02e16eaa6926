"""Notify scaled by adding workers, proved with processes on a real RabbitMQ node and a
real SMTP server: each notification arrives exactly once (counted by Message-ID), an SMTP
outage delays mail but not SMS and sends nothing twice, and workers killed with SIGKILL
lose nothing and dead-letter nothing. Counts here are small; `bench/notify.py` runs the
full ones (3,000 notifications, a 60 s outage, 1,000 under kills) and prints figures."""

import asyncio
import random
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.rabbit import async_rabbit_node
from tests.support.stack import free_port
from tests.unit.notify.fleet import (
    CountingSmtp,
    Workers,
    publish,
    queue_depth,
    requests,
    until,
    worker_env,
)

SHORT_RETRIES = "[0.5, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]"


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Its own node: these workers use the real queue names (`notify.send`)."""
    async with async_rabbit_node(tmp_path_factory.mktemp("fleet-rabbit")) as url:
        yield url


@pytest.fixture
def smtp() -> AsyncIterator[CountingSmtp]:
    server = CountingSmtp(free_port())
    server.start()
    yield server
    server.stop()


async def drained(amqp_url: str) -> bool:
    """Nothing waits in the queue nor in the first delay queues (a copy that stepped
    aside)."""
    names = ["notify.send", "notify.send.delay.2000ms", "notify.send.delay.500ms"]
    return all([await queue_depth(amqp_url, name) == 0 for name in names])


async def exactly_once(node: str, tmp_path: Path, smtp: CountingSmtp, workers: int, count: int):
    fleet = Workers(tmp_path, worker_env(node, tmp_path, smtp.port))
    await fleet.start(workers)
    try:
        events = requests(count)
        await publish(node, events)
        await until(lambda: len(smtp.arrivals) == count, 300, f"{count} mails")
        while not await drained(node):
            await asyncio.sleep(0.2)
    finally:
        await fleet.stop()
    return events


async def test_three_workers_deliver_each_notification_exactly_once(node, tmp_path, smtp):
    events = await exactly_once(node, tmp_path, smtp, workers=3, count=300)
    assert set(smtp.arrivals) == {e.notification_id for e in events}
    assert smtp.duplicates() == 0
    assert await queue_depth(node, "notify.dead") == 0


async def smtp_outage(
    node: str, tmp_path: Path, smtp: CountingSmtp, catcher, outage: float, mails: int, sms: int
) -> dict[str, float]:
    """Stop the SMTP server for `outage` seconds mid-run; SMS are requested meanwhile."""
    env = worker_env(
        node,
        tmp_path,
        smtp.port,
        SHOMEI_SMS_API_URL=catcher.twilio_url,
        SHOMEI_TWILIO_ACCOUNT_SID="ACshomeilocal",
        SHOMEI_TWILIO_AUTH_TOKEN="local",
        SHOMEI_RETRY_DELAYS=SHORT_RETRIES,
    )
    fleet = Workers(tmp_path, env)
    await fleet.start(3)
    try:
        mail_events = requests(mails)
        sms_events = requests(sms, channel="sms")
        first = random.randrange(10_000_000)
        sms_events = [
            e.model_copy(update={"to": f"080{(first + n) % 100_000_000:08d}"})
            for n, e in enumerate(sms_events)
        ]
        numbers = {"+81" + e.to[1:] for e in sms_events}
        publishing = asyncio.create_task(publish(node, mail_events, per_second=mails / 4))
        await until(lambda: len(smtp.arrivals) >= mails // 4, 60, "a quarter of the mails")
        smtp.stop()
        stopped_at = time.monotonic()
        at_stop = len(smtp.arrivals)
        await publish(node, sms_events)
        await until(
            lambda: numbers <= {m["to"] for m in catcher.inbox.find(channel="sms")},
            60,
            "every SMS while the SMTP server is down",
        )
        sms_done_in = time.monotonic() - stopped_at
        received_while_down = len(smtp.arrivals) - at_stop
        await publishing
        await asyncio.sleep(max(0.0, outage - (time.monotonic() - stopped_at)))
        smtp.start()
        restarted_at = time.monotonic()
        await until(lambda: len(smtp.arrivals) == mails, 300, "every mail after the outage")
        caught_up = time.monotonic() - restarted_at
    finally:
        await fleet.stop()
    assert received_while_down == 0
    assert set(smtp.arrivals) == {e.notification_id for e in mail_events}
    assert smtp.duplicates() == 0
    return {"sms_done_during_outage_s": sms_done_in, "caught_up_after_restart_s": caught_up}


async def test_an_smtp_outage_delays_mail_sends_nothing_twice_and_sms_keep_flowing(
    node, tmp_path, smtp, catcher
):
    await smtp_outage(node, tmp_path, smtp, catcher, outage=10, mails=150, sms=30)
    assert await queue_depth(node, "notify.dead") == 0


async def kills(
    node: str,
    tmp_path: Path,
    smtp: CountingSmtp,
    count: int,
    every: float,
    per_second: float,
    workers: int = 3,
) -> dict[str, float]:
    """Publish at a steady rate while a random worker is SIGKILLed every `every` seconds
    and started again at once."""
    fleet = Workers(tmp_path, worker_env(node, tmp_path, smtp.port))
    await fleet.start(workers)
    killed = 0
    try:
        events = requests(count)
        publishing = asyncio.create_task(publish(node, events, per_second=per_second))
        while not publishing.done() or len(smtp.arrivals) < count:
            await asyncio.sleep(every)
            if len(smtp.arrivals) >= count:
                break
            victim = random.choice(list(fleet.processes))
            fleet.kill(victim)
            killed += 1
            fleet.spawn(victim)
        published = await publishing
        await until(lambda: len(smtp.arrivals) >= count, 120, f"{count} mails after kills")
        while not await drained(node):
            await asyncio.sleep(0.2)
    finally:
        await fleet.stop()
    assert set(smtp.arrivals) == {e.notification_id for e in events}  # none lost
    late = [smtp.arrivals[nid][0] - at for nid, at in published.items()]
    return {
        "kills": killed,
        "duplicates": smtp.duplicates(),
        "max_late_s": max(late),
        "p99_late_s": sorted(late)[int(len(late) * 0.99) - 1],
    }


async def test_workers_killed_every_few_seconds_lose_and_dead_letter_nothing(node, tmp_path, smtp):
    figures = await kills(node, tmp_path, smtp, count=300, every=1.5, per_second=50)
    assert await queue_depth(node, "notify.dead") == 0
    assert figures["kills"] >= 3
    print("kills:", figures)  # duplicates come only from the 250-to-commit window
