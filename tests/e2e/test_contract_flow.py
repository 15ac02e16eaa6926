"""One contract end to end on the real stack (S3, S13, G1, G2, G4, B2): upload → envelope with two
parties in signing order → email → access code → seal → sign → finished, sealed PDF.

Runs once with the SQLite engine and once with MongoDB (mongoeco's wire server)."""

import asyncio
import re
import subprocess

import httpx
import pytest

from tests.support import signer
from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e


def parties_and_fields() -> dict:
    return {
        "title": "建物賃貸借契約書 101号室",
        "parties": [
            {
                "role": "tenant",
                "name": "佐藤 一郎",
                "email": "sato@example.jp",
                "signing_order": 1,
                "access_code": "19850505",
                "access_code_hint": "借主様の生年月日（西暦8桁）",
                "comment": "よろしくお願いします。",
            },
            {
                "role": "landlord",
                "name": "鈴木 花子",
                "email": "suzuki@example.jp",
                "signing_order": 2,
            },
        ],
        "fields": [
            {
                "party": 0,
                "type": "signature",
                "page": 1,
                "x": 160,
                "y": 690,
                "width": 60,
                "height": 60,
            },
            {
                "party": 1,
                "type": "signature",
                "page": 1,
                "x": 410,
                "y": 690,
                "width": 60,
                "height": 60,
            },
        ],
    }


async def wait_for_mail(inbox, to: str, count: int = 1, timeout: float = 30) -> list[dict]:
    """The mails to `to`, oldest first, once at least `count` have arrived."""

    async def poll() -> list[dict]:
        while len(mails := inbox.find(to=to, channel="email")) < count:
            await asyncio.sleep(0.05)
        return list(reversed(mails))

    return await asyncio.wait_for(poll(), timeout)


def signer_link(mail: dict) -> str:
    match = re.search(r"https?://\S+/s/[A-Za-z0-9_\-]+", mail["body"])
    assert match, mail["body"]
    return match.group(0)


async def wait_for_status(
    api: httpx.AsyncClient, envelope_id: str, status: str, timeout: float = 60
) -> dict:
    async def poll() -> dict:
        while True:
            envelope = (await api.get(f"/api/v1/envelopes/{envelope_id}")).json()
            if envelope["status"] == status:
                return envelope
            await asyncio.sleep(0.2)

    return await asyncio.wait_for(poll(), timeout)


async def test_contract_flow_end_to_end(stack, inbox, tmp_path):
    inbox.clear()
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        # 1. upload: a non-PDF is refused with a reason, a PDF is adopted
        bad = await api.post("/api/v1/documents", files={"file": ("x.pdf", b"hello", "text/plain")})
        assert bad.status_code == 422
        assert bad.json()["code"] == "not_pdf"
        up = await api.post(
            "/api/v1/documents",
            files={"file": ("賃貸借契約書.pdf", lease_pdf(), "application/pdf")},
        )
        assert up.status_code == 201, up.text
        document = up.json()
        assert document["page_count"] == 1

        # 2. envelope with two parties in signing order; send
        created = await api.post(
            "/api/v1/envelopes", json={**parties_and_fields(), "document_id": document["id"]}
        )
        assert created.status_code == 201, created.text
        envelope_id = created.json()["id"]
        sent = await api.post(f"/api/v1/envelopes/{envelope_id}/send")
        assert sent.status_code == 200, sent.text
        early = await api.get(f"/api/v1/envelopes/{envelope_id}/download")
        assert early.status_code == 409 and early.json()["code"] == "not_finished"
        assert early.headers["content-type"] == "application/problem+json"

        # 3. party 1 gets an email with a link and the comment; party 2 nothing yet
        [mail1] = await wait_for_mail(inbox, "sato@example.jp")
        assert "よろしくお願いします。" in mail1["body"]
        link1 = signer_link(mail1)
        assert inbox.find(to="suzuki@example.jp") == []

    # 4. party 1: access code (a wrong one is refused), view, seal, sign
    async with httpx.AsyncClient(timeout=30) as signer1:
        page = await signer1.get(link1)
        assert page.status_code == 200 and "アクセスコード" in page.text
        assert "生年月日" in page.text
        denied = await signer1.get(f"{link1}/pages/1")
        assert denied.status_code == 403
        wrong = await signer.post(signer1, link1, "access-code", {"code": "11111111"})
        assert wrong.status_code == 403 and "あと4回" in wrong.text
        right = await signer.post(signer1, link1, "access-code", {"code": "19850505"})
        assert right.status_code == 303
        page = await signer1.get(link1)
        assert "押印" in page.text and 'id="sign"' in page.text
        image = await signer1.get(f"{link1}/pages/1")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        seal = await signer1.get(f"{link1}/seal")
        assert seal.status_code == 200 and seal.content.startswith(b"\x89PNG")
        unsealed = await signer.post(signer1, link1, "sign", {"agree": "1"})
        assert unsealed.status_code == 422 and "押印欄" in unsealed.text
        signed = await signer.sign(signer1, link1, {})
        assert signed.status_code == 303
        done = await signer1.get(link1)
        assert "署名が完了しました" in done.text

    # 5. only now party 2 is asked; party 2 signs (no access code)
    [mail2] = await wait_for_mail(inbox, "suzuki@example.jp")
    link2 = signer_link(mail2)
    async with httpx.AsyncClient(timeout=30) as signer2:
        assert 'id="sign"' in (await signer2.get(link2)).text
        assert (await signer.sign(signer2, link2, {})).status_code == 303

    # 6–7. finished: history with times, download, pdfsig says valid and whole document
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        envelope = await wait_for_status(api, envelope_id, "completed")
        for party in envelope["parties"]:
            actions = [h["action"] for h in party["history"]]
            assert actions[0] == "asked" and "signed" in actions
            assert all(h["at"] for h in party["history"])
        assert envelope["audit_intact"]
        download = await api.get(f"/api/v1/envelopes/{envelope_id}/download")
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/pdf"
    finished = tmp_path / "signed.pdf"
    finished.write_bytes(download.content)
    pdfsig = subprocess.run(["pdfsig", str(finished)], capture_output=True, text=True)
    assert "Signature is Valid" in pdfsig.stdout, pdfsig.stdout + pdfsig.stderr
    assert "Total document signed" in pdfsig.stdout, pdfsig.stdout
    qpdf = subprocess.run(["qpdf", "--check", str(finished)], capture_output=True, text=True)
    assert qpdf.returncode == 0, qpdf.stdout
    text = subprocess.run(["pdftotext", str(finished), "-"], capture_output=True, text=True)
    assert "佐藤 一郎" in text.stdout  # the audit certificate names the parties

    # G7: both parties get the finished contract
    await wait_for_mail(inbox, "sato@example.jp", count=2)
    await wait_for_mail(inbox, "suzuki@example.jp", count=2)


async def test_tenants_are_isolated_and_keys_required(stack):
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as anonymous:
        response = await anonymous.get("/api/v1/envelopes/whatever")
        assert response.status_code == 401
        assert response.json()["code"] == "api_key_required"
        response = await anonymous.get(
            "/api/v1/envelopes/whatever", headers={"Authorization": "Bearer nope"}
        )
        assert response.json()["code"] == "api_key_invalid"


async def test_bad_envelope_input_gets_a_machine_readable_error(stack):
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("a.pdf", lease_pdf(), "application/pdf")}
        )
        body = {**parties_and_fields(), "document_id": up.json()["id"]}
        body["parties"][1]["email"] = None
        response = await api.post("/api/v1/envelopes", json=body)
        assert response.status_code == 422
        assert response.json()["code"] == "envelope_invalid"
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
            ("/parties/1/email", "contact_required")
        ]
        missing = await api.post(
            "/api/v1/envelopes", json={**parties_and_fields(), "document_id": "nope"}
        )
        assert missing.status_code == 404
        assert missing.json()["code"] == "document_not_found"
        schema = await api.post("/api/v1/envelopes", json={"title": "x"})
        assert schema.status_code == 422
        assert schema.json()["code"] == "invalid_input"
        empty = await api.post(
            "/api/v1/documents", files={"file": ("e.pdf", b"", "application/pdf")}
        )
        assert empty.status_code == 422 and empty.json()["code"] == "empty_file"
        huge = b"%PDF-1.7\n" + b"0" * (21 * 1024 * 1024)
        too_big = await api.post(
            "/api/v1/documents", files={"file": ("big.pdf", huge, "application/pdf")}
        )
        assert too_big.status_code == 413
        assert too_big.json()["code"] == "file_too_large"
        link = await api.get("/s/not-a-real-token")
        assert link.status_code == 404 and "このリンクは無効です" in link.text
