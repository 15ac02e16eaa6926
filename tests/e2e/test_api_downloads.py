"""An envelope's files through the public API (D5): the original as uploaded at any time,
the finished PDF and its audit certificate alone once signed, each named after the
envelope in Japanese (RFC 5987) with an ASCII name beside it; 409 before they exist, 404
for another agency."""

import io
from urllib.parse import unquote

import httpx
import pytest
from pypdf import PdfReader

from tests.e2e.test_contract_flow import wait_for_status
from tests.e2e.test_documents import sign_by_link
from tests.support.agency import bearer
from tests.support.pdfs import lease_pdf
from tests.support.stack import create_tenant

pytestmark = pytest.mark.e2e
TITLE = "建物賃貸借契約書 101号室"


def names(response: httpx.Response) -> tuple[str, str]:
    """(`filename`, decoded `filename*`) of the answer's Content-Disposition."""
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    plain = disposition.split('filename="')[1].split('"')[0]
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert encoded.isascii() and " " not in encoded
    return plain, unquote(encoded)


async def test_original_certificate_and_finished_pdf_are_downloaded_by_name_d5(stack, inbox):
    headers = bearer(create_tenant(stack, f"files-{stack.port}", "書類不動産"))
    theirs = bearer(create_tenant(stack, f"files-other-{stack.port}", "他社"))
    original = lease_pdf(2)
    email = f"files-{stack.port}@example.jp"
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=60) as api:
        up = await api.post(
            "/api/v1/documents",
            files={"file": ("賃貸借契約書.pdf", original, "application/pdf")},
        )
        document_id = up.json()["id"]
        created = await api.post(
            "/api/v1/envelopes",
            json={
                "title": TITLE,
                "document_id": document_id,
                "parties": [{"name": "佐藤 一郎", "email": email}],
                "fields": [{"party": 0, "page": 2, "x": 100, "y": 100, "width": 50, "height": 50}],
                "send": True,
            },
        )
        assert created.status_code == 201, created.text
        envelope_id = created.json()["id"]

        for path in (
            f"/api/v1/envelopes/{envelope_id}/original",
            f"/api/v1/documents/{document_id}/original",
        ):
            got = await api.get(path)
            assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
            assert got.content == original, "the bytes as uploaded"
            assert names(got)[1] == "賃貸借契約書.pdf"
            assert names(got)[0].startswith("original-")
        for path in ("certificate", "download"):
            early = await api.get(f"/api/v1/envelopes/{envelope_id}/{path}")
            assert early.status_code == 409, early.text
            assert early.headers["content-type"] == "application/problem+json"
            assert early.json()["code"] == "not_finished"
            assert early.json()["params"] == {"envelope_status": "sent"}
        missing = await api.get("/api/v1/envelopes/env_nothing/certificate")
        assert missing.status_code == 404 and missing.json()["code"] == "envelope_not_found"
        for path in (
            f"/api/v1/envelopes/{envelope_id}/original",
            f"/api/v1/envelopes/{envelope_id}/certificate",
            f"/api/v1/envelopes/{envelope_id}/download",
            f"/api/v1/documents/{document_id}/original",
        ):
            other = await api.get(path, headers=theirs)
            assert other.status_code == 404, (path, other.text)
            assert other.json()["code"] in ("envelope_not_found", "document_not_found")

        await sign_by_link(inbox, email, 1)
        await wait_for_status(api, envelope_id, "completed")
        finished = await api.get(f"/api/v1/envelopes/{envelope_id}/download")
        assert finished.status_code == 200
        assert names(finished) == (f"signed-{envelope_id}.pdf", f"{TITLE}.pdf")
        certificate = await api.get(f"/api/v1/envelopes/{envelope_id}/certificate")
        assert certificate.status_code == 200, certificate.text
        assert certificate.headers["content-type"] == "application/pdf"
        assert names(certificate) == (
            f"audit-certificate-{envelope_id}.pdf",
            f"{TITLE}_監査証明書.pdf",
        )
        whole = PdfReader(io.BytesIO(finished.content))
        alone = PdfReader(io.BytesIO(certificate.content))
        assert len(alone.pages) == len(whole.pages) - 2 >= 1, "the pages after the original's"
        assert [p.extract_text() for p in alone.pages] == [
            p.extract_text() for p in whole.pages[2:]
        ]
        assert "監査証明書" in alone.pages[0].extract_text()
        again = await api.get(f"/api/v1/envelopes/{envelope_id}/certificate")
        assert again.content == certificate.content, "cut once, then kept"
        other = await api.get(f"/api/v1/envelopes/{envelope_id}/certificate", headers=theirs)
        assert other.status_code == 404
