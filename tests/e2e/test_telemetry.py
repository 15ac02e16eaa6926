"""Operating it: with OTEL_EXPORTER_OTLP_ENDPOINT set, every process exports spans and
metrics, and one trace follows a signature from the API call through the services to
the mail (counted at a receiver this test runs, across processes)."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from deploy.local.catcher import Catcher
from deploy.local.rabbit import RabbitNode
from tests.e2e.test_contract_flow import parties_and_fields, signer_link, wait_for_mail
from tests.support.otlp import OtlpReceiver
from tests.support.pdfs import lease_pdf
from tests.support.rabbit import vhost
from tests.support.signer import post, sign
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e
SERVICES = {"shomei-gateway", "shomei-signing", "shomei-document", "shomei-notify"}


@pytest.fixture
async def receiver() -> AsyncIterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


async def test_one_trace_follows_the_last_signature_through_every_service_to_the_mail(
    tmp_path: Path, rabbit: RabbitNode, catcher: Catcher, receiver: OtlpReceiver
) -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
    async with vhost(rabbit, "otel") as amqp_url:
        stack = Stack(
            tmp_path / "var",
            amqp_url,
            catcher.smtp_port,
            f"sqlite:///{tmp_path / 'var'}",
            sms_api_url=catcher.twilio_url,
            extra_env=env,
        )
        await stack.start()
        try:
            await sign_one_contract(stack, catcher)
            traces = await traces_through(receiver, SERVICES)
            metrics = {"shomei.deliveries", "shomei.handler.duration", "shomei.queue.depth"}
            while not metrics <= receiver.metric_names:
                await asyncio.sleep(0.5)
        finally:
            await stack.stop()
    assert traces, dict(receiver.span_names)


async def sign_one_contract(stack: Stack, catcher: Catcher) -> None:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    body = parties_and_fields()
    tag = stack.port
    body["parties"][0]["email"] = first = f"otel-a-{tag}@example.jp"
    body["parties"][1]["email"] = second = f"otel-b-{tag}@example.jp"
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("a.pdf", lease_pdf(), "application/pdf")}
        )
        created = await api.post("/api/v1/envelopes", json={**body, "document_id": up.json()["id"]})
        assert (await api.post(f"/api/v1/envelopes/{created.json()['id']}/send")).status_code == 200
    for to, code in ((first, "19850505"), (second, "")):
        [mail] = await wait_for_mail(catcher.inbox, to)
        link = signer_link(mail)
        async with httpx.AsyncClient(timeout=30) as signer:
            if code:
                await post(signer, link, "access-code", {"code": code})
            assert (await sign(signer, link, {})).status_code == 303
    await wait_for_mail(catcher.inbox, second, count=2, timeout=60)


async def traces_through(receiver: OtlpReceiver, services: set[str]) -> list[str]:
    """Trace ids with a span from each of `services`, once one has arrived."""
    for _ in range(120):
        found = [t for t, names in receiver.traces.items() if services <= names]
        if found:
            return found
        await asyncio.sleep(0.5)
    return []
