"""The signing workflow on the real stack (S2–S18, G2–G7, D3, D4, B3), once per store engine:
a rental with a guarantor signing in parallel with the tenant, a share-only rent-guarantee
company, a lockout and the sender's mail about it, a re-request to a corrected address, a
signer change, consent given and refused; then a decline, a cancel, forty simultaneous
wrong access codes, a reminder and an expiry with the service's clock moved by settings.
Every refusal goes through HTTP."""

import asyncio
import os
import re

import httpx
import pytest

from tests.e2e.test_contract_flow import signer_link, wait_for_mail, wait_for_status
from tests.support import signer
from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e
SENDER = "staff@demo.example"


def tag() -> str:
    return os.urandom(3).hex()


def box(party: int, y: float, type: str = "signature", **kw) -> dict:
    size = {"signature": 60, "text": 24, "checkbox": 14}[type]
    return {
        "party": party,
        "type": type,
        "page": 1,
        "x": 100 + 120 * party,
        "y": y,
        "width": size if type != "text" else 120,
        "height": size,
        **kw,
    }


def rental(t: str) -> dict:
    return {
        "title": f"賃貸借契約書 {t}",
        "contract_type": "rental_with_guarantor",
        "document_info": {"contract_date": "2026-12-01", "amount": 85000},
        "parties": [
            {
                "role": "tenant",
                "name": "佐藤 一郎",
                "email": f"tenant-{t}@example.jp",
                "signing_order": 1,
                "access_code": "19850505",
                "access_code_hint": "借主様の生年月日（西暦8桁）",
                "required_documents": ["drivers_license"],
            },
            {
                "role": "guarantor",
                "name": "佐藤 二郎",
                "email": f"guarantor-{t}@example.jp",
                "signing_order": 1,
            },
            {
                "role": "landlord",
                "name": "鈴木 花子",
                "email": f"landlord-{t}@example.jp",
                "signing_order": 2,
                "signer_change_allowed": True,
            },
            {
                "role": "other",
                "kind": "corporation",
                "name": "ABC家賃保証株式会社",
                "recipient_name": "高橋 和也",
                "email": f"guarantee-{t}@example.jp",
                "signs": False,
            },
        ],
        "fields": [
            box(0, 690),
            box(0, 600, "text", label="現住所"),
            box(1, 690),
            box(1, 620, "checkbox", label="重要事項を確認しました"),
            box(2, 690),
        ],
    }


async def upload(api: httpx.AsyncClient) -> str:
    up = await api.post(
        "/api/v1/documents", files={"file": ("lease.pdf", lease_pdf(), "application/pdf")}
    )
    assert up.status_code == 201, up.text
    return up.json()["id"]


async def last_link(inbox, to: str, count: int) -> str:
    return signer_link((await wait_for_mail(inbox, to, count))[-1])


def field_ids(page: str, prefix: str) -> list[str]:
    return re.findall(rf'name="{prefix}_([A-Za-z0-9]+)"', page)


async def test_rental_with_guarantor_end_to_end(stack, inbox):
    t = tag()
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        document_id = await upload(api)
        types = (await api.get("/api/v1/contract-types")).json()["types"]
        assert [p["role"] for p in types[0]["default_parties"]] == [
            "tenant",
            "guarantor",
            "agent",
            "landlord",
        ]

        # every problem at once, each pointing at its party (S4–S16)
        bad = rental(t)
        bad["parties"][0]["name"] = "שרה 😀"
        bad["parties"][1]["email"] = "a,b@x.jp"
        bad["parties"].append(
            {
                "role": "own_company",
                "kind": "corporation",
                "name": "自社",
                "recipient_name": "担当",
                "email": f"own-{t}@example.jp",
            }
        )
        bad["fields"].append(box(4, 690))
        refused = await api.post("/api/v1/envelopes", json={**bad, "document_id": document_id})
        assert refused.status_code == 422 and refused.json()["code"] == "envelope_invalid"
        errors = {(e["pointer"], e["code"]) for e in refused.json()["errors"]}
        assert ("/parties/0/name", "name_unsupported_character") in errors
        assert ("/parties/1/email", "invalid_email") in errors
        assert ("/parties/4/role", "own_company_needs_certificate") in errors
        unknown = await api.post(
            "/api/v1/envelopes",
            json={
                **rental(t),
                "document_id": document_id,
                "parties": [{"name": "x", "emial": "x"}],
            },
        )
        assert unknown.status_code == 422

        created = await api.post(
            "/api/v1/envelopes", json={**rental(t), "document_id": document_id, "send": True}
        )
        assert created.status_code == 201, created.text
        envelope = created.json()
        eid = envelope["id"]
        assert envelope["document_info"]["counterparty"] == "佐藤 一郎"

    # S13: tenant and guarantor are asked together; the landlord waits
    tenant_link = await last_link(inbox, f"tenant-{t}@example.jp", 1)
    guarantor_link = await last_link(inbox, f"guarantor-{t}@example.jp", 1)
    assert inbox.find(to=f"landlord-{t}@example.jp") == []

    # G2: five wrong codes lock the tenant; the sender is told by mail
    async with httpx.AsyncClient(timeout=30) as tenant:
        for _ in range(5):
            wrong = await signer.post(tenant, tenant_link, "access-code", {"code": "00000000"})
        assert wrong.status_code == 423
        assert (await tenant.get(tenant_link)).status_code == 423
    locked_mail = await wait_for_subject(inbox, SENDER, f"賃貸借契約書 {t}")
    assert "佐藤 一郎" in locked_mail["body"] and "ロック" in locked_mail["subject"]

    # D4: re-request to a corrected address; the old link is dead, a second one too soon
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        tenant_id = envelope["parties"][0]["id"]
        body = {"parties": [{"party_id": tenant_id, "email": f"tenant2-{t}@example.jp"}]}
        again = await api.post(f"/api/v1/envelopes/{eid}/rerequest", json=body)
        assert again.status_code == 200, again.text
        too_soon = await api.post(f"/api/v1/envelopes/{eid}/rerequest", json=body)
        assert too_soon.status_code == 429 and too_soon.json()["code"] == "rerequest_too_soon"
    async with httpx.AsyncClient(timeout=30) as old:
        assert (await old.get(tenant_link)).status_code == 404
    tenant_link = await last_link(inbox, f"tenant2-{t}@example.jp", 1)

    # G4: the tenant signs with the text filled and consents (S18); the guarantor ticks
    async with httpx.AsyncClient(timeout=30) as tenant:
        assert (
            await signer.post(tenant, tenant_link, "access-code", {"code": "19850505"})
        ).status_code == 303
        assert "本人確認書類" in (await tenant.get(tenant_link)).text
        photos = {
            f"img_drivers_license_{side}": (f"{side}.jpg", signer.jpeg(), "image/jpeg")
            for side in ("front", "back")
        }
        attached = await signer.post(tenant, tenant_link, "identity", {}, files=photos)
        assert attached.status_code == 303, attached.text
        page = (await tenant.get(tenant_link)).text
        [text_id] = field_ids(page, "text")
        empty = await signer.sign(tenant, tenant_link, {})
        assert empty.status_code == 422
        signed = await signer.sign(
            tenant, tenant_link, {f"text_{text_id}": "東京都港区1-1", "article37_consent": "yes"}
        )
        assert signed.status_code == 303
    async with httpx.AsyncClient(timeout=30) as guarantor:
        page = (await guarantor.get(guarantor_link)).text
        [check_id] = field_ids(page, "check")
        assert (
            await signer.sign(guarantor, guarantor_link, {f"check_{check_id}": "on"})
        ).status_code == 303

    # S14: the landlord hands over; the new landlord signs and refuses the consent (G6)
    landlord_link = await last_link(inbox, f"landlord-{t}@example.jp", 1)
    async with httpx.AsyncClient(timeout=30) as landlord:
        bad_change = await signer.post(
            landlord, landlord_link, "change-signer", {"name": "鈴木 一郎", "email": "<x@y.jp>"}
        )
        assert bad_change.status_code == 422
        changed = await signer.post(
            landlord,
            landlord_link,
            "change-signer",
            {"name": "鈴木 一郎", "email": f"landlord2-{t}@example.jp"},
        )
        assert changed.status_code == 303
        assert (await landlord.get(landlord_link)).status_code == 410
    new_landlord = await last_link(inbox, f"landlord2-{t}@example.jp", 1)
    async with httpx.AsyncClient(timeout=30) as landlord:
        assert (await signer.sign(landlord, new_landlord, {})).status_code == 303
        assert "37条書面" in (await landlord.get(new_landlord)).text
        assert (
            await signer.post(landlord, new_landlord, "consent", {"answer": "no"})
        ).status_code == 303
        twice = await signer.post(landlord, new_landlord, "consent", {"answer": "yes"})
        assert twice.status_code == 409

    # G7: completed; every party and the share-only company get the finished contract
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        done = await wait_for_status(api, eid, "completed")
    by_name = {p["name"]: p for p in done["parties"]}
    assert by_name["佐藤 一郎"]["consent"] == "given"
    assert by_name["鈴木 一郎"]["consent"] == "refused"
    assert by_name["鈴木 花子"]["status"] == "replaced"
    assert by_name["佐藤 一郎"]["required_documents"] == ["drivers_license"]
    assert done["audit_intact"] and done["finished_sha256"]
    actions = [h["action"] for h in done["history"]]
    for action in (
        "created",
        "sent",
        "locked",
        "rerequested",
        "signer_changed",
        "consent_given",
        "consent_refused",
        "completed",
    ):
        assert action in actions, action
    assert all(h["hash"] for h in done["history"])
    for to in (f"tenant2-{t}@example.jp", f"guarantor-{t}@example.jp", f"landlord2-{t}@example.jp"):
        await wait_for_mail(inbox, to, 2)
    [shared] = await wait_for_mail(inbox, f"guarantee-{t}@example.jp", 1)
    assert "/s/" in shared["body"]


async def wait_for_subject(inbox, to: str, words: str, timeout: float = 30) -> dict:
    async def poll() -> dict:
        while True:
            for mail in inbox.find(to=to, channel="email"):
                if words in mail["subject"] or words in mail["body"]:
                    return mail
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


def one_party(t: str, **party) -> dict:
    return {
        "title": f"駐車場契約書 {t}",
        "contract_type": "renewal_parking_condo_guarantee",
        "parties": [{"role": "tenant", "name": "田中 太郎", "email": f"p-{t}@example.jp", **party}],
        "fields": [box(0, 690)],
        "reminders": {"remind_after_days": 3, "remind_every_days": 2, "expire_after_days": 10},
    }


async def test_decline_cancel_parallel_codes_reminder_and_expiry(stack, inbox):
    t = tag()
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        document_id = await upload(api)

        async def create(**party) -> dict:
            body = {
                **one_party(f"{t}-{len(party)}-{tag()}", **party),
                "document_id": document_id,
                "send": True,
            }
            response = await api.post("/api/v1/envelopes", json=body)
            assert response.status_code == 201, response.text
            return response.json()

        declined = await create(email=f"decline-{t}@example.jp")
        cancelled = await create(email=f"cancel-{t}@example.jp")
        coded = await create(email=f"coded-{t}@example.jp", access_code="2468")
        reminded = await create(email=f"remind-{t}@example.jp")

        # B3: cancel; a second cancel is refused
        gone = await api.post(
            f"/api/v1/envelopes/{cancelled['id']}/cancel", json={"reason": "条件変更"}
        )
        assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
        again = await api.post(f"/api/v1/envelopes/{cancelled['id']}/cancel", json={})
        assert again.status_code == 409 and again.json()["code"] == "envelope_closed"

    # G4: decline with a reason ends the envelope
    link = await last_link(inbox, f"decline-{t}@example.jp", 1)
    async with httpx.AsyncClient(timeout=30) as party:
        assert (await signer.post(party, link, "decline", {"reason": ""})).status_code == 422
        assert (
            await signer.post(party, link, "decline", {"reason": "金額が違います"})
        ).status_code == 303
        assert (await signer.sign(party, link, {})).status_code in (409, 403)

    # G2: forty wrong codes at once: no 500, exactly five counted, then locked
    link = await last_link(inbox, f"coded-{t}@example.jp", 1)
    async with httpx.AsyncClient(timeout=60) as party:
        await party.get(link)
        form = {"code": "1111", "csrf": signer.csrf_of(party) or ""}
        answers = await asyncio.gather(
            *(party.post(f"{link}/access-code", data=form) for _ in range(40))
        )
    assert sorted({a.status_code for a in answers}) == [403, 423]

    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        assert (await api.get(f"/api/v1/envelopes/{declined['id']}")).json()["status"] == "declined"
        coded_now = (await api.get(f"/api/v1/envelopes/{coded['id']}")).json()
        failed = [h for h in coded_now["history"] if h["action"] == "access_code_failed"]
        assert len(failed) == 5 and coded_now["parties"][0]["status"] == "locked"

        # B3: the clock moved by settings (and the service restarted): a reminder, then expiry
        await moved_clock(stack, days=3, hours=1)
        await wait_for_mail(inbox, f"remind-{t}@example.jp", 2)
        assert any("リマインド" in m["subject"] for m in inbox.find(to=f"remind-{t}@example.jp"))
        await moved_clock(stack, days=11)
        expired = await wait_for_status(api, reminded["id"], "expired")
        assert "expired" in [h["action"] for h in expired["history"]]
        await moved_clock(stack, days=0)
        assert len(inbox.find(to=f"remind-{t}@example.jp")) == 2  # no reminder twice


async def moved_clock(stack, days: int, hours: int = 0) -> None:
    """Restart the signing service with its clock moved forward and a quick sweep."""
    stack.kill("signing")
    stack.env["SHOMEI_CLOCK_OFFSET"] = str(days * 86400 + hours * 3600)
    stack.env["SHOMEI_SWEEP_SECONDS"] = "0.5"
    await stack.respawn("signing")
