"""The console's API連携, 送信状況 and 本人確認書類 through HTTP against the real stack: an
admin makes (shown once), lists and revokes API keys and manages webhook subscriptions
through the API's own handlers; each mail and SMS of an envelope shows its delivery state
with its reason (B4); the ID photos a signer attached stream to staff of the same agency
with the download right only, uncached. Every bad input is a Japanese message, never a 500
(A4, B1, B4, S10)."""

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.console.demo import DEMO_LOGIN, demo_password
from tests.e2e.test_contract_flow import signer_link, wait_for_mail
from tests.support import signer
from tests.support.console import csrf_of, other_agency_admin, signed_in
from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e
PNG = b"\x89PNG\r\n\x1a\n" + bytes(120)


@pytest.fixture
async def demo(stack) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    http, csrf = await signed_in(stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    yield http, csrf
    await http.aclose()


async def staff_member(
    stack, admin: httpx.AsyncClient, csrf: str, login: str, roles: list[str]
) -> httpx.AsyncClient:
    """A staff user the admin makes, signed in after the forced password change."""
    made = await admin.post(
        "/console/admin/users",
        data={
            "csrf": csrf,
            "name": f"{login} 担当",
            "login_id": login,
            "email": f"{login}@demo.example",
            "roles": roles,
        },
    )
    temporary = re.search(r'data-test="temporary-password">([^<]+)<', made.text).group(1)
    http, own = await signed_in(stack.url, login, temporary)
    changed = await http.post(
        "/console/password",
        data={
            "csrf": own,
            "current_password": temporary,
            "new_password": "Staff2026ok",
            "new_password_again": "Staff2026ok",
        },
    )
    assert changed.status_code == 303
    return http


def key_id_of(html: str, name: str) -> str:
    rows = re.findall(r'<tr data-key="([^"]+)">\s*<td>([^<]*)</td>', html)
    return next(key for key, shown in rows if shown == name)


async def test_an_admin_makes_lists_and_revokes_api_keys_shown_once_A4_B1(stack, demo):
    http, csrf = demo
    page = await http.get("/console/admin/integrations")
    assert page.status_code == 200 and "APIキー" in page.text and "Webhook" in page.text

    empty = await http.post("/console/admin/keys", data={"csrf": csrf, "scopes": "write"})
    assert empty.status_code == 422 and "入力してください" in empty.text
    no_scope = await http.post("/console/admin/keys", data={"csrf": csrf, "name": "基幹"})
    assert no_scope.status_code == 422 and "権限を1つ以上選んでください" in no_scope.text
    long = await http.post(
        "/console/admin/keys", data={"csrf": csrf, "name": "長" * 101, "scopes": "read"}
    )
    assert long.status_code == 422 and "100 文字以内" in long.text
    odd = await http.post(
        "/console/admin/keys", data={"csrf": csrf, "name": "基幹", "scopes": "root"}
    )
    assert odd.status_code == 422 and "権限を1つ以上選んでください" in odd.text
    forged = await http.post("/console/admin/keys", data={"csrf": "x", "name": "a"})
    assert forged.status_code == 403 and "有効期限" in forged.text

    made = await http.post(
        "/console/admin/keys", data={"csrf": csrf, "name": "賃貸管理システムA", "scopes": "write"}
    )
    assert made.status_code == 201 and "今だけ表示されます" in made.text
    api_key = re.search(r'data-test="api-key">([^<]+)<', made.text).group(1)
    bearer = {"Authorization": f"Bearer {api_key}"}
    assert (await http.get("/api/v1/envelopes", headers=bearer)).status_code == 200
    listed = await http.get("/console/admin/integrations")
    assert "賃貸管理システムA" in listed.text and api_key not in listed.text
    key_id = key_id_of(listed.text, "賃貸管理システムA")

    acme, acme_csrf = await other_agency_admin(stack, "keyco", "Keyco2026ok")
    try:
        assert "賃貸管理システムA" not in (await acme.get("/console/admin/integrations")).text
        theirs = await acme.post(f"/console/admin/keys/{key_id}/revoke", data={"csrf": acme_csrf})
        assert theirs.status_code == 404 and "見つかりません" in theirs.text
    finally:
        await acme.aclose()
    assert (await http.get("/api/v1/envelopes", headers=bearer)).status_code == 200

    revoked = await http.post(f"/console/admin/keys/{key_id}/revoke", data={"csrf": csrf})
    assert revoked.status_code == 303
    after = await http.get(revoked.headers["location"])
    assert "無効にしました" in after.text and "無効" in after.text
    assert (await http.get("/api/v1/envelopes", headers=bearer)).status_code == 401
    unknown = await http.post("/console/admin/keys/nope/revoke", data={"csrf": csrf})
    assert unknown.status_code == 404 and "見つかりません" in unknown.text

    sender = await staff_member(stack, http, csrf, "keysender", ["send", "download"])
    try:
        for refused in (
            await sender.get("/console/admin/integrations"),
            await sender.post("/console/admin/keys", data={"csrf": csrf, "name": "x"}),
        ):
            assert refused.status_code == 403
        own = csrf_of((await sender.get("/console/documents")).text)
        made_by_sender = await sender.post(
            "/console/admin/keys", data={"csrf": own, "name": "x", "scopes": "read"}
        )
        assert made_by_sender.status_code == 403 and "権限がありません" in made_by_sender.text
        assert "/console/admin/integrations" not in (await sender.get("/console/")).text
    finally:
        await sender.aclose()


async def test_an_admin_registers_rotates_and_deletes_webhooks_and_sees_deliveries_B1(stack, demo):
    http, csrf = demo
    for data, message in (
        ({"url": "ftp://example.jp/hook", "events": "envelope.sent"}, "https:// で始まる"),
        ({"url": "", "events": "envelope.sent"}, "https:// で始まる"),
        ({"url": "https://example.jp/hook"}, "イベントを1つ以上選んでください"),
        ({"url": "https://example.jp/hook", "events": "envelope.exploded"}, "イベントを1つ以上"),
        (
            {"url": "https://example.jp/hook", "events": "party.signed", "description": "x" * 201},
            "200 文字以内",
        ),
    ):
        refused = await http.post("/console/admin/webhooks", data={"csrf": csrf, **data})
        assert refused.status_code == 422 and message in refused.text, data

    made = await http.post(
        "/console/admin/webhooks",
        data={
            "csrf": csrf,
            "url": "http://127.0.0.1:9/shomei-hook",
            "events": ["envelope.sent", "envelope.completed"],
            "description": "賃貸管理システムA",
        },
    )
    assert made.status_code == 201 and "Webhookを登録しました" in made.text
    first = re.search(r'data-test="webhook-secret">(whsec_[^<]+)<', made.text).group(1)
    listed = await http.get("/console/admin/integrations")
    assert "http://127.0.0.1:9/shomei-hook" in listed.text and first not in listed.text
    hook_id = re.search(r'data-webhook="([^"]+)">\s*<td class="url">[^<]*shomei-hook', listed.text)
    hook_id = hook_id.group(1)

    rotated = await http.post(f"/console/admin/webhooks/{hook_id}/rotate", data={"csrf": csrf})
    second = re.search(r'data-test="webhook-secret">(whsec_[^<]+)<', rotated.text).group(1)
    assert rotated.status_code == 200 and second != first and "旧シークレット" in rotated.text

    api = {"Authorization": f"Bearer {stack.api_key}"}
    up = await http.post(
        "/api/v1/documents", headers=api, files={"file": ("w.pdf", lease_pdf(1), "application/pdf")}
    )
    sent = await http.post(
        "/api/v1/envelopes",
        headers=api,
        json={
            "title": "Webhookの確認",
            "document_id": up.json()["id"],
            "send": True,
            "parties": [{"name": "佐藤 一郎", "email": "hook@example.jp"}],
            "fields": [{"party": 0, "page": 1, "x": 100, "y": 100, "width": 60, "height": 60}],
        },
    )
    assert sent.status_code == 201

    async def delivered() -> str:
        while (
            'data-delivery-status="'
            not in (page := await http.get(f"/console/admin/webhooks/{hook_id}")).text
        ):
            await asyncio.sleep(0.3)
        return page.text

    deliveries = await asyncio.wait_for(delivered(), 60)
    assert "署名依頼の送信" in deliveries
    delivery_id = re.search(r"/deliveries/([^/]+)/redeliver", deliveries).group(1)
    again = await http.post(
        f"/console/admin/webhooks/{hook_id}/deliveries/{delivery_id}/redeliver",
        data={"csrf": csrf},
    )
    assert again.status_code == 303
    assert "もう一度配信します" in (await http.get(again.headers["location"])).text
    missing = await http.post(
        f"/console/admin/webhooks/{hook_id}/deliveries/nope/redeliver", data={"csrf": csrf}
    )
    assert missing.status_code == 404 and "見つかりません" in missing.text

    other, other_csrf = await other_agency_admin(stack, "hookco", "Hookco2026ok")
    try:
        assert (await other.get(f"/console/admin/webhooks/{hook_id}")).status_code == 404
        for action in ("rotate", "delete"):
            theirs = await other.post(
                f"/console/admin/webhooks/{hook_id}/{action}", data={"csrf": other_csrf}
            )
            assert theirs.status_code == 404 and "見つかりません" in theirs.text
    finally:
        await other.aclose()

    deleted = await http.post(f"/console/admin/webhooks/{hook_id}/delete", data={"csrf": csrf})
    assert deleted.status_code == 303
    after = await http.get(deleted.headers["location"])
    assert "Webhookを削除しました" in after.text and "shomei-hook" not in after.text
    gone = await http.get(f"/console/admin/webhooks/{hook_id}")
    assert gone.status_code == 404 and "見つかりません" in gone.text


async def test_detail_shows_each_message_state_and_streams_id_photos_to_its_agency_only_B4_S10(
    stack, demo, inbox
):
    http, csrf = demo
    api = {"Authorization": f"Bearer {stack.api_key}"}
    up = await http.post(
        "/api/v1/documents", headers=api, files={"file": ("i.pdf", lease_pdf(1), "application/pdf")}
    )
    made = await http.post(
        "/api/v1/envelopes",
        headers=api,
        json={
            "title": "本人確認の確認",
            "document_id": up.json()["id"],
            "send": True,
            "parties": [
                {
                    "name": "佐藤 一郎",
                    "email": "idcheck@example.jp",
                    "signing_order": 1,
                    "required_documents": ["drivers_license"],
                },
                {"name": "田中 次郎", "phone": "08000000000", "signing_order": 1},
            ],
            "fields": [
                {"party": i, "page": 1, "x": 100, "y": 100 + 80 * i, "width": 60, "height": 60}
                for i in range(2)
            ],
        },
    )
    assert made.status_code == 201, made.text
    envelope = made.json()
    party = envelope["parties"][0]["id"]
    path = f"/console/documents/{envelope['id']}"
    before = await http.get(path)
    assert "本人確認書類" in before.text and "未提出" in before.text

    [mail] = await wait_for_mail(inbox, "idcheck@example.jp")
    link = signer_link(mail)
    front = signer.jpeg(3000)
    async with httpx.AsyncClient(timeout=30) as phone:
        attached = await signer.post(
            phone,
            link,
            "identity",
            {},
            files={
                "img_drivers_license_front": ("front.jpg", front, "image/jpeg"),
                "img_drivers_license_back": ("back.png", PNG, "image/png"),
            },
        )
        assert attached.status_code == 303, attached.text

    async def settled() -> str:
        while True:
            text = (await http.get(path)).text
            if 'data-message-status="sent"' in text and 'data-message-status="failed"' in text:
                return text
            await asyncio.sleep(0.3)

    detail = await asyncio.wait_for(settled(), 60)
    assert "送信状況" in detail and "署名依頼" in detail and "30003" in detail
    assert "080" in detail  # the number as staff type it
    assert re.search(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d", detail)
    photos = re.findall(rf'href="({path}/identity/{party}/[^"]+)"', detail)
    assert sorted(p.rsplit("/", 2)[-2:][1] for p in photos) == ["back", "front"]

    shown = await http.get(f"{path}/identity/{party}/drivers_license/front")
    assert shown.status_code == 200 and shown.content == front
    assert shown.headers["content-type"] == "image/jpeg"
    assert "no-store" in shown.headers["cache-control"]
    assert shown.headers["x-content-type-options"] == "nosniff"
    back = await http.get(f"{path}/identity/{party}/drivers_license/back")
    assert back.headers["content-type"] == "image/png" and back.content == PNG
    for wrong, message in (
        (f"{path}/identity/{party}/passport/page", "ファイルを取得できません"),
        (f"{path}/identity/nobody/drivers_license/front", "送信先が見つかりません"),
        (f"/console/documents/nope/identity/{party}/drivers_license/front", "見つかりません"),
    ):
        refused = await http.get(wrong)
        assert refused.status_code == 404 and message in refused.text, wrong

    sender = await staff_member(stack, http, csrf, "idsender", ["send"])
    try:
        assert "ダウンロードの権限が必要" in (await sender.get(path)).text
        refused = await sender.get(f"{path}/identity/{party}/drivers_license/front")
        assert refused.status_code == 403 and "権限がありません" in refused.text
    finally:
        await sender.aclose()
    other, _ = await other_agency_admin(stack, "idco", "Idco2026ok")
    try:
        theirs = await other.get(f"{path}/identity/{party}/drivers_license/front")
        assert theirs.status_code == 404 and front not in theirs.content
    finally:
        await other.aclose()
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as anonymous:
        outside = await anonymous.get(f"{path}/identity/{party}/drivers_license/front")
        assert outside.status_code == 303 and outside.headers["location"] == "/console/login"
