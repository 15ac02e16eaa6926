"""Every bad input to the signer's pages through HTTP on the real stack, on both engines:
a clear page with a status, never a 500 (G2–G7, S10): a guessed link, a POST without its
CSRF token, pages before the code, a file that is not a photo, a missing photo, a signature
without the identity photos asked for (refused by the service, on the bus too), a sign
without seals or agreement, an unknown mark or page, an empty or overlong decline, a
nameless or forbidden signer change, a bad or early consent, a cancelled request; the
session cookie's flags and the English switch."""

import os
import re

import httpx
import pytest

from services.common.commands import SignAsParty, VerifyAccessCode
from services.common.refusals import RefusalCode
from services.common.rpc import QueryClient, QueryFailed
from tests.e2e.test_contract_flow import signer_link, wait_for_mail
from tests.support import signer
from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e


async def create(api: httpx.AsyncClient, email: str, **party: object) -> dict:
    up = await api.post(
        "/api/v1/documents", files={"file": ("lease.pdf", lease_pdf(), "application/pdf")}
    )
    created = await api.post(
        "/api/v1/envelopes",
        json={
            "title": "駐車場契約書",
            "document_id": up.json()["id"],
            "send": True,
            "parties": [{"name": "佐藤 一郎", "email": email, **party}],
            "fields": [{"party": 0, "page": 1, "x": 150, "y": 700, "width": 50, "height": 50}],
        },
    )
    assert created.status_code == 201, created.text
    return created.json()


async def refused_on_the_bus(stack, link: str, code: str) -> None:
    """The signing service itself, asked over the broker as the gateway asks it: the
    refusal's code and the documents still missing, for any caller (G3)."""
    token = link.rsplit("/", 1)[1]
    bus = QueryClient(stack.amqp_url, 30)
    await bus.connect()
    try:
        checked = await bus.ask("signing", VerifyAccessCode(token=token, code=code))
        with pytest.raises(QueryFailed) as exc:
            await bus.ask(
                "signing", SignAsParty(token=token, session=checked.session, seal_blob_id="0" * 64)
            )
    finally:
        await bus.close()
    assert exc.value.error.code == RefusalCode.id_documents_missing
    assert exc.value.error.params == {"documents": "drivers_license"}


async def test_every_bad_signer_input_gets_a_page_with_a_status_never_a_500(stack, inbox):
    t = os.urandom(3).hex()
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        coded = await create(
            api,
            f"coded-{t}@example.jp",
            access_code="2468",
            access_code_hint="4桁",
            required_documents=["drivers_license"],
        )
        gone = await create(api, f"gone-{t}@example.jp")
        cancelled = await api.post(f"/api/v1/envelopes/{gone['id']}/cancel", json={})
        assert cancelled.status_code == 200
    link = signer_link((await wait_for_mail(inbox, f"coded-{t}@example.jp"))[0])
    base = link.rsplit("/", 1)[0]

    async with httpx.AsyncClient(timeout=30) as client:
        guessed = await client.get(f"{base}/{'A' * 43}")
        other = await client.get(f"{base}/x")
        assert guessed.status_code == other.status_code == 404
        assert "このリンクは無効です" in guessed.text and "このリンクは無効です" in other.text

        no_csrf = await client.post(f"{link}/access-code", data={"code": "2468"})
        assert no_csrf.status_code == 403 and "有効期限" in no_csrf.text
        endless = await signer.post(client, link, "access-code", {"code": "2" * 5000})
        assert endless.status_code == 403 and "あと4回" in endless.text
        assert (await client.get(f"{link}/pages/1")).status_code == 403
        assert (await client.get(f"{link}/download")).status_code == 303

        right = await signer.post(client, link, "access-code", {"code": "2468"})
        assert right.status_code == 303
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/s/" in cookie

        page = await client.get(link)
        assert "本人確認書類" in page.text and 'capture="environment"' in page.text
        # G3: a signature posted past the photo page is the service's refusal, not a 500
        pressed = {f"seal_{f['id']}": "1" for f in coded["fields"]}
        skipped = await signer.post(client, link, "sign", {"agree": "1", **pressed})
        assert skipped.status_code == 409
        assert 'data-code="id_documents_missing"' in skipped.text
        assert "本人確認書類の写真を提出してください" in skipped.text
        await refused_on_the_bus(stack, link, "2468")
        pdf = {
            "img_drivers_license_front": ("front.jpg", lease_pdf(), "image/jpeg"),
            "img_drivers_license_back": ("back.jpg", signer.jpeg(), "image/jpeg"),
        }
        not_photo = await signer.post(client, link, "identity", {}, files=pdf)
        assert not_photo.status_code == 422 and "画像ファイル" in not_photo.text
        half = {"img_drivers_license_front": ("front.jpg", signer.jpeg(), "image/jpeg")}
        missing = await signer.post(client, link, "identity", {}, files=half)
        assert missing.status_code == 422 and "すべての書類" in missing.text
        assert "本人確認書類" in (await client.get(link)).text

        both = {
            **half,
            "img_drivers_license_back": ("back.png", b"\x89PNG\r\n\x1a\n" + bytes(99), "image/png"),
        }
        assert (await signer.post(client, link, "identity", {}, files=both)).status_code == 303
        page = await client.get(link)
        assert 'id="sign"' in page.text

        no_seal = await signer.post(client, link, "sign", {"agree": "1"})
        assert no_seal.status_code == 422 and "押印欄" in no_seal.text
        seals = {f"seal_{i}": "1" for i in re.findall(r'name="seal_(\w+)"', page.text)}
        no_agree = await signer.post(client, link, "sign", seals)
        assert no_agree.status_code == 422 and "同意" in no_agree.text
        assert (await client.get(f"{link}/marks/nothing")).status_code == 404
        empty = await signer.post(client, link, "decline", {"reason": "  "})
        assert empty.status_code == 422 and "辞退の理由を入力してください" in empty.text
        nameless = await signer.post(client, link, "change-signer", {"name": " "})
        assert nameless.status_code == 422 and "氏名を入力してください" in nameless.text
        huge = await signer.post(client, link, "change-signer", {"name": "名" * 101})
        assert huge.status_code == 422 and "100文字" in huge.text
        not_allowed = await signer.post(client, link, "change-signer", {"name": "鈴木 一郎"})
        assert not_allowed.status_code == 422 and "署名者変更は" in not_allowed.text
        odd = await signer.post(client, link, "consent", {"answer": "maybe"})
        assert odd.status_code == 422
        early = await signer.post(client, link, "consent", {"answer": "no"})
        assert early.status_code == 409 and 'id="sign"' in early.text
        long = await signer.post(client, link, "decline", {"reason": "理由" * 300})
        assert long.status_code == 422 and "500文字以内" in long.text
        odd_csrf = await client.post(f"{link}/decline", data={"reason": "x", "csrf": "あ" * 9})
        assert odd_csrf.status_code == 403 and "もう一度お試しください" in odd_csrf.text
        assert (await client.get(f"{link}/pages/999")).status_code == 404
        assert (await client.get(f"{link}/pages/abc")).status_code == 422

        english = await client.get(f"{link}?lang=en")
        assert (
            "Review and sign" in english.text and "shomei_lang=en" in english.headers["set-cookie"]
        )
        assert "Review and sign" in (await client.get(link)).text

    # B3: the request and the cancellation may arrive in either order
    gone_mails = await wait_for_mail(inbox, f"gone-{t}@example.jp", 2)
    [request] = [m for m in gone_mails if "/s/" in m["body"]]
    assert any("取り消されました" in m["body"] for m in gone_mails)
    gone_link = signer_link(request)
    async with httpx.AsyncClient(timeout=30) as client:
        page = await client.get(gone_link)
        assert page.status_code == 410 and "取り消されました" in page.text
        assert 'href="mailto:staff@demo.example"' in page.text  # whom to ask, G1
