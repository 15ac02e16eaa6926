"""The sender sees each message's delivery (B4) through the API, on the whole stack: a mail
sent, an SMS delivered by the provider's signed callback, an SMS the provider reports
undelivered, an SMS stopped by the number guard (S8); failures and suppressions also
reach the sender by mail. Callbacks without a valid signature change nothing."""

import asyncio
import random
import re
import subprocess
import sys

import httpx
import pytest
from twilio.request_validator import RequestValidator

from services.common.notifications import SMS_STATUS_PATH
from tests.support.agency import asked_together
from tests.support.pdfs import lease_pdf
from tests.support.stack import ROOT, create_tenant

pytestmark = pytest.mark.e2e


def mobile() -> str:
    return f"090{random.randrange(10**8):08d}"


async def messages_when(api: httpx.AsyncClient, envelope_id: str, done, timeout: float = 60):
    last: dict = {}

    async def poll() -> dict:
        nonlocal last
        while True:
            reply = await api.get(f"/api/v1/envelopes/{envelope_id}/messages")
            assert reply.status_code == 200, reply.text
            last = reply.json()
            if done(last["messages"]):
                return last
            await asyncio.sleep(0.2)

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"messages never reached the state: {last}") from None


async def test_the_sender_follows_every_message_of_an_envelope(stack, inbox, tmp_path):
    changed, stale, kept = mobile(), "08000000000", mobile()
    numbers = tmp_path / "numbers.csv"
    numbers.write_text(f"number,changed_on\n{changed},2024-05-01\n", encoding="utf-8")
    imported = subprocess.run(
        [sys.executable, "-m", "services.notify.numbers", "import", str(numbers)],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
    )
    assert imported.returncode == 0, imported.stderr
    title = f"配信状況の確認 {random.randrange(10**6)}"
    auth = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=auth, timeout=30) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("a.pdf", lease_pdf(), "application/pdf")}
        )
        parties = [
            {"name": "佐藤 一郎", "email": f"state{random.randrange(10**6)}@example.jp"},
            {"name": "鈴木 花子", "phone": kept, "mobile_acquired_on": "2024-06-01"},
            {"name": "田中 次郎", "phone": stale},
            {"name": "高橋 三郎", "phone": changed, "mobile_acquired_on": "2020-01-01"},
        ]
        created = await api.post(
            "/api/v1/envelopes", json=asked_together(up.json()["id"], title, parties)
        )
        assert created.status_code == 201, created.text
        envelope_id = created.json()["id"]
        settled = {"sent", "delivered", "failed", "suppressed"}
        body = await messages_when(
            api,
            envelope_id,
            lambda ms: (
                len(ms) == 6  # four requests, two notices to the sender
                and all(m["status"] in settled for m in ms)
                and sum(m["status"] == "delivered" for m in ms) == 1
                and sum(m["status"] == "failed" for m in ms) == 1
            ),
        )
        requests = [m for m in body["messages"] if m["kind"] == "signature_request"]
        # numbers are kept in E.164 (+81…); the test wrote them as a person types them
        by_to = {re.sub(r"^\+81", "0", m["to"]): m for m in requests}
        assert by_to[parties[0]["email"]]["status"] == "sent"
        assert by_to[kept]["status"] == "delivered"  # the provider's signed callback
        assert by_to[stale]["status"] == "failed"
        assert "30003" in by_to[stale]["reason"]
        assert by_to[changed]["status"] == "suppressed"
        assert "2024-05-01" in by_to[changed]["reason"]
        notices = {m["kind"]: m for m in body["messages"] if m["kind"] != "signature_request"}
        assert set(notices) == {"delivery_failed", "delivery_suppressed"}
        sender_mail = await wait_for_subjects(inbox, title, ("送信失敗", "SMS送信停止"))
        assert {m["to"] for m in sender_mail} == {"staff@demo.example"}

        other = {"Authorization": f"Bearer {create_tenant(stack, f't{stack.port}', 'ほか')}"}
        foreign = await api.get(f"/api/v1/envelopes/{envelope_id}/messages", headers=other)
        assert foreign.status_code == 404
        assert foreign.json()["code"] == "envelope_not_found"
        anonymous = await api.get(
            f"/api/v1/envelopes/{envelope_id}/messages", headers={"Authorization": ""}
        )
        assert anonymous.status_code == 401


async def wait_for_subjects(inbox, title: str, words: tuple[str, ...]) -> list[dict]:
    async def poll() -> list[dict]:
        while True:
            found = [
                m
                for m in inbox.find(channel="email")
                if title in (m["subject"] or "") and any(w in m["subject"] for w in words)
            ]
            if len(found) >= len(words):
                return found
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(poll(), 60)


async def test_a_status_callback_needs_the_providers_signature(stack):
    url = stack.url + SMS_STATUS_PATH
    params = {"MessageSid": "SMunknown", "MessageStatus": "delivered"}
    good = RequestValidator("local").compute_signature(url, params)
    async with httpx.AsyncClient(timeout=30) as http:
        unsigned = await http.post(url, data=params)
        forged = await http.post(url, data=params, headers={"X-Twilio-Signature": "AAAA"})
        tampered = await http.post(
            url, data={**params, "MessageStatus": "failed"}, headers={"X-Twilio-Signature": good}
        )
        signed = await http.post(url, data=params, headers={"X-Twilio-Signature": good})
        odd = {"MessageSid": "SMx", "MessageStatus": "teleported"}
        odd_signed = RequestValidator("local").compute_signature(url, odd)
        unknown = await http.post(url, data=odd, headers={"X-Twilio-Signature": odd_signed})
    for refused in (unsigned, forged, tampered):
        assert refused.status_code == 403
    assert signed.status_code == 204
    assert unknown.status_code == 400
