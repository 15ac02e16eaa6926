"""The staff console in a real browser against the real stack (A1–A4, S1–S16, D1–D5, B3,
B5): first login and password change, an admin creating a sender, the whole wizard for a
rental contract with guarantor with boxes dragged onto two pages, the list and detail after
two parties sign on a phone through the signer pages (the links in the caught mails, the
tenant's licence photos included), a re-request with a corrected address whose new link the
landlord signs the same way, download rights, English.

Screenshots of every screen land in `test-artifacts/console/` at desktop and tablet widths.
"""

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, CDPSession, Page
from pypdf import PdfReader, PdfWriter

from gateway.console.demo import DEMO_LOGIN, demo_password
from tests.browser.test_signer_pages import card_photo
from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
WIDTHS = {"desktop": 1280, "tablet": 820}
"""The notify service renders the account mails once it has their kinds (A1, A3)."""


def shot_path(name: str, width: int) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{width}-{name}.png")


async def shoot(page: Page, name: str) -> None:
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=shot_path(name, page.viewport_size["width"]), full_page=True)


@pytest.fixture(scope="module")
def state() -> dict[str, Any]:
    return {}


@pytest.fixture
async def desk(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context
    await context.close()


async def login(page: Page, url: str, name: str, password: str) -> None:
    await page.goto(url + "/")
    await page.get_by_label("メールアドレスまたはログインID").fill(name)
    await page.locator("#password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()


async def signer_link(inbox: Any, to: str, channel: str = "email", after: int = 0) -> str:
    while True:
        messages = await inbox.wait_for(to, channel, 60)
        if len(messages) > after:
            break
    body = messages[-1]["body"]
    return re.search(r"https?://\S+/s/[A-Za-z0-9_\-]+", body).group(0)


async def sign_on_phone(
    phone: BrowserContext,
    link: str,
    code: str | None = None,
    texts: dict[str, str] | None = None,
    photos: dict[str, Path] | None = None,
) -> None:
    """A party signs on the signer pages, as on a phone: opens the mailed link, gives the
    access code, photographs the ID documents asked for, fills its texts, taps each seal
    box, agrees to the electronic signature and signs."""
    page = await phone.new_page()
    await page.goto(link)
    if code:
        await page.get_by_label("アクセスコード").fill(code)
        await page.get_by_role("button", name="次へ").click()
    if photos:
        await page.wait_for_selector("text=本人確認書類の提出")
        for label, photo in photos.items():
            await page.get_by_label(label).set_input_files(photo)
        await page.get_by_role("button", name="この写真で提出する").click()
    await page.wait_for_selector("#sign")
    for label, value in (texts or {}).items():
        await page.locator(f'input[data-label="{label}"]').fill(value)
    for seal in await page.locator(".box-signature").all():
        await seal.scroll_into_view_if_needed()
        await seal.tap()
        assert await seal.get_attribute("aria-pressed") == "true"
    await page.get_by_label("上記を理解し、電子署名することに同意します").check()
    await page.locator("#sign").click()
    await page.wait_for_selector("text=署名が完了しました")
    await page.close()


async def drag_tile(page: Page, tile: str, page_no: int, fx: float, fy: float) -> None:
    """Press on a palette tile, move over the page, release: a box lands there."""
    sheet = page.locator(f'.sheet[data-page="{page_no}"]')
    await sheet.evaluate(
        "(el, fy) => { const r = el.getBoundingClientRect();"
        " window.scrollBy(0, r.top + r.height * fy - window.innerHeight / 2); }",
        fy,
    )
    t = await page.locator(f'.tile[data-type="{tile}"]').bounding_box()
    s = await sheet.bounding_box()
    assert t and s
    await page.mouse.move(t["x"] + t["width"] / 2, t["y"] + t["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(s["x"] + s["width"] * fx, s["y"] + s["height"] * fy, steps=10)
    await page.mouse.up()


async def test_first_login_forces_a_new_password_and_the_admin_creates_a_sender_A1_A2_A4(
    stack, inbox, desk, state
):
    page = await desk.new_page()
    await page.goto(stack.url + "/")
    assert page.url.endswith("/console/login")
    await shoot(page, "login")
    await page.get_by_label("メールアドレスまたはログインID").fill(DEMO_LOGIN)
    await page.locator("#password").fill("wrong-password-1")
    await page.get_by_role("button", name="Sign in").click()
    assert "正しくありません" in await page.locator("[role=alert]").inner_text()
    await shoot(page, "login-refused")

    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    await page.get_by_role("link", name="ユーザー管理").click()
    await page.locator("#u-name").fill("送信 太郎")
    await page.locator("#u-login_id").fill("sender1")
    await page.locator("#u-email").fill("sender1@demo.example")
    await page.get_by_role("button", name="ユーザーを作成").click()
    assert "アカウント発行のお知らせ" in await page.locator("[role=status]").inner_text()
    temporary = await page.locator("[data-test=temporary-password]").inner_text()
    await shoot(page, "users")
    [mail] = await inbox.wait_for("sender1@demo.example", "email", 30)
    assert "アカウント発行" in mail["subject"]
    assert temporary in mail["body"]

    sender = await desk.browser.new_context(viewport={"width": 1280, "height": 900})
    page2 = await sender.new_page()
    await login(page2, stack.url, "sender1@demo.example", temporary)
    assert page2.url.endswith("/console/password")
    await page2.locator("#current_password").fill(temporary)
    await page2.locator("#new_password").fill("short1")
    await page2.locator("#new_password_again").fill("short1")
    await page2.get_by_role("button", name="変更する").click()
    assert "8 文字以上" in await page2.locator(".field-error").inner_text()
    await shoot(page2, "password-change")
    await page2.locator("#current_password").fill(temporary)
    await page2.locator("#new_password").fill("Sender2026ok")
    await page2.locator("#new_password_again").fill("Sender2026ok")
    await page2.get_by_role("button", name="変更する").click()
    assert "パスワードを変更しました" in await page2.locator("[role=status]").inner_text()
    await sender.close()
    state["sender"] = ("sender1", "Sender2026ok")


async def test_the_wizard_sends_a_rental_contract_with_guarantor_S1_S16_B3(
    stack, inbox, desk, state, tmp_path
):
    pdf = tmp_path / "賃貸借契約書.pdf"
    pdf.write_bytes(lease_pdf(2))
    page = await desk.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    await shoot(page, "dashboard-empty")
    await page.get_by_role("link", name="契約を締結").click()

    bad = tmp_path / "not.pdf"
    bad.write_bytes(b"hello, not a pdf")
    await page.set_input_files("#file", str(bad))
    await page.get_by_role("button", name="文書情報の入力へ").click()
    assert "PDF" in await page.locator("[data-test=file-error]").inner_text()
    await shoot(page, "upload-refused")

    await page.select_option("#contract_type", "rental_with_guarantor")
    await page.set_input_files("#file", str(pdf))
    await page.get_by_role("button", name="文書情報の入力へ").click()
    await page.wait_for_selector(".party")
    roles = [await c.get_attribute("data-role") for c in await page.locator(".party").all()]
    assert "tenant" in roles and "guarantor" in roles and "landlord" in roles

    await page.get_by_role("button", name="入力内容の確認へ").click()
    assert await page.locator(".field-error").count() > 0
    await shoot(page, "info-errors")

    cards = page.locator(".party")
    for extra in range(await cards.count() - 1, -1, -1):
        if await cards.nth(extra).get_attribute("data-role") not in (
            "tenant",
            "guarantor",
            "landlord",
        ):
            await cards.nth(extra).locator('[data-act="remove"]').click()
    tenant = page.locator('.party[data-role="tenant"]')
    guarantor = page.locator('.party[data-role="guarantor"]')
    landlord = page.locator('.party[data-role="landlord"]')
    await tenant.locator('[data-k="access_code_on"]').check()
    await tenant.locator('[data-k="access_code"]').fill("19850505")
    await tenant.locator('[data-k="access_code_hint"]').fill("生年月日（西暦8桁）")
    await tenant.locator('[data-k="docs_on"]').check()
    assert await tenant.locator('[data-doc="drivers_license"]').is_checked()
    await tenant.locator('[data-k="name"]').fill("佐藤 一郎")
    await tenant.locator('[data-k="email"]').fill("tenant@example.jp")
    await tenant.locator('[data-k="phone"]').fill("090-1234")
    await guarantor.locator('[data-k="name"]').fill("佐藤 次郎")
    await guarantor.locator('[data-k="email"]').fill("guarantor@example.jp")
    await landlord.locator('[data-k="name"]').fill("鈴木 花子")
    await landlord.locator('[data-k="email"]').fill("landlord-typo@example.jp")
    await landlord.locator('[data-k="comment"]').fill("よろしくお願いいたします。")
    # only valid options: a corporation has no SMS, no access code, and a 担当者 field
    await landlord.locator('input[value="corporation"]').check()
    assert await landlord.locator('[data-k="phone"]').count() == 0
    assert await landlord.locator('[data-k="access_code_on"]').count() == 0
    assert await landlord.locator('[data-k="person_in_charge"]').count() == 1
    await landlord.locator('input[value="individual"]').check()
    await landlord.locator('[data-k="name"]').fill("鈴木 花子")
    await page.locator("#info-amount").fill("120000")
    await page.get_by_role("button", name="入力内容の確認へ").click()
    assert "ハイフンなし" in await tenant.locator(".field-error").inner_text()
    await tenant.locator('[data-k="phone"]').fill("")
    await shoot(page, "info")
    await page.get_by_role("button", name="入力内容の確認へ").click()

    await page.wait_for_selector("table.confirm")
    assert "佐藤 一郎" in await page.locator("table.confirm").inner_text()
    await shoot(page, "confirm")
    await page.get_by_role("button", name="戻る").click()
    assert (
        await page.locator('.party[data-role="tenant"] [data-k="name"]').input_value()
        == "佐藤 一郎"
    )
    await page.get_by_role("button", name="入力内容の確認へ").click()
    await page.get_by_role("button", name="署名位置の設定へ").click()
    await page.wait_for_function(
        "[...document.querySelectorAll('.sheet img')].every(i => i.complete && i.naturalWidth)"
    )
    await page.get_by_role("button", name="送信する").click()
    assert "署名ボックスが設定されていない" in await page.locator("[role=alert]").inner_text()

    choices = page.locator('input[name="current"]')
    await choices.nth(0).check()
    await drag_tile(page, "signature", 1, 0.3, 0.85)
    await choices.nth(1).check()
    await drag_tile(page, "signature", 1, 0.7, 0.85)
    await choices.nth(2).check()
    await drag_tile(page, "signature", 2, 0.75, 0.85)
    await drag_tile(page, "text", 2, 0.4, 0.3)
    await drag_tile(page, "checkbox", 2, 0.2, 0.4)
    assert await page.locator(".fbox").count() == 5

    box = page.locator(".fbox.signature").first
    await box.evaluate("el => el.scrollIntoView({block: 'center'})")
    before = await box.bounding_box()
    assert before
    await page.mouse.move(before["x"] + 10, before["y"] + 10)
    await page.mouse.down()
    await page.mouse.move(before["x"] + 60, before["y"] - 30, steps=5)
    await page.mouse.up()
    grip = box.locator(".grip")
    g = await grip.bounding_box()
    assert g
    await page.mouse.move(g["x"] + g["width"] / 2, g["y"] + g["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(g["x"] + 30, g["y"] + 20, steps=5)
    await page.mouse.up()
    after = await box.bounding_box()
    assert after and after["x"] > before["x"] + 40 and after["width"] > before["width"] + 20
    await page.locator(".fbox.text .lbl").fill("現住所")
    await shoot(page, "placement")

    await page.get_by_role("button", name="送信する").click()
    await page.wait_for_url("**/console/documents/*")
    assert "署名依頼を送信しました" in await page.locator("[role=status]").inner_text()
    state["envelope_url"] = page.url.split("?")[0]
    assert not errors
    await inbox.wait_for("tenant@example.jp", "email", 30)
    await inbox.wait_for("guarantor@example.jp", "email", 30)


async def test_list_and_detail_after_two_parties_sign_on_their_phones_and_a_re_request_D1_D4(
    stack, inbox, browser, desk, phone, state, tmp_path
):
    photos = {
        "運転免許証（表面）": card_photo(tmp_path / "front.jpg", "運転免許証 表"),
        "運転免許証（裏面）": card_photo(tmp_path / "back.jpg", "運転免許証 裏"),
    }
    tenant_link = await signer_link(inbox, "tenant@example.jp")
    await sign_on_phone(phone, tenant_link, code="19850505", photos=photos)
    await sign_on_phone(phone, await signer_link(inbox, "guarantor@example.jp"))
    await inbox.wait_for("landlord-typo@example.jp", "email", 60)

    page = await desk.new_page()
    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    assert "賃貸借契約書" in await page.locator("[data-test=latest]").inner_text()
    # the stack is shared: other modules' envelopes of this agency may count as well
    assert int(await page.locator("[data-test=sent-this-month]").inner_text()) >= 1
    await shoot(page, "dashboard")

    await page.get_by_role("link", name="文書管理").click()
    await page.locator("#s-counterparty").fill("佐藤")
    await page.locator("#s-amount_min").fill("100000")
    await page.locator("#s-amount_max").fill("200000")
    await page.get_by_role("button", name="検索").click()
    assert "賃貸借契約書" in await page.locator("[data-test=documents]").inner_text()
    await shoot(page, "documents")
    await page.locator("#s-amount_min").fill("130000")
    await page.get_by_role("button", name="検索").click()
    assert await page.locator("[data-test=documents]").count() == 0

    await page.goto(state["envelope_url"])
    statuses = [
        await r.get_attribute("data-party-status")
        for r in await page.locator("[data-party-status]").all()
    ]
    assert statuses.count("signed") == 2
    assert "署名" in await page.locator("[data-test=parties]").inner_text()
    photo_links = page.locator("[data-test=id-photo]")
    assert await photo_links.count() == 2
    await page.wait_for_function(
        "[...document.querySelectorAll('.id-photos img')].every(i => i.complete && i.naturalWidth)"
    )
    states = page.locator("[data-test=messages] [data-message-status]")
    assert await states.count() >= 3
    await shoot(page, "detail-two-signed")

    row = page.locator("#rerequest tbody tr").filter(has_text="貸主")
    await row.locator('input[name="party"]').check()
    await row.locator('input[name^="email-"]').fill("landlord@example.jp")
    await page.get_by_role("button", name="再依頼する").click()
    assert "再依頼" in await page.locator("[role=status]").inner_text()
    await shoot(page, "detail-rerequested")
    link = await signer_link(inbox, "landlord@example.jp")
    await sign_on_phone(phone, link, texts={"現住所": "東京都千代田区1-1"})


async def test_download_is_refused_without_the_right_and_allowed_with_it_D5_A4(
    stack, browser, desk, state, tmp_path
):
    page = await desk.new_page()
    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    for _ in range(120):
        await page.goto(state["envelope_url"])
        if await page.locator("[data-test=download]").count():
            break
        await page.wait_for_timeout(500)
    async with page.expect_download() as download:
        await page.locator("[data-test=download]").click()
    saved = tmp_path / "signed.pdf"
    await (await download.value).save_as(saved)
    assert saved.read_bytes()[:4] == b"%PDF"
    await shoot(page, "detail-completed")
    await page.get_by_role("link", name="プレビュー").first.click()
    await shoot(page, "preview")

    sender = await browser.new_context(viewport={"width": 1280, "height": 900})
    page2 = await sender.new_page()
    await login(page2, stack.url, *state["sender"])
    await page2.goto(state["envelope_url"])
    assert await page2.locator("[data-test=download]").count() == 0
    assert "権限が必要" in await page2.locator("[data-test=no-download]").inner_text()
    response = await page2.goto(state["envelope_url"] + "/download")
    assert response and response.status == 403
    assert "権限がありません" in await page2.locator("[role=alert]").inner_text()
    await shoot(page2, "download-refused")
    await sender.close()


async def test_an_admin_issues_an_api_key_and_a_webhook_and_follows_its_deliveries_A4_B1(
    stack, desk, state
):
    page = await desk.new_page()
    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    await page.get_by_role("link", name="API連携").click()
    await page.get_by_role("button", name="APIキーを発行").click()
    assert "入力してください" in await page.locator("#keys .field-error").inner_text()
    await page.get_by_label("名前（利用するシステム）").fill("賃貸管理システム")
    await page.get_by_role("button", name="APIキーを発行").click()
    key = await page.locator("[data-test=api-key]").inner_text()
    assert key.startswith("shm_") and "今だけ表示されます" in await page.content()
    await shoot(page, "integrations-key-issued")

    await page.get_by_label("通知先URL").fill("http://127.0.0.1:9/agency-hook")
    await page.get_by_label("署名依頼の送信").check()
    await page.get_by_label("メモ", exact=True).fill("基幹システムへの通知")
    await page.get_by_role("button", name="Webhookを登録").click()
    assert (await page.locator("[data-test=webhook-secret]").inner_text()).startswith("whsec_")
    await shoot(page, "integrations-webhook-registered")
    async with httpx.AsyncClient(
        base_url=stack.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("k.pdf", lease_pdf(1), "application/pdf")}
        )
        sent = await api.post(
            "/api/v1/envelopes",
            json={
                "title": "API連携の確認",
                "document_id": up.json()["id"],
                "send": True,
                "parties": [
                    {"name": "佐藤 一郎", "email": "apikey@example.jp"},
                    {"name": "田中 次郎", "phone": "08000000000"},
                ],
                "fields": [
                    {"party": i, "page": 1, "x": 99, "y": 99 + 80 * i, "width": 60, "height": 60}
                    for i in range(2)
                ],
            },
        )
        assert sent.status_code == 201, sent.text
    await (
        page.locator("#webhooks tr", has_text="agency-hook")
        .get_by_role("link", name="最近の配信")
        .click()
    )
    for _ in range(200):
        if await page.locator("[data-delivery-status]").count():
            break
        await page.wait_for_timeout(300)
        await page.reload()
    assert "署名依頼の送信" in await page.locator("[data-test=deliveries]").inner_text()
    await shoot(page, "webhook-deliveries")

    # B4: the SMS the provider could not deliver, with its reason, on the detail page
    for _ in range(200):
        await page.goto(f"{stack.url}/console/documents/{sent.json()['id']}")
        if await page.locator('[data-message-status="failed"]').count():
            break
        await page.wait_for_timeout(300)
    failed = page.locator('[data-message-status="failed"]')
    assert "30003" in await failed.inner_text() and "080" in await failed.inner_text()
    await shoot(page, "detail-delivery-failed")


async def test_the_english_switch_B5(stack, desk, state):
    page = await desk.new_page()
    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    await page.locator("[data-test=lang]").click()
    await page.wait_for_load_state()
    assert "Signature status" in await page.content()
    assert await page.get_by_role("link", name="New contract").count() == 1
    await shoot(page, "dashboard-en")
    await page.get_by_role("link", name="Documents").click()
    await shoot(page, "documents-en")
    await page.goto(state["envelope_url"])
    assert "Mails and SMS" in await page.locator("#messages").inner_text()
    assert "ID documents" in await page.locator("[data-test=parties]").inner_text()
    await shoot(page, "detail-en")
    await page.goto(stack.url + "/console/admin/integrations")
    assert "API keys and webhooks" in await page.locator("h1").inner_text()
    await shoot(page, "integrations-en")
    await page.locator("[data-test=lang]").click()
    await page.wait_for_load_state()
    assert "署名ステータス" in await page.content() or "文書管理" in await page.content()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
async def test_every_screen_at_desktop_and_tablet_width(stack, browser, state, width, tmp_path):
    context = await browser.new_context(viewport={"width": width, "height": 1000}, locale="ja-JP")
    page = await context.new_page()
    await page.goto(stack.url + "/console/login")
    await shoot(page, "tour-login")
    await page.goto(stack.url + "/console/forgot")
    await shoot(page, "tour-forgot")
    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    await shoot(page, "tour-dashboard")
    for name, path in (
        ("documents", "/console/documents"),
        ("users", "/console/admin/users"),
        ("integrations", "/console/admin/integrations"),
        ("upload", "/console/send"),
    ):
        await page.goto(stack.url + path)
        await shoot(page, f"tour-{name}")
    if "envelope_url" in state:
        await page.goto(state["envelope_url"])
        await shoot(page, "tour-detail")
        await page.goto(state["envelope_url"] + "/preview")
        await shoot(page, "tour-preview")
    pdf = tmp_path / "lease.pdf"
    pdf.write_bytes(lease_pdf(2))
    await page.goto(stack.url + "/console/send")
    await page.set_input_files("#file", str(pdf))
    await page.get_by_role("button", name="文書情報の入力へ").click()
    await page.wait_for_selector(".party")
    await shoot(page, "tour-info")
    for card in await page.locator(".party").all():
        await card.locator('[data-k="name"]').fill("山田 太郎")
        await card.locator('[data-k="email"]').fill("yamada@example.jp")
    await page.get_by_role("button", name="入力内容の確認へ").click()
    await shoot(page, "tour-confirm")
    await page.get_by_role("button", name="署名位置の設定へ").click()
    await page.wait_for_function(
        "[...document.querySelectorAll('.sheet img')].every(i => i.complete && i.naturalWidth)"
    )
    await drag_tile(page, "signature", 1, 0.5, 0.8)
    await page.screenshot(path=shot_path("tour-placement", width))
    await context.close()


async def test_bad_console_inputs_are_refused_in_japanese_never_a_500(stack):
    async with httpx.AsyncClient(base_url=stack.url, follow_redirects=False, timeout=30) as http:
        page = await http.get("/console/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        missing = await http.post("/console/login", data={"csrf": csrf})
        assert missing.status_code == 422 and "入力してください" in missing.text
        forged = await http.post(
            "/console/login", data={"csrf": "forged", "login_name": "demo", "password": "x"}
        )
        assert forged.status_code == 403 and "有効期限" in forged.text
        assert (await http.get("/console/documents")).headers["location"] == "/console/login"


def rotated_lease() -> bytes:
    """Two A4 pages, the second turned a quarter (/Rotate 90): displayed landscape."""
    reader = PdfReader(io.BytesIO(lease_pdf(2)))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.pages[1].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def touch_drag(cdp: CDPSession, x0: float, y0: float, x1: float, y1: float) -> None:
    """A finger on a tablet: real touch events, which the page sees as pointer events."""
    await cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for i in range(1, 9):
        x, y = x0 + (x1 - x0) * i / 8, y0 + (y1 - y0) * i / 8
        await cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


async def test_boxes_on_a_rotated_page_by_touch_stay_in_its_displayed_frame_S16(
    stack, browser, tmp_path
):
    context = await browser.new_context(
        viewport={"width": 820, "height": 1180}, has_touch=True, locale="ja-JP"
    )
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    pdf = tmp_path / "rotated.pdf"
    pdf.write_bytes(rotated_lease())
    await page.goto(stack.url + "/console/send")
    await page.select_option("#contract_type", "other")
    await page.set_input_files("#file", str(pdf))
    await page.get_by_role("button", name="文書情報の入力へ").click()
    await page.wait_for_selector(".party")
    document_id = page.url.split("?")[0].rsplit("/", 1)[1]
    async with httpx.AsyncClient(
        base_url=stack.url, headers={"Authorization": f"Bearer {stack.api_key}"}
    ) as api:
        pages = (await api.get(f"/api/v1/documents/{document_id}")).json()["pages"]
    assert pages[1]["width"] > pages[1]["height"], "the rotated page is reported as displayed"
    while await page.locator(".party").count() > 1:
        await page.locator(".party").last.locator('[data-act="remove"]').click()
    card = page.locator(".party")
    await card.locator('input[value="individual"]').check()
    await card.locator('[data-k="name"]').fill("高橋 和也")
    await card.locator('[data-k="email"]').fill("rotated@example.jp")
    await page.get_by_role("button", name="入力内容の確認へ").click()
    await page.get_by_role("button", name="署名位置の設定へ").click()
    await page.wait_for_function(
        "[...document.querySelectorAll('.sheet img')].every(i => i.complete && i.naturalWidth)"
    )
    sheet = page.locator('.sheet[data-page="2"]')
    frame = await sheet.bounding_box()
    assert frame and frame["width"] > frame["height"]

    await drag_tile(page, "signature", 2, 0.5, 0.5)
    box = sheet.locator(".fbox")
    b = await box.bounding_box()
    assert b
    await touch_drag(cdp, b["x"] + 10, b["y"] + 10, b["x"] + 10 + 2000, b["y"] + 10)  # far right
    moved = await box.bounding_box()
    frame = await sheet.bounding_box()
    assert moved and frame
    assert abs(moved["x"] + moved["width"] - (frame["x"] + frame["width"])) < 3  # held at the edge
    grip = await box.locator(".grip").bounding_box()
    assert grip
    gx, gy = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    await touch_drag(cdp, gx, gy, gx, gy + 40)
    grown = await box.bounding_box()
    assert grown and grown["height"] > moved["height"] + 20
    await page.screenshot(path=shot_path("placement-rotated-touch", 820))

    await page.get_by_role("button", name="送信する").click()
    await page.wait_for_url("**/console/documents/*")
    envelope_id = page.url.split("?")[0].rsplit("/", 1)[1]
    async with httpx.AsyncClient(
        base_url=stack.url, headers={"Authorization": f"Bearer {stack.api_key}"}
    ) as api:
        envelope = (await api.get(f"/api/v1/envelopes/{envelope_id}")).json()
        document = (await api.get(f"/api/v1/documents/{envelope['document_id']}")).json()
    [field] = envelope["fields"]
    displayed = document["pages"][1]
    placed = field["placement"]
    assert placed["page"] == 2
    assert placed["x"] + placed["width"] == pytest.approx(displayed["width"], abs=0.5)
    assert placed["y"] + placed["height"] <= displayed["height"]
    await context.close()


async def test_a_forgotten_password_is_reset_through_the_mailed_link_A3(stack, inbox, desk):
    page = await desk.new_page()
    await login(page, stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    await page.get_by_role("link", name="ユーザー管理").click()
    await page.locator("#u-name").fill("忘れ 次郎")
    await page.locator("#u-login_id").fill("forgetful")
    await page.locator("#u-email").fill("forgetful@demo.example")
    await page.get_by_role("button", name="ユーザーを作成").click()

    other = await desk.browser.new_context(viewport={"width": 1280, "height": 900})
    page2 = await other.new_page()
    await page2.goto(stack.url + "/console/login")
    await page2.get_by_role("link", name="パスワードをお忘れの場合").click()
    await page2.get_by_label("メールアドレスまたはログインID").fill("forgetful")
    await page2.get_by_role("button", name="再設定メールを送信").click()
    assert "送信しました" in await page2.locator("[role=status]").inner_text()
    await shoot(page2, "forgot-sent")
    while True:
        mails = await inbox.wait_for("forgetful@demo.example", "email", 30)
        links = [re.search(r"https?://\S+/console/reset/[\w-]+", m["body"]) for m in mails]
        if any(links):
            break
    link = next(m.group(0) for m in links if m)
    await page2.goto(link)
    await page2.locator("#new_password").fill("Remember2026")
    await page2.locator("#new_password_again").fill("Remember2026")
    await page2.get_by_role("button", name="変更する").click()
    assert "再設定しました" in await page2.locator("[role=alert]").inner_text()
    await login(page2, stack.url, "forgetful", "Remember2026")
    assert page2.url.rstrip("/").endswith("/console")
    await other.close()
