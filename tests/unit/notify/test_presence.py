"""A notify worker's presence on the broker, which the others read before taking over
its claims: it must not vanish while the worker lives."""

import asyncio

from deploy.local.rabbit import RabbitNode
from services.notify.presence import Presence
from tests.support.rabbit import forget_queue


async def test_a_live_worker_whose_presence_the_broker_forgot_is_present_again(
    rabbit: RabbitNode, amqp_url: str
) -> None:
    """Until it is, the others would take over its claims and send its mails twice."""
    worker, other = Presence(amqp_url, "notify"), Presence(amqp_url, "notify")
    await worker.start()
    await other.start()
    try:
        assert await other.alive(worker.worker_id)
        await forget_queue(rabbit, amqp_url, worker.queue_name(worker.worker_id))
        assert not await other.alive(worker.worker_id)
        async with asyncio.timeout(30):
            while not await other.alive(worker.worker_id):
                await asyncio.sleep(0.5)
    finally:
        await worker.stop()
        await other.stop()
