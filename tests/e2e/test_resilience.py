"""Nothing is lost when a service dies: requests wait in durable queues
and outboxes until the service is back, and the contract goes on."""

import asyncio

import httpx
import pytest

from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e


async def test_a_signature_request_sent_while_notify_is_down_is_mailed_when_it_is_back(
    stack, inbox
):
    to = f"resilient-{stack.port}@example.jp"
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    stack.kill("notify")
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("a.pdf", lease_pdf(), "application/pdf")}
        )
        sent = await api.post(
            "/api/v1/envelopes",
            json={
                "title": "障害中の契約",
                "document_id": up.json()["id"],
                "send": True,
                "parties": [{"name": "佐藤 一郎", "email": to}],
                "fields": [{"party": 0, "page": 1, "x": 100, "y": 100, "width": 50, "height": 50}],
            },
        )
        assert sent.status_code == 201 and sent.json()["status"] == "sent"
    await asyncio.sleep(1)
    assert inbox.find(to=to) == []
    await stack.respawn("notify")
    assert len(await inbox.wait_for(to, "email", 30)) == 1


async def test_a_dead_service_gets_a_clear_503_not_a_hang(stack):
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    stack.kill("signing")
    try:
        async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
            response = await api.get("/api/v1/envelopes/whatever")
        assert response.status_code == 503
        problem = response.json()
        assert (
            problem["code"] == "service_unavailable" and problem["params"]["service"] == "signing"
        )
    finally:
        await stack.respawn("signing")
