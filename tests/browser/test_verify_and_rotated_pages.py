"""On a phone in Chromium (S16, B2): a landscape page stored as portrait plus /Rotate is
shown landscape with the seal box where the sender placed it, and the verify page reads a
finished contract as intact and an edited one as altered, in Japanese."""

import io
import re
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader, PdfWriter

from tests.e2e.test_contract_flow import wait_for_status
from tests.support import pdfs
from tests.support import signer as signer_pages

pytestmark = pytest.mark.e2e

BOX = {"x": 690, "y": 470, "width": 60, "height": 60}


async def send_rotated(stack, email: str) -> str:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    rotated = pdfs.reshaped(pdfs.drawn_pdf(1), rotate=90, cropbox=(20, 30, 575, 812))
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=60) as api:
        up = await api.post("/api/v1/documents", files={"file": ("r.pdf", rotated)})
        created = await api.post(
            "/api/v1/envelopes",
            json={
                "title": "駐車場賃貸借契約書",
                "document_id": up.json()["id"],
                "send": True,
                "parties": [{"name": "佐藤 一郎", "email": email}],
                "fields": [{"party": 0, "page": 1, **BOX}],
            },
        )
        assert created.status_code == 201, created.text
        return created.json()["id"]


async def test_rotated_page_is_shown_as_displayed_with_its_box_s16(stack, inbox, phone, tmp_path):
    email = f"rotated-{stack.port}@example.jp"  # the console's rotated test mails the same stack
    await send_rotated(stack, email)
    [mail] = await inbox.wait_for(email, "email", 30)
    link = re.search(r"https?://\S+/s/[A-Za-z0-9_\-]+", mail["body"]).group(0)
    page = await phone.new_page()
    await page.goto(link)
    await page.wait_for_function(
        "[...document.querySelectorAll('.page > img')].every(i => i.complete && i.naturalWidth)"
    )
    shown = await page.locator("body").inner_text()
    assert "駐車場賃貸借契約書" in shown, f"{mail['to']} {link}\n{shown[:400]}"
    frame = await page.locator(".page").first.bounding_box()
    image = await page.locator(".page > img").first.evaluate(
        "i => [i.naturalWidth, i.naturalHeight]"
    )
    box = await page.locator(".box-signature").first.bounding_box()
    await page.screenshot(path=str(tmp_path / "rotated.png"), full_page=True)
    assert frame["width"] > frame["height"] and image[0] > image[1], "landscape, as displayed"
    scale = frame["width"] / 782
    assert box["x"] - frame["x"] == pytest.approx(BOX["x"] * scale, abs=2)
    assert box["y"] - frame["y"] == pytest.approx(BOX["y"] * scale, abs=2)


async def test_verify_page_on_a_phone_b2(stack, inbox, phone, tmp_path: Path):
    envelope_id = await send_rotated(stack, "verify@example.jp")
    [mail] = await inbox.wait_for("verify@example.jp", "email", 30)
    link = re.search(r"https?://\S+/s/[A-Za-z0-9_\-]+", mail["body"]).group(0)
    async with httpx.AsyncClient(timeout=60) as signer:
        assert (await signer_pages.sign(signer, link, {})).status_code == 303
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=60) as api:
        await wait_for_status(api, envelope_id, "completed")
        finished = (await api.get(f"/api/v1/envelopes/{envelope_id}/download")).content
    good, edited = tmp_path / "契約書.pdf", tmp_path / "edited.pdf"
    good.write_bytes(finished)
    writer = PdfWriter(PdfReader(io.BytesIO(finished)), incremental=True)
    writer.add_metadata({"/Title": "edited"})
    with edited.open("wb") as out:
        writer.write(out)

    page = await phone.new_page()
    await page.goto(f"{stack.url}/verify")
    assert await page.get_by_role("heading", name="契約書の検証").is_visible()
    await page.set_input_files("#file", str(good))
    await page.click("button[type=submit]")
    verdict = page.locator("[data-verdict]")
    assert await verdict.get_attribute("data-verdict") == "intact"
    assert "改変されていません" in await verdict.inner_text()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "nothing wider than the phone"
    await page.screenshot(path=str(tmp_path / "verify-intact.png"), full_page=True)

    await page.set_input_files("#file", str(edited))
    await page.click("button[type=submit]")
    assert await page.locator("[data-verdict]").get_attribute("data-verdict") == "altered"
    await page.screenshot(path=str(tmp_path / "verify-altered.png"), full_page=True)
