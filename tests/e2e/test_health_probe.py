"""The probe Kubernetes runs in each pod judges that very instance: a frozen or dead
instance fails its own probe while another instance of the same service answers the
service's shared queue, which is what a probe asking "any instance" would have seen."""

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator

import pytest

from deploy.local.instances import ROOT, Instances
from deploy.local.rabbit import RabbitNode
from services.common.health import check
from tests.support.rabbit import forget_queue, vhost

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def two_seals(
    tmp_path_factory: pytest.TempPathFactory, rabbit: RabbitNode
) -> AsyncIterator[Instances]:
    """Two instances of one service; the tests run in order, the last two kill."""
    tmp_path = tmp_path_factory.mktemp("probe")
    async with vhost(rabbit, "probe") as amqp_url:
        env = {
            **os.environ,
            "SHOMEI_VAR_DIR": str(tmp_path),
            "SHOMEI_AMQP_URL": amqp_url,
            "SHOMEI_STORE": f"sqlite:///{tmp_path}",
        }
        seals = Instances(tmp_path, amqp_url, env)
        seals.add_service("seal-a", "seal")
        seals.add_service("seal-b", "seal")
        await seals.start(["seal-a"], 60)  # the first start makes the store
        await seals.start(["seal-b"], 60)
        try:
            yield seals
        finally:
            await seals.stop()


async def answers(seals: Instances, instance: str | None) -> bool:
    """What the pod's probe command decides for `instance` (None: `--any`), run in this
    process; the command itself runs in its own test."""
    return await check(seals.amqp_url, "seal", 3.0, instance)


async def until_answers(seals: Instances, instance: str | None, expected: bool) -> None:
    while await answers(seals, instance) != expected:
        await asyncio.sleep(0.5)


async def test_a_frozen_instance_fails_its_own_probe_while_its_twin_serves(
    two_seals: Instances,
) -> None:
    assert await answers(two_seals, "seal-a")
    assert await answers(two_seals, "seal-b")
    frozen = two_seals.processes["seal-a"]
    os.kill(frozen.pid, signal.SIGSTOP)  # its connection and consumers stay, nothing answers
    try:
        assert not await answers(two_seals, "seal-a")
        assert await answers(two_seals, "seal-b")
    finally:
        os.kill(frozen.pid, signal.SIGCONT)
    await asyncio.wait_for(until_answers(two_seals, "seal-a", True), 60)


async def test_without_a_name_the_probe_asks_the_instance_of_its_own_environment(
    two_seals: Instances,
) -> None:
    named = {**two_seals.env, "SHOMEI_INSTANCE_ID": "seal-a"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.common.health", "seal", cwd=ROOT, env=named,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert out.decode().strip() == "seal instance seal-a: healthy"
    assert not await answers(two_seals, "seal-c")  # no such pod


async def test_an_instance_whose_health_queue_the_broker_forgot_answers_again(
    two_seals: Instances, rabbit: RabbitNode
) -> None:
    await forget_queue(rabbit, two_seals.amqp_url, "seal.health.seal-a")
    assert not await answers(two_seals, "seal-a")  # its consumer goes on, unreachable
    await asyncio.wait_for(until_answers(two_seals, "seal-a", True), 30)
    assert await answers(two_seals, "seal-b")


async def test_a_killed_instance_fails_its_own_probe_and_the_service_still_answers(
    two_seals: Instances,
) -> None:
    two_seals.kill("seal-b")
    await asyncio.wait_for(until_answers(two_seals, "seal-b", False), 60)
    assert await answers(two_seals, "seal-a")
    assert await answers(two_seals, None)  # `--any`


async def test_a_service_whose_query_queue_the_broker_forgot_answers_again_on_any_instance(
    two_seals: Instances, rabbit: RabbitNode
) -> None:
    """Whichever instance declares the queue again, the service answers while one lives."""
    await two_seals.start(["seal-b"], 60)
    await forget_queue(rabbit, two_seals.amqp_url, "seal.query")
    assert not await answers(two_seals, None)
    await asyncio.wait_for(until_answers(two_seals, None, True), 30)
    two_seals.kill("seal-b")
    await asyncio.wait_for(until_answers(two_seals, None, True), 30)
    assert await answers(two_seals, "seal-a")
