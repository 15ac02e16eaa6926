"""A signed envelope whose finished PDF cannot be made yet shows it to its sender (G7, B2):
with the time-stamp authority down, the API envelope and the console detail say the PDF
is pending and retried; when the authority answers again, the broker's next retry seals
it PAdES-B-T and the envelope completes. One SQLite stack of its own, with the local
RFC 3161 authority behind a switch."""

import asyncio
import subprocess
from pathlib import Path

import httpx
import pytest

from deploy.local.catcher import Catcher
from deploy.local.rabbit import RabbitNode
from gateway.console.demo import DEMO_LOGIN, demo_password
from tests.browser.test_console_http import signed_in
from tests.e2e.test_contract_flow import signer_link, wait_for_mail, wait_for_status
from tests.support import signer
from tests.support.pdfs import lease_pdf
from tests.support.rabbit import vhost
from tests.support.stack import Stack
from tests.support.tsa import LocalTsa
from tests.unit.document.service import FlakyTsa

pytestmark = pytest.mark.e2e


async def test_g7_a_pending_finished_pdf_is_shown_then_sealed_when_the_tsa_answers(
    tmp_path: Path, rabbit: RabbitNode, catcher: Catcher
) -> None:
    with LocalTsa() as tsa:
        flaky = FlakyTsa(tsa)
        env = {"SHOMEI_TSA_URL": flaky.url, "SHOMEI_RETRY_DELAYS": "[1, 2, 4, 8, 16]"}
        async with vhost(rabbit, "tsa-down") as amqp_url:
            var = tmp_path / "var"
            stack = Stack(var, amqp_url, catcher.smtp_port, f"sqlite:///{var}", extra_env=env)
            await stack.start()
            try:
                await pending_then_sealed(stack, catcher, flaky, tmp_path)
            finally:
                await stack.stop()
                flaky.server.shutdown()


async def pending_then_sealed(
    stack: Stack, catcher: Catcher, flaky: FlakyTsa, tmp_path: Path
) -> None:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    to = f"tsa-{stack.port}@example.jp"
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("a.pdf", lease_pdf(), "application/pdf")}
        )
        body = {
            "title": "タイムスタンプ待ち",
            "document_id": up.json()["id"],
            "parties": [{"role": "tenant", "name": "佐藤 一郎", "email": to}],
            "fields": [
                {
                    "party": 0,
                    "type": "signature",
                    "page": 1,
                    "x": 160,
                    "y": 690,
                    "width": 60,
                    "height": 60,
                }
            ],
            "send": True,
        }
        created = await api.post("/api/v1/envelopes", json=body)
        assert created.status_code == 201, created.text
        envelope_id = created.json()["id"]
        [mail] = await wait_for_mail(catcher.inbox, to)
        link = signer_link(mail)
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await signer.sign(client, link, {})).status_code == 303

        async def failure_shown() -> dict:
            while True:
                envelope = (await api.get(f"/api/v1/envelopes/{envelope_id}")).json()
                if envelope["finishing_failure"]:
                    return envelope
                await asyncio.sleep(0.2)

        envelope = await asyncio.wait_for(failure_shown(), 60)
        assert envelope["status"] == "signed" and not envelope["finished"]
        failure = envelope["finishing_failure"]
        assert (failure["code"], failure["retrying"]) == ("timestamp_unavailable", True)
        assert "タイムスタンプ局" in failure["message"]

        console, _ = await signed_in(stack.url, DEMO_LOGIN, demo_password(stack.api_key))
        try:
            detail = await console.get(f"/console/documents/{envelope_id}")
        finally:
            await console.aclose()
        assert 'data-test="finishing-failure"' in detail.text
        assert "締結済みPDFは作成待ちです。" in detail.text and "タイムスタンプ局" in detail.text

        flaky.down = False
        envelope = await wait_for_status(api, envelope_id, "completed", timeout=120)
        assert envelope["finishing_failure"] is None
        finished = (await api.get(f"/api/v1/envelopes/{envelope_id}/download")).content
        verified = await api.post(
            "/api/v1/documents/verify",
            files={"file": ("finished.pdf", finished, "application/pdf")},
        )
        assert verified.json()["intact"] and verified.json()["timestamped"], verified.text
    path = tmp_path / "finished.pdf"
    path.write_bytes(finished)
    report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in report and "Total document signed" in report, report
    assert "Signature Type: ETSI.CAdES.detached" in report, report
    assert flaky.refused >= 1
