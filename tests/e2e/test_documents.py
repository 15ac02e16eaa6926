"""Documents through the whole stack over HTTP (S3, S16, G7, B2): every upload refusal with
a real malformed file, a rotated landscape contract placed and finished in the frame the
user sees, one document in two envelopes, and the verify API and page."""

import io
import subprocess
from pathlib import Path

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from tests.e2e.test_contract_flow import signer_link, wait_for_mail, wait_for_status
from tests.support import pdfs
from tests.support import signer as signer_pages
from tests.support.stack import create_tenant

pytestmark = pytest.mark.e2e

REFUSALS = {
    "not_pdf": lambda: b"PK\x03\x04 this is a zip, not a PDF",
    "unreadable": lambda: pdfs.drawn_pdf(2)[:700],
    "encrypted": pdfs.encrypted_pdf,
    "too_many_pages": lambda: pdfs.drawn_pdf(201),
    "page_too_large": lambda: pdfs.page_of(14_400, 14_400),
    "page_too_small": lambda: pdfs.page_of(20, 20),
    "decompression_bomb": pdfs.decompression_bomb_pdf,
    "javascript": pdfs.javascript_pdf,
    "embedded_files": pdfs.embedded_file_pdf,
}


def api(stack, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key or stack.api_key}"}
    return httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=60)


@pytest.mark.parametrize("code", list(REFUSALS))
async def test_every_upload_refusal_has_its_own_code_never_a_500_s3(stack, code: str) -> None:
    async with api(stack) as client:
        response = await client.post(
            "/api/v1/documents", files={"file": ("upload.pdf", REFUSALS[code](), "application/pdf")}
        )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["detail"], "worded for people (Japanese by default)"
    if code == "too_many_pages":
        assert problem["params"] == {"pages": 201, "max_pages": 200}
    if code == "page_too_large":
        assert problem["params"]["page"] == 1 and problem["params"]["limit"] == 5000


async def test_a_pdf_signed_by_someone_else_is_accepted_s3(stack) -> None:
    signed, _ = pdfs.signed_by_someone_else(pdfs.drawn_pdf(1))
    async with api(stack) as client:
        response = await client.post(
            "/api/v1/documents", files={"file": ("signed.pdf", signed, "application/pdf")}
        )
    assert response.status_code == 201, response.text
    assert response.json()["signed_by_others"] is True


def envelope(document_id: str, email: str, box: dict, title: str = "駐車場賃貸借契約書") -> dict:
    return {
        "title": title,
        "document_id": document_id,
        "parties": [{"role": "tenant", "name": "佐藤 一郎", "email": email}],
        "fields": [{"party": 0, "type": "signature", "page": 1, **box}],
    }


async def sign_by_link(inbox, email: str, count: int) -> None:
    mails = await wait_for_mail(inbox, email, count)
    link = signer_link(mails[-1])
    async with httpx.AsyncClient(timeout=60) as signer:
        assert (await signer.get(f"{link}/pages/1")).status_code == 200
        assert (await signer_pages.sign(signer, link, {})).status_code == 303


async def test_rotated_landscape_contract_two_envelopes_and_verify_s16_g7_b2(
    stack, inbox, tmp_path: Path
) -> None:
    inbox.clear()
    rotated = pdfs.reshaped(pdfs.drawn_pdf(2), rotate=90, cropbox=(20, 30, 575, 812))
    async with api(stack) as client:
        up = await client.post(
            "/api/v1/documents", files={"file": ("回転.pdf", rotated, "application/pdf")}
        )
        assert up.status_code == 201, up.text
        document = up.json()
        page = document["pages"][0]
        assert (page["width"], page["height"], page["rotation"]) == (782, 555, 90)
        thumbnail = await client.get(f"/api/v1/documents/{document['id']}/pages/1?size=thumbnail")
        assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(thumbnail.content)).size == (200, 142)
        missing = await client.get(f"/api/v1/documents/{document['id']}/pages/9")
        assert missing.status_code == 404
        assert missing.json()["code"] == "page_not_found"

        landscape_box = {"x": 690, "y": 470, "width": 60, "height": 60}
        off_page = {"x": 500, "y": 700, "width": 60, "height": 60}  # fits only unrotated
        tiny = {"x": 100, "y": 100, "width": 1e-300, "height": 1e-300}
        for box, code in ((off_page, "field_off_page"), (tiny, "field_size")):
            refused = await client.post(
                "/api/v1/envelopes", json=envelope(document["id"], "a@example.jp", box)
            )
            assert refused.status_code == 422 and refused.json()["code"] == "envelope_invalid"
            assert code in [e["code"] for e in refused.json()["errors"]]

        ids = []
        for n, email in enumerate(("one@example.jp", "two@example.jp")):
            body = envelope(document["id"], email, landscape_box, title=f"契約 {n + 1}")
            created = await client.post("/api/v1/envelopes", json={**body, "send": True})
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        for email in ("one@example.jp", "two@example.jp"):
            await sign_by_link(inbox, email, 1)
        downloads = []
        for envelope_id in ids:
            await wait_for_status(client, envelope_id, "completed")
            download = await client.get(f"/api/v1/envelopes/{envelope_id}/download")
            assert download.status_code == 200
            downloads.append(download.content)
        assert downloads[0] != downloads[1], "each envelope has its own finished copy"

        finished = downloads[0]
        path = tmp_path / "finished.pdf"
        path.write_bytes(finished)
        report = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in report and "Total document signed" in report
        assert finished.startswith(rotated)

        own = (
            await client.post("/api/v1/documents/verify", files={"file": ("f.pdf", finished)})
        ).json()
        assert own["verdict"] == "intact" and own["signed_by_platform"]
        assert own["envelope"]["id"] == ids[0] and own["envelope"]["title"] == "契約 1"

    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as anonymous:
        anyone = await anonymous.post(
            "/api/v1/documents/verify", files={"file": ("f.pdf", finished)}
        )
        assert anyone.status_code == 200
        assert anyone.json()["verdict"] == "intact"
        assert anyone.json()["envelope"]["title"] is None, "title only for the envelope's tenant"

        writer = PdfWriter(PdfReader(io.BytesIO(finished)), incremental=True)
        writer.add_metadata({"/Title": "edited"})
        edited = io.BytesIO()
        writer.write(edited)
        altered = await anonymous.post(
            "/api/v1/documents/verify", files={"file": ("f.pdf", edited.getvalue())}
        )
        assert altered.json()["verdict"] == "altered"

        page = await anonymous.get("/verify")
        assert page.status_code == 200 and "契約書の検証" in page.text
        result = await anonymous.post("/verify", files={"file": ("f.pdf", finished)})
        assert result.status_code == 200 and "改変されていません" in result.text
        junk = await anonymous.post("/verify", files={"file": ("f.pdf", b"")})
        assert junk.status_code == 422 and "ファイルが空です" in junk.text


async def test_another_agency_gets_no_page_image_of_ours(stack) -> None:
    theirs = create_tenant(stack, f"pages-{stack.port}", "よそ不動産")
    async with api(stack) as ours:
        up = await ours.post("/api/v1/documents", files={"file": ("a.pdf", pdfs.drawn_pdf(1))})
        document_id = up.json()["id"]
        assert (await ours.get(f"/api/v1/documents/{document_id}/pages/1")).status_code == 200
    async with api(stack, theirs) as other:
        response = await other.get(f"/api/v1/documents/{document_id}/pages/1?size=thumbnail")
    assert response.status_code == 404
    assert response.json()["code"] == "document_not_found"
