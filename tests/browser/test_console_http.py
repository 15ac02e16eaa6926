"""Bad inputs to the console through HTTP: every refusal is a Japanese message beside its
field (or a problem document for the wizard's JSON), never a 500; sign-in locks after
repeated failures; roles and agencies bound what a staff user sees (A1–A4, S1, D2, D5)."""

import re

import httpx
import pytest

from gateway.console.demo import DEMO_LOGIN, demo_password
from tests.support.console import csrf_of, other_agency_admin, signed_in
from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e


@pytest.fixture
async def demo(stack):
    http, csrf = await signed_in(stack.url, DEMO_LOGIN, demo_password(stack.api_key))
    yield http, csrf
    await http.aclose()


async def test_sign_in_refusals_are_japanese_and_csrf_is_checked_A1(stack):
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        assert (await http.get("/console/documents")).headers["location"] == "/console/login"
        csrf = csrf_of((await http.get("/console/login")).text)
        missing = await http.post("/console/login", data={"csrf": csrf})
        assert missing.status_code == 422 and missing.text.count("入力してください") == 2
        forged = await http.post(
            "/console/login", data={"csrf": "forged", "login_name": "demo", "password": "x"}
        )
        assert forged.status_code == 403 and "有効期限が切れました" in forged.text
        no_token = await http.post("/console/login", data={"login_name": "demo", "password": "x"})
        assert no_token.status_code == 403


async def test_five_wrong_passwords_lock_the_account_A1(stack, demo):
    http, csrf = demo
    made = await http.post(
        "/console/admin/users",
        data={
            "csrf": csrf,
            "name": "鍵 太郎",
            "login_id": "locktest",
            "email": "lock@demo.example",
            "roles": "send",
        },
    )
    temporary = re.search(r'data-test="temporary-password">([^<]+)<', made.text).group(1)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as other:
        csrf2 = csrf_of((await other.get("/console/login")).text)
        for attempt in range(5):
            wrong = await other.post(
                "/console/login",
                data={"csrf": csrf2, "login_name": "locktest", "password": f"nope{attempt}x"},
            )
            assert wrong.status_code == 401
        assert "ロック" in wrong.text
        right = await other.post(
            "/console/login", data={"csrf": csrf2, "login_name": "locktest", "password": temporary}
        )
        assert right.status_code == 401 and "ロック" in right.text


async def test_creating_a_user_refuses_bad_fields_beside_them_A1(demo):
    http, csrf = demo
    bad = await http.post(
        "/console/admin/users",
        data={"csrf": csrf, "name": "", "login_id": "a b", "email": "not-mail"},
    )
    assert bad.status_code == 422
    for message in ("入力してください", "半角英数字", "メールアドレスの形式が正しくありません"):
        assert message in bad.text
    taken = await http.post(
        "/console/admin/users",
        data={"csrf": csrf, "name": "重複", "login_id": "demo", "email": "x@demo.example"},
    )
    assert taken.status_code == 422 and "既に使われています" in taken.text
    forged = await http.post("/console/admin/users", data={"csrf": "x", "name": "a"})
    assert forged.status_code == 403


async def test_the_wizard_answers_problems_with_a_pointer_per_field_S1(stack, demo):
    http, csrf = demo
    refused = await http.post(
        "/console/send",
        data={"csrf": csrf},
        files={"file": ("a.pdf", b"not a pdf", "application/pdf")},
    )
    assert refused.status_code == 422 and "PDF" in refused.text
    empty = await http.post(
        "/console/send", data={"csrf": csrf}, files={"file": ("a.pdf", b"", "application/pdf")}
    )
    assert empty.status_code == 422 and 'data-test="file-error"' in empty.text
    uploaded = await http.post(
        "/console/send",
        data={"csrf": csrf, "contract_type": "other"},
        files={"file": ("lease.pdf", lease_pdf(1), "application/pdf")},
    )
    assert uploaded.status_code == 303
    path = uploaded.headers["location"].split("?")[0]
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    broken = await http.post(path, content=b"{", headers=headers)
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_input"
    body = {
        "title": "契約書",
        "contract_type": "other",
        "parties": [
            {
                "role": "tenant",
                "kind": "individual",
                "name": "佐藤 一郎",
                "email": "bad@",
                "signs": True,
                "signing_order": 1,
            }
        ],
        "fields": [
            {
                "party": 0,
                "type": "signature",
                "page": 1,
                "x": 10,
                "y": 10,
                "width": 60,
                "height": 60,
            }
        ],
    }
    wrong = await http.post(path, json=body, headers={"X-CSRF-Token": csrf})
    assert wrong.status_code == 422
    pointers = {e["pointer"]: e["detail"] for e in wrong.json()["errors"]}
    assert "/parties/0/email" in pointers
    assert re.search(r"[ぁ-んァ-ン一-龥]", pointers["/parties/0/email"])
    no_csrf = await http.post(path, json=body)
    assert no_csrf.status_code == 403
    unknown = await http.post("/console/send/nope", json=body, headers={"X-CSRF-Token": csrf})
    assert unknown.status_code == 404 and unknown.json()["code"] == "document_not_found"


async def test_document_search_refuses_bad_keys_inline_D2(demo):
    http, _ = demo
    bad = await http.get(
        "/console/documents", params={"date_from": "2026-13-40", "amount_min": "-5"}
    )
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text and "0 以上の整数" in bad.text
    cursor = await http.get("/console/documents", params={"cursor": "garbage"})
    assert cursor.status_code == 422
    missing = await http.get("/console/documents/no-such-envelope")
    assert missing.status_code == 404 and "見つかりません" in missing.text


async def test_roles_and_agencies_bound_what_staff_see_A4(stack, demo):
    http, csrf = demo
    made = await http.post(
        "/console/admin/users",
        data={
            "csrf": csrf,
            "name": "閲覧 花子",
            "login_id": "viewer",
            "email": "viewer@demo.example",
        },
    )
    temporary = re.search(r'data-test="temporary-password">([^<]+)<', made.text).group(1)
    viewer, vcsrf = await signed_in(stack.url, "viewer", temporary)
    try:
        changed = await viewer.post(
            "/console/password",
            data={
                "csrf": vcsrf,
                "current_password": temporary,
                "new_password": "Viewer2026",
                "new_password_again": "Viewer2026",
            },
        )
        assert changed.status_code == 303
        for path in ("/console/admin/users", "/console/send"):
            refused = await viewer.get(path)
            assert refused.status_code == 403 and "権限がありません" in refused.text
    finally:
        await viewer.aclose()

    api = {"Authorization": f"Bearer {stack.api_key}"}
    doc = await http.post(
        "/api/v1/documents", headers=api, files={"file": ("a.pdf", lease_pdf(1), "application/pdf")}
    )
    envelope = await http.post(
        "/api/v1/envelopes",
        headers=api,
        json={
            "title": "デモの契約",
            "document_id": doc.json()["id"],
            "parties": [{"name": "佐藤 一郎", "email": "iso@example.jp"}],
            "fields": [{"party": 0, "page": 1, "x": 100, "y": 100, "width": 60, "height": 60}],
        },
    )
    assert envelope.status_code == 201, envelope.text
    acme, _ = await other_agency_admin(stack, "acme", "Acme20261")
    try:
        assert "デモの契約" in (await http.get("/console/documents")).text
        assert "デモの契約" not in (await acme.get("/console/documents")).text
        envelope_id = envelope.json()["id"]
        for suffix in ("", "/preview", "/download"):
            other = await acme.get(f"/console/documents/{envelope_id}{suffix}")
            assert other.status_code == 404, (suffix, other.status_code)
    finally:
        await acme.aclose()


async def test_the_document_list_pages_through_every_envelope_once_D2(stack, demo):
    http, _ = demo
    api = {"Authorization": f"Bearer {stack.api_key}"}
    doc = await http.post(
        "/api/v1/documents", headers=api, files={"file": ("p.pdf", lease_pdf(1), "application/pdf")}
    )
    for n in range(23):
        made = await http.post(
            "/api/v1/envelopes",
            headers=api,
            json={
                "title": f"ページ送り {n:02d}",
                "document_id": doc.json()["id"],
                "parties": [{"name": "佐藤 一郎", "email": "page@example.jp"}],
                "fields": [{"party": 0, "page": 1, "x": 100, "y": 100, "width": 60, "height": 60}],
            },
        )
        assert made.status_code == 201
    seen: list[str] = []
    response = await http.get("/console/documents", params={"title": "ページ送り"})
    while True:
        seen += re.findall(r"<td class=\"title\">(ページ送り \d\d)</td>", response.text)
        following = re.search(r'href="([^"]+)" data-test="next"', response.text)
        if not following:
            break
        response = await http.get(following.group(1).replace("&amp;", "&"))
    assert sorted(seen) == [f"ページ送り {n:02d}" for n in range(23)]


async def test_a_reset_request_says_the_same_for_known_and_unknown_logins_A3(stack):
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        csrf = csrf_of((await http.get("/console/forgot")).text)
        empty = await http.post("/console/forgot", data={"csrf": csrf})
        assert empty.status_code == 422 and "入力してください" in empty.text
        known = await http.post("/console/forgot", data={"csrf": csrf, "login_name": "demo"})
        unknown = await http.post("/console/forgot", data={"csrf": csrf, "login_name": "nobody"})
        assert known.status_code == unknown.status_code == 200
        assert "再設定用のリンクを送信しました" in known.text
        assert known.text.replace("demo", "nobody") == unknown.text.replace("demo", "nobody")
        invalid = await http.get("/console/reset/not-a-token")
        assert invalid.status_code == 404 and "無効か、有効期限が切れています" in invalid.text
        post = await http.post(
            "/console/reset/not-a-token",
            data={"csrf": csrf, "new_password": "Abcd12345", "new_password_again": "Abcd12345"},
        )
        assert post.status_code == 404


async def test_re_request_and_cancel_refusals_are_shown_on_the_detail_page_D4_B3(stack, demo):
    http, csrf = demo
    api = {"Authorization": f"Bearer {stack.api_key}"}
    doc = await http.post(
        "/api/v1/documents", headers=api, files={"file": ("c.pdf", lease_pdf(1), "application/pdf")}
    )
    made = await http.post(
        "/api/v1/envelopes",
        headers=api,
        json={
            "title": "取消の確認",
            "document_id": doc.json()["id"],
            "send": True,
            "parties": [{"name": "佐藤 一郎", "email": "cancel@example.jp"}],
            "fields": [{"party": 0, "page": 1, "x": 100, "y": 100, "width": 60, "height": 60}],
        },
    )
    envelope = made.json()
    path = f"/console/documents/{envelope['id']}"
    party = envelope["parties"][0]["id"]
    nobody = await http.post(f"{path}/rerequest", data={"csrf": csrf})
    assert nobody.status_code == 422 and "相手方を選んでください" in nobody.text
    bad = await http.post(
        f"{path}/rerequest", data={"csrf": csrf, "party": party, f"email-{party}": "not-mail"}
    )
    assert bad.status_code == 422 and "メールアドレス" in bad.text
    cancelled = await http.post(f"{path}/cancel", data={"csrf": csrf, "reason": "条件変更のため"})
    assert cancelled.status_code == 303
    page = await http.get(cancelled.headers["location"])
    assert "署名依頼を取り消しました" in page.text and "取消" in page.text
    again = await http.post(f"{path}/cancel", data={"csrf": csrf})
    assert again.status_code == 409 and 'role="alert"' in again.text
