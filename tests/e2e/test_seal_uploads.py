"""A company's own seal through the API (S17): upload, read back, stamp; every bad upload
gets a clear machine-readable error, never a 500."""

import io
import re
import subprocess

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from tests.e2e.test_contract_flow import signer_link, wait_for_mail, wait_for_status
from tests.support import signer
from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e


def _scan(fmt: str = "PNG", size: tuple[int, int] = (320, 320)) -> bytes:
    w, h = size
    image = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((w // 8, h // 8, w - w // 8, h - h // 8), outline=(200, 30, 40), width=3)
    draw.rectangle((w * 0.45, h * 0.3, w * 0.55, h * 0.7), fill=(200, 30, 40))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def _api(stack) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    return httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30)


async def test_s17_a_seal_image_is_uploaded_cleaned_and_read_back(stack) -> None:
    async with _api(stack) as api:
        response = await api.post(
            "/api/v1/seals",
            files={"file": ("seal.jpg", _scan("JPEG"), "image/jpeg")},
            data={"label": "代表者印", "size_mm": "18"},
        )
        assert response.status_code == 201, response.text
        seal = response.json()
        assert seal["seal_id"] and seal["label"] == "代表者印" and seal["size_mm"] == 18
        assert "blob_id" not in seal and seal["width_pt"] > 0
        again = await api.get(f"/api/v1/seals/{seal['seal_id']}")
        assert again.json() == seal
        image = await api.get(f"/api/v1/seals/{seal['seal_id']}/image")
        assert image.headers["content-type"] == "image/png"
        png = Image.open(io.BytesIO(image.content)).convert("RGBA")
        assert png.getpixel((0, 0))[3] == 0  # the paper is gone


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ({"file": ("seal.gif", b"GIF89a....", "image/gif")}, {}, 422, "seal_image_unsupported"),
        ({"file": ("seal.txt", "印鑑".encode(), "text/plain")}, {}, 422, "seal_image_unsupported"),
        ({"file": ("seal.png", b"", "image/png")}, {}, 422, "empty_file"),
        (
            {"file": ("big.png", b"\x89PNG" + b"0" * 2_200_000, "image/png")},
            {},
            413,
            "file_too_large",
        ),
        (
            {"file": ("tiny.png", _scan(size=(20, 20)), "image/png")},
            {},
            422,
            "seal_image_dimensions",
        ),
        ({"file": ("seal.png", _scan(), "image/png")}, {"size_mm": "500"}, 422, "invalid_input"),
        ({}, {"label": "no file"}, 422, "invalid_input"),
    ],
)
async def test_s17_bad_uploads_are_refused_clearly(stack, files, data, status, code) -> None:
    async with _api(stack) as api:
        response = await api.post("/api/v1/seals", files=files or None, data=data)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_s17_an_unknown_seal_is_404_and_the_api_needs_a_key(stack) -> None:
    async with _api(stack) as api:
        missing = await api.get("/api/v1/seals/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "seal_not_found")
    async with httpx.AsyncClient(base_url=stack.url) as anonymous:
        response = await anonymous.post(
            "/api/v1/seals", files={"file": ("seal.png", _scan(), "image/png")}
        )
    assert response.status_code == 401


def _wide_scan() -> bytes:
    """A 2:1 company seal, unlike any drawn (square) seal, so the PDF shows whose it is."""
    image = Image.new("RGB", (600, 300), (250, 250, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 580, 280), outline=(190, 25, 35), width=14)
    draw.rectangle((270, 60, 330, 240), fill=(190, 25, 35))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _drawn_images(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """(width, height, left, bottom) in points of every image drawn on page 1."""
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None
    number = r"(-?[\d.]+)"
    found = re.findall(
        rf"{number} 0 0 {number} {number} {number} cm\s*/\S+ Do", content.get_data().decode()
    )
    return [(float(w), float(h), float(x), float(y)) for w, h, x, y in found]


async def test_s17_a_partys_uploaded_seal_is_pressed_and_stamped_at_its_size(
    stack, inbox, tmp_path
) -> None:
    inbox.clear()
    async with _api(stack) as api:
        uploaded = await api.post(
            "/api/v1/seals",
            files={"file": ("kakuin.png", _wide_scan(), "image/png")},
            data={"label": "角印", "size_mm": "30"},
        )
        assert uploaded.status_code == 201, uploaded.text
        seal = uploaded.json()
        image = (await api.get(f"/api/v1/seals/{seal['seal_id']}/image")).content
        document = await api.post(
            "/api/v1/documents", files={"file": ("契約書.pdf", lease_pdf(), "application/pdf")}
        )
        party = {
            "role": "landlord",
            "kind": "corporation",
            "name": "株式会社𠮷田不動産",
            "recipient_name": "髙橋 太郎",
            "email": "kakuin@example.jp",
            "seal_image_id": seal["seal_id"],
        }
        box = {"party": 0, "type": "signature", "page": 1, "x": 300, "y": 600}
        body = {
            "title": "押印テスト",
            "document_id": document.json()["id"],
            "parties": [party],
            "fields": [{**box, "width": 120, "height": 80}],
        }
        missing = await api.post(
            "/api/v1/envelopes",
            json={**body, "parties": [{**party, "seal_image_id": "no-such-seal"}]},
        )
        assert (missing.status_code, missing.json()["code"]) == (404, "seal_not_found")
        created = await api.post("/api/v1/envelopes", json={**body, "send": True})
        assert created.status_code == 201, created.text
        envelope_id = created.json()["id"]
        assert created.json()["parties"][0]["seal_image_id"] == seal["seal_id"]

    [mail] = await wait_for_mail(inbox, "kakuin@example.jp")
    link = signer_link(mail)
    async with httpx.AsyncClient(timeout=30) as client:
        shown = await client.get(f"{link}/seal")
        assert shown.content == image, "the signer presses the company's own seal"
        assert (await signer.sign(client, link, {})).status_code == 303

    async with _api(stack) as api:
        await wait_for_status(api, envelope_id, "completed")
        finished = (await api.get(f"/api/v1/envelopes/{envelope_id}/download")).content
    [(width, height, left, _)] = _drawn_images(finished)
    assert width == pytest.approx(seal["width_pt"], abs=0.2)
    assert height == pytest.approx(seal["height_pt"], abs=0.2)
    assert width == pytest.approx(30 / 25.4 * 72, abs=0.2) and height < width * 0.6
    assert left == pytest.approx(300 + (120 - width) / 2, abs=0.2)
    path = tmp_path / "finished.pdf"
    path.write_bytes(finished)
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "p")],
        check=True,
    )
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "株式会社𠮷田不動産" in text, "the certificate names the party, 𠮷 included"
    [render] = list(tmp_path.glob("p*.png"))
    page = np.asarray(Image.open(render).convert("RGB")).astype(int)
    red = (page[..., 0] > 150) & (page[..., 1] < 110) & (page[..., 2] < 110)
    rows, cols = np.nonzero(red)
    assert red.sum() > 300
    assert 300 <= cols.min() and cols.max() <= 420 and 600 <= rows.min() and rows.max() <= 680
    assert (cols.max() - cols.min()) > 1.7 * (rows.max() - rows.min()), "the wide company seal"
