"""The pages a signer meets when the link cannot lead to signing, in a real browser on a
phone against the real stack, each with its calm Japanese words and a screenshot in
test-artifacts/signer: not your turn yet (順番待ち, S13), cancelled and expired (B3), already
signed (a second tap, or the link opened again), an expired form (CSRF), and the service's
refusal of a signature without the identity photos asked for (G3)."""

import os

import httpx
from playwright.async_api import BrowserContext, Page

from services.common.store import open_store
from services.signing.credentials import token_hash
from services.signing.repository import COLLECTIONS
from tests.browser.test_signer_pages import box, landlord, send, shot, tenant
from tests.e2e.test_contract_flow import signer_link, wait_for_mail, wait_for_status
from tests.e2e.test_signing_workflow import moved_clock
from tests.support import signer


async def heading(page: Page) -> str:
    return await page.locator("h1").inner_text()


async def status_text(page: Page) -> str:
    return await page.locator("[role=status], [role=alert]").first.inner_text()


async def link_of_waiting_party(stack, envelope: dict, index: int) -> str:
    """A working link of a party whose turn has not come: the service makes none, but a
    link must still refuse a signature out of order (S13), so the test makes one."""
    token = os.urandom(32).hex()
    store = open_store(stack.env["SHOMEI_STORE"], "signing", COLLECTIONS)
    await store.open()
    try:
        async with store.unit_of_work() as uow:
            uow.save(
                "signer_links",
                {
                    "id": token_hash(token),
                    "version": 0,
                    "envelope_id": envelope["id"],
                    "party_id": envelope["parties"][index]["id"],
                    "serial": 0,
                },
            )
            await uow.commit()
    finally:
        await store.close()
    return f"{stack.url}/s/{token}"


async def test_s13_a_party_whose_turn_has_not_come_sees_so_and_cannot_sign(
    stack, inbox, phone: BrowserContext
):
    t = os.urandom(3).hex()
    envelope = await send(
        stack,
        {
            "title": f"賃貸借契約書 {t}",
            "parties": [tenant(t), landlord(t)],
            "fields": [box(0, 1, 150, 700), box(1, 1, 400, 700)],
        },
    )
    link = await link_of_waiting_party(stack, envelope, 1)
    page = await phone.new_page()
    await page.goto(link)
    assert await heading(page) == "まだ署名の順番ではありません"
    assert "先に署名する方の署名が終わると" in await status_text(page)
    assert "鈴木 花子" in await page.locator(".intro").inner_text()
    await page.wait_for_load_state("networkidle")
    await shot(page, "60-not-your-turn")

    async with httpx.AsyncClient(timeout=30) as client:
        tried = await signer.sign(client, link, {})
        assert tried.status_code == 409 and "まだ署名の順番ではありません" in tried.text
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        now = (await api.get(f"/api/v1/envelopes/{envelope['id']}")).json()
    assert [p["status"] for p in now["parties"]] == ["asked", "waiting"]


async def test_b3_a_cancelled_request_says_so_calmly(stack, inbox, phone: BrowserContext):
    t = os.urandom(3).hex()
    envelope = await send(
        stack,
        {"title": f"駐車場契約書 {t}", "parties": [landlord(t)], "fields": [box(0, 1, 150, 700)]},
    )
    [mail] = await wait_for_mail(inbox, f"landlord-{t}@example.jp")
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        assert (await api.post(f"/api/v1/envelopes/{envelope['id']}/cancel", json={})).is_success
    page = await phone.new_page()
    response = await page.goto(signer_link(mail))
    assert response is not None and response.status == 410
    assert await heading(page) == "署名依頼は取り消されました"
    assert "送信者により取り消されました" in await status_text(page)
    await shot(page, "61-cancelled")


async def test_b3_an_expired_request_says_so_calmly(stack, inbox, phone: BrowserContext):
    t = os.urandom(3).hex()
    envelope = await send(
        stack,
        {
            "title": f"更新契約書 {t}",
            "parties": [landlord(t)],
            "fields": [box(0, 1, 150, 700)],
            "reminders": {"remind_after_days": 3, "remind_every_days": 2, "expire_after_days": 1},
        },
    )
    [mail] = await wait_for_mail(inbox, f"landlord-{t}@example.jp")
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    try:
        await moved_clock(stack, days=1, hours=1)
        async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
            await wait_for_status(api, envelope["id"], "expired")
    finally:
        await moved_clock(stack, days=0)
    page = await phone.new_page()
    response = await page.goto(signer_link(mail))
    assert response is not None and response.status == 410
    assert await heading(page) == "署名依頼の期限が切れました"
    assert "有効期限を過ぎたため" in await status_text(page)
    await shot(page, "62-expired")


async def test_g4_a_form_signed_twice_or_the_link_again_shows_the_signature_done(
    stack, inbox, phone: BrowserContext
):
    t = os.urandom(3).hex()
    await send(
        stack,
        {
            "title": f"駐車場契約書 {t}",
            "parties": [
                landlord(t, signing_order=1),
                {"name": "田中 次郎", "email": f"other-{t}@example.jp", "signing_order": 2},
            ],
            "fields": [box(0, 1, 150, 700), box(1, 1, 400, 700)],
        },
    )
    [mail] = await wait_for_mail(inbox, f"landlord-{t}@example.jp")
    link = signer_link(mail)
    first, second = await phone.new_page(), await phone.new_page()
    for page in (first, second):
        await page.goto(link)
        await page.wait_for_selector("#sign")
        await page.locator(".box-signature").tap()
        await page.get_by_label("上記を理解し、電子署名することに同意します").check()
    await first.locator("#sign").click()
    await first.wait_for_selector("h1:has-text('署名が完了しました')")

    # the same form left open in another tab, signed a second time: the truth, no error
    await second.locator("#sign").click()
    await second.wait_for_selector("h1:has-text('署名が完了しました')")
    assert "ほかの方の署名をお待ちしています" in await status_text(second)
    await shot(second, "63-signed-twice")

    again = await phone.new_page()
    await again.goto(link)
    assert await heading(again) == "署名が完了しました"


async def test_an_expired_form_asks_to_try_again_and_a_missing_photo_is_refused_G3(
    stack, inbox, phone: BrowserContext
):
    t = os.urandom(3).hex()
    envelope = await send(
        stack,
        {
            "title": f"賃貸借契約書 {t}",
            "parties": [landlord(t, required_documents=["passport"])],
            "fields": [box(0, 1, 150, 700)],
        },
    )
    [mail] = await wait_for_mail(inbox, f"landlord-{t}@example.jp")
    link = signer_link(mail)
    page = await phone.new_page()
    await page.goto(link)
    await page.wait_for_selector("text=本人確認書類の提出")
    await phone.clear_cookies()
    await page.get_by_role("button", name="この写真で提出する").evaluate("b => b.form.submit()")
    await page.wait_for_selector("h1:has-text('もう一度お試しください')")
    assert "ページの有効期限が切れました" in await status_text(page)
    await shot(page, "64-csrf")
    await page.get_by_role("link", name="署名依頼のページに戻る").click()
    await page.wait_for_selector("text=本人確認書類の提出")

    # a signature posted past the photo page: the service refuses it, the page asks again
    await page.evaluate(
        """(seal) => {
            const form = document.getElementById('id-form');
            form.action = form.action.replace(/identity$/, 'sign');
            for (const name of ['agree', seal]) {
                form.insertAdjacentHTML('beforeend', `<input type=hidden name=${name} value=1>`);
            }
            form.submit();
        }""",
        f"seal_{envelope['fields'][0]['id']}",
    )
    await page.wait_for_selector("text=署名の前に")
    assert await heading(page) == "本人確認書類の提出"
    alert = page.locator("[role=alert]")
    assert "本人確認書類の写真を提出してください" in await alert.inner_text()
    assert await alert.get_attribute("data-code") == "id_documents_missing"
    await shot(page, "65-photos-missing")
