"""The gateway outlives a dropped broker connection: closed from the broker side with
`rabbitmqctl close_connection`, it answers a clear 503 until it has reconnected, then
answers again by itself, never a 500."""

import asyncio
import subprocess
from urllib.parse import unquote

import httpx
import pytest

from deploy.local.rabbit import RABBIT_BIN, RabbitNode
from services.common.rpc import QUERY_CLIENT_NAME

pytestmark = pytest.mark.e2e


def close_gateway_connections(node: RabbitNode, vhost: str) -> int:
    ctl = str(RABBIT_BIN / "rabbitmqctl")

    def run(*args: str) -> str:
        return subprocess.run(
            [ctl, "-q", *args], env=node.env(), capture_output=True, text=True, check=True
        ).stdout

    listed = run("list_connections", "--no-table-headers", "pid", "vhost", "client_properties")
    closed = 0
    for line in listed.splitlines():
        pid, host, properties = line.split("\t", 2)
        if host == vhost and QUERY_CLIENT_NAME in properties:
            run("close_connection", pid, "closed by the test")
            closed += 1
    return closed


async def test_the_gateway_answers_again_after_the_broker_closes_its_connection(stack, rabbit):
    vhost = unquote(stack.amqp_url.rstrip("/").rsplit("/", 1)[1])
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        assert (await api.get("/api/v1/envelopes/missing")).status_code == 404
        assert await asyncio.to_thread(close_gateway_connections, rabbit, vhost) == 1
        statuses: list[int] = []
        for _ in range(120):
            response = await api.get("/api/v1/envelopes/missing")
            statuses.append(response.status_code)
            if response.status_code == 404:
                break
            assert response.json()["code"] == "service_unavailable"
            await asyncio.sleep(0.25)
    assert statuses[-1] == 404
    assert set(statuses) <= {503, 404}
