"""The signer's pages in a real browser on a phone (G1–G7, S9, S10, S14, S18, B5), against
the real stack: a tenant with an access code attaches licence photos, fills a text and a
checkbox in place, presses two seal boxes on two pages, agrees to the electronic
signature and signs; the landlord sees the tenant's seal, text and tick on the pages;
consent given and refused; the finished contract downloads under its title; the
completion mail opens the 締結済みの契約書 page. Then a lockout, a decline, a signer
change and the English switch. Each step's screenshot is kept in test-artifacts/signer."""

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw, ImageFont
from playwright.async_api import BrowserContext, Page

from tests.e2e.test_contract_flow import signer_link, wait_for_mail
from tests.support.pdfs import IPAEX, lease_pdf

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "signer"
LOADED = "[...document.querySelectorAll('.page > img')].every(i => i.complete && i.naturalWidth)"


def tag() -> str:
    return os.urandom(3).hex()


async def shot(page: Page, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def card_photo(path: Path, text: str) -> Path:
    """A phone photo of a card, as JPEG."""
    image = Image.new("RGB", (640, 400), "#dfe9f5")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((20, 20, 620, 380), 24, outline="#1f3a5f", width=6)
    draw.text((60, 60), text, fill="#1f3a5f", font=ImageFont.truetype(IPAEX, 48))
    image.save(path, "JPEG")
    return path


def box(party: int, page: int, x: float, y: float, type: str = "signature", **kw) -> dict:
    w, h = {"signature": (50, 50), "text": (300, 22), "checkbox": (16, 16)}[type]
    return {
        "party": party,
        "type": type,
        "page": page,
        "x": x,
        "y": y,
        "width": w,
        "height": h,
        **kw,
    }


async def send(stack, body: dict) -> dict:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("lease.pdf", lease_pdf(2), "application/pdf")}
        )
        assert up.status_code == 201, up.text
        created = await api.post(
            "/api/v1/envelopes", json={**body, "document_id": up.json()["id"], "send": True}
        )
        assert created.status_code == 201, created.text
        return created.json()


def tenant(t: str, **kw) -> dict:
    return {
        "role": "tenant",
        "name": "佐藤 一郎",
        "email": f"tenant-{t}@example.jp",
        "signing_order": 1,
        "access_code": "19850505",
        "access_code_hint": "生年月日（西暦8桁）",
        **kw,
    }


def landlord(t: str, **kw) -> dict:
    return {
        "role": "landlord",
        "name": "鈴木 花子",
        "email": f"landlord-{t}@example.jp",
        "signing_order": 2,
        **kw,
    }


async def loaded(page: Page) -> None:
    for image in await page.locator(".page > img").all():
        await image.scroll_into_view_if_needed()
    await page.wait_for_function(LOADED)


async def test_a_tenant_signs_on_a_phone_and_the_landlord_sees_her_marks_G4_G6_G7(
    stack, inbox, phone: BrowserContext, tmp_path: Path
):
    t = tag()
    title = f"建物賃貸借契約書 {t}"
    await send(
        stack,
        {
            "title": title,
            "contract_type": "rental_without_guarantor",
            "parties": [tenant(t, required_documents=["drivers_license"]), landlord(t)],
            "fields": [
                box(0, 1, 72, 200, "text", label="現住所"),
                box(0, 1, 72, 250, "checkbox", label="重要事項説明を受けました"),
                box(0, 1, 150, 700),
                box(0, 2, 150, 700),
                box(1, 2, 400, 700),
            ],
        },
    )
    [mail] = await wait_for_mail(inbox, f"tenant-{t}@example.jp")
    link = signer_link(mail)
    page = await phone.new_page()

    # G1, G2: the link names sender, document and signer; the code with its hint
    await page.goto(link)
    assert await page.locator("html").get_attribute("lang") == "ja"
    intro = await page.locator(".intro").inner_text()
    assert title in intro and "佐藤 一郎" in intro and "から署名依頼が届いています" in intro
    assert await page.get_by_text("生年月日（西暦8桁）").is_visible()
    await shot(page, "01-access-code")
    await page.get_by_label("アクセスコード").fill("12345678")
    await page.get_by_role("button", name="次へ").click()
    assert "あと4回" in await page.locator("[role=alert]").inner_text()
    await shot(page, "02-wrong-code")
    await page.get_by_label("アクセスコード").fill("19850505")
    await page.get_by_role("button", name="次へ").click()

    # S10, G3: licence front and back, shown back before sending
    await page.wait_for_selector("text=本人確認書類の提出")
    await shot(page, "03-identity")
    await page.get_by_label("運転免許証（表面）").set_input_files(
        card_photo(tmp_path / "front.jpg", "運転免許証 表")
    )
    await page.get_by_label("運転免許証（裏面）").set_input_files(
        card_photo(tmp_path / "back.jpg", "運転免許証 裏")
    )
    await page.wait_for_function(
        "[...document.querySelectorAll('.id-preview')].every(i => !i.hidden && i.naturalWidth)"
    )
    await shot(page, "04-identity-previews")
    await page.get_by_role("button", name="この写真で提出する").click()

    # G4: every page, this party's boxes highlighted in place, no seal before a tap
    await page.wait_for_selector("#sign")
    await loaded(page)
    assert await page.locator(".page > img").count() == 2
    assert await page.locator(".box-signature").count() == 2
    assert await page.locator(".box-signature .seal:visible").count() == 0
    assert "残り 4 か所" in await page.locator("#remaining").inner_text()
    await page.evaluate("window.scrollTo(0, 0)")
    await shot(page, "05-contract")

    # the 次へ guide, with the keyboard: text, checkbox, seal 1, seal 2
    await page.locator("#next").click()
    assert (await page.evaluate("document.activeElement.name")).startswith("text_")
    await page.keyboard.type("東京都千代田区丸の内1-1")
    await shot(page, "06-text-in-place", full=False)
    await page.locator("#next").click()
    assert await page.evaluate("document.activeElement.type") == "checkbox"
    await page.keyboard.press("Space")
    await page.locator("#next").click()
    first = page.locator(".box-signature").nth(0)
    assert await page.evaluate("document.activeElement.dataset.field") == await first.get_attribute(
        "data-field"
    )
    await page.keyboard.press("Enter")
    assert await first.get_attribute("aria-pressed") == "true"
    await page.wait_for_function("document.querySelector('.box-signature .seal').naturalWidth > 0")
    await shot(page, "07-first-seal", full=False)
    await page.locator("#next").click()
    await page.locator(".box-signature").nth(1).tap()
    assert "すべて入力しました" in await page.locator("#remaining").inner_text()
    assert await page.locator("#next").inner_text() == "確認へ進む"
    await page.locator("#next").click()

    # confirm: summary and the statement; no sign without agreeing
    summary = await page.locator("#summary").inner_text()
    assert "東京都千代田区丸の内1-1" in summary and "2 / 2 か所" in summary
    assert "電子署名" in await page.locator("#statement").inner_text()
    await page.locator("#sign").click()
    assert "同意にチェック" in await page.locator("#sign-error").inner_text()
    await page.locator("#confirm").scroll_into_view_if_needed()
    await shot(page, "08-confirm", full=False)
    await page.get_by_label("上記を理解し、電子署名することに同意します").check()
    await page.locator("#sign").click()

    # done: waiting for others, then the 37条 consent (S18)
    await page.wait_for_selector("text=署名が完了しました")
    assert "ほかの方の署名をお待ちしています" in await page.locator("[role=status]").inner_text()
    assert await page.get_by_role("heading", name="37条書面の電子交付について").is_visible()
    await shot(page, "09-done-consent")
    await page.get_by_role("button", name="同意する", exact=True).click()
    await page.wait_for_selector("text=電子交付に同意しました")
    await shot(page, "10-consent-given")

    # the landlord sees the tenant's seals, text and tick drawn on the pages
    [mail] = await wait_for_mail(inbox, f"landlord-{t}@example.jp")
    landlord_link = signer_link(mail)
    other = await phone.browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="ja-JP"
    )
    page2 = await other.new_page()
    await page2.goto(landlord_link)
    await page2.wait_for_selector("#sign")
    await loaded(page2)
    await page2.wait_for_function(
        "[...document.querySelectorAll('.mark-seal')].every(i => i.complete && i.naturalWidth)"
    )
    assert await page2.locator(".mark-seal").count() == 2
    assert "東京都千代田区丸の内1-1" in await page2.locator(".mark-text").inner_text()
    assert await page2.locator(".mark-check").count() == 1
    await shot(page2, "11-landlord-sees-tenant-marks")
    await page2.locator(".box-signature").tap()
    await page2.get_by_label("上記を理解し、電子署名することに同意します").check()
    await page2.locator("#sign").click()
    await page2.get_by_role("button", name="同意しない").click()
    await page2.wait_for_selector("text=同意しませんでした")
    await shot(page2, "12-landlord-consent-refused")

    # G7: the truth once complete, and the download named by the title
    for _ in range(120):
        if await page2.get_by_role("heading", name="締結済みの契約書").count():
            break
        await asyncio.sleep(0.5)
        await page2.reload()
    assert "契約が締結されました" in await page2.locator("[role=status]").inner_text()
    await shot(page2, "13-complete")
    async with page2.expect_download() as info:
        await page2.locator("#download").click()
    download = await info.value
    assert download.suggested_filename == f"{title}.pdf"
    pdf = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert pdf.startswith(b"%PDF")
    await other.close()

    # the completion mail leads the tenant to the 締結済みの契約書 page
    mails = await wait_for_mail(inbox, f"tenant-{t}@example.jp", 2)
    final = signer_link(mails[-1])
    await page.goto(final)
    if await page.get_by_label("アクセスコード").count():
        await page.get_by_label("アクセスコード").fill("19850505")
        await page.get_by_role("button", name="次へ").click()
    await page.wait_for_selector("h1:has-text('締結済みの契約書')")
    await shot(page, "14-completion-mail-page")


async def test_wrong_codes_lock_the_link_and_name_whom_to_contact_G2(stack, inbox, phone):
    t = tag()
    await send(
        stack,
        {"title": f"駐車場契約書 {t}", "parties": [tenant(t)], "fields": [box(0, 1, 150, 700)]},
    )
    [mail] = await wait_for_mail(inbox, f"tenant-{t}@example.jp")
    page = await phone.new_page()
    await page.goto(signer_link(mail))
    for left in (4, 3, 2, 1):
        await page.get_by_label("アクセスコード").fill("00000000")
        await page.get_by_role("button", name="次へ").click()
        assert f"あと{left}回" in await page.locator("[role=alert]").inner_text()
    await page.get_by_label("アクセスコード").fill("00000000")
    await page.get_by_role("button", name="次へ").click()
    await page.wait_for_selector("h1:has-text('ロックされました')")
    assert "送信者の" in await page.locator(".contact").inner_text()
    address = page.locator(".contact a[href='mailto:staff@demo.example']")
    assert await address.inner_text() == "staff@demo.example"
    await shot(page, "20-locked")
    await page.reload()
    assert await page.get_by_role("heading", name="ロックされました").is_visible()


async def test_a_signer_declines_with_a_reason_G4(stack, inbox, phone):
    t = tag()
    await send(
        stack,
        {
            "title": f"更新契約書 {t}",
            "parties": [landlord(t, signing_order=1)],
            "fields": [box(0, 1, 150, 700)],
        },
    )
    [mail] = await wait_for_mail(inbox, f"landlord-{t}@example.jp")
    page = await phone.new_page()
    await page.goto(signer_link(mail))
    await page.wait_for_selector("#sign")
    assert await page.locator("#change").count() == 0
    await page.get_by_text("署名を辞退する").click()
    await page.get_by_label("辞退の理由").fill("\u3000")
    await page.get_by_role("button", name="辞退する").click()
    error = page.locator("#decline [role=alert]")
    assert "辞退の理由を入力してください" in await error.inner_text()
    await error.scroll_into_view_if_needed()
    await shot(page, "29-decline-without-reason", full=False)
    await page.get_by_label("辞退の理由").fill("賃料の金額が違います <b>至急</b>")
    await shot(page, "30-decline-reason", full=False)
    await page.get_by_role("button", name="辞退する").click()
    await page.wait_for_selector("h1:has-text('署名依頼は辞退されました')")
    assert "理由をお伝えしました" in await page.locator("[role=status]").inner_text()
    await shot(page, "31-declined")


async def test_a_landlord_hands_the_request_to_someone_else_S14_G5(stack, inbox, phone):
    t = tag()
    await send(
        stack,
        {
            "title": f"賃貸借契約書 {t}",
            "parties": [landlord(t, signing_order=1, signer_change_allowed=True)],
            "fields": [box(0, 1, 150, 700)],
        },
    )
    [mail] = await wait_for_mail(inbox, f"landlord-{t}@example.jp")
    link = signer_link(mail)
    page = await phone.new_page()
    await page.goto(link)
    await page.get_by_text("署名者を変更する").click()
    await page.get_by_label("氏名").fill("鈴木 😀")
    await page.get_by_role("button", name="この方に署名を依頼する").click()
    refusal = page.locator("#change [role=alert]")
    assert "絵文字" in await refusal.inner_text()
    assert await page.get_by_label("氏名").input_value() == "鈴木 😀"
    await shot(page, "39-signer-change-refused", full=False)
    await page.get_by_label("氏名").fill("鈴木 一郎")
    await page.get_by_label("メールアドレス").fill(f"new-{t}@example.jp")
    await shot(page, "40-signer-change", full=False)
    await page.get_by_role("button", name="この方に署名を依頼する").click()
    await page.wait_for_selector("h1:has-text('署名者が変更されました')")
    await shot(page, "41-replaced")
    [mail] = await wait_for_mail(inbox, f"new-{t}@example.jp")
    await page.goto(signer_link(mail))
    await page.wait_for_selector("#sign")
    assert "鈴木 一郎" in await page.locator(".intro").inner_text()
    await page.goto(link)
    assert await page.get_by_role("heading", name="署名者が変更されました").is_visible()


async def test_english_on_a_switch_and_a_guessed_link_looks_unknown_B5(stack, inbox, phone):
    t = tag()
    await send(
        stack,
        {"title": f"契約書 {t}", "parties": [tenant(t)], "fields": [box(0, 1, 150, 700)]},
    )
    [mail] = await wait_for_mail(inbox, f"tenant-{t}@example.jp")
    link = signer_link(mail)
    page = await phone.new_page()
    await page.goto(link)
    await page.get_by_role("link", name="English").click()
    await page.wait_for_selector("h1:has-text('Enter the access code')")
    assert await page.locator("html").get_attribute("lang") == "en"
    await shot(page, "50-english-access-code")
    await page.get_by_label("Access code").fill("19850505")
    await page.get_by_role("button", name="Next").click()
    await page.wait_for_selector("text=Review and sign")
    await loaded(page)
    await shot(page, "51-english-contract")
    await page.get_by_role("link", name="日本語").click()
    await page.wait_for_selector("h1:has-text('契約書の確認と署名')")

    await page.goto(link[:-4] + "AAAA")
    assert "このリンクは無効です" in await page.locator("[role=alert]").inner_text()
    await shot(page, "52-unknown-link")
