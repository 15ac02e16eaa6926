"""The signer's pages in a real browser on a phone (G1, G2, G4): open the link, enter the
access code (a wrong one is refused in Japanese), read the pages, fill the text area,
tick the box, press the seal and sign."""

import re

import httpx
import pytest

from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e


async def send_envelope(stack, email: str) -> None:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("lease.pdf", lease_pdf(2), "application/pdf")}
        )
        response = await api.post(
            "/api/v1/envelopes",
            json={
                "title": "建物賃貸借契約書",
                "document_id": up.json()["id"],
                "send": True,
                "parties": [
                    {
                        "name": "佐藤 一郎",
                        "email": email,
                        "access_code": "19850505",
                        "access_code_hint": "生年月日（西暦8桁）",
                    }
                ],
                "fields": [
                    {"party": 0, "page": 2, "x": 160, "y": 690, "width": 60, "height": 60},
                    {
                        "party": 0,
                        "type": "text",
                        "page": 1,
                        "x": 72,
                        "y": 200,
                        "width": 300,
                        "height": 20,
                        "label": "現住所",
                    },
                    {
                        "party": 0,
                        "type": "checkbox",
                        "page": 1,
                        "x": 72,
                        "y": 240,
                        "width": 14,
                        "height": 14,
                        "label": "重要事項説明を受けました",
                    },
                ],
            },
        )
        assert response.status_code == 201, response.text


async def test_a_signer_signs_on_a_phone(stack, inbox, phone, tmp_path):
    await send_envelope(stack, "browser@example.jp")
    [mail] = await inbox.wait_for("browser@example.jp", "email", 30)
    link = re.search(r"https?://\S+/s/[A-Za-z0-9_\-]+", mail["body"]).group(0)

    page = await phone.new_page()
    await page.goto(link)
    assert await page.get_by_text("生年月日（西暦8桁）").is_visible()
    await page.fill("#code", "12345678")
    await page.click("button[type=submit]")
    assert "あと4回" in await page.locator("[role=alert]").inner_text()
    await page.screenshot(path=str(tmp_path / "wrong-code.png"), full_page=True)

    await page.fill("#code", "19850505")
    await page.click("button[type=submit]")
    await page.wait_for_selector("#sign")
    images = page.locator(".page > img")
    assert await images.count() == 2
    for i in range(2):
        await images.nth(i).scroll_into_view_if_needed()
    await page.wait_for_function(
        "[...document.querySelectorAll('.page > img')].every(i => i.complete && i.naturalWidth)"
    )
    assert await page.locator(".box-signature .seal").count() == 1
    await page.screenshot(path=str(tmp_path / "sign.png"), full_page=True)

    await page.get_by_label("現住所（必須）").fill("東京都千代田区1-1")
    await page.get_by_label("重要事項説明を受けました").check()
    await page.click("#sign")
    await page.wait_for_selector("text=署名が完了しました")

    await page.goto(link.rsplit("/", 1)[0] + "/not-a-token")
    assert "このリンクは無効です" in await page.locator("[role=alert]").inner_text()
    await page.screenshot(path=str(tmp_path / "invalid-link.png"), full_page=True)
