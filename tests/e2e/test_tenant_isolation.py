"""Tenants are isolated: no API key of one agency reaches another's
documents, envelopes, their files, messages, page images, webhooks or keys, on every API
endpoint that names one."""

import httpx
import pytest

from tests.support.pdfs import lease_pdf
from tests.support.stack import create_tenant

pytestmark = pytest.mark.e2e


async def test_another_agency_sees_nothing_of_ours_on_any_endpoint(stack):
    ours = {"Authorization": f"Bearer {stack.api_key}"}
    theirs_key = create_tenant(stack, f"other-{stack.port}", "ほか不動産")
    theirs = {"Authorization": f"Bearer {theirs_key}"}
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        up = await http.post(
            "/api/v1/documents",
            headers=ours,
            files={"file": ("a.pdf", lease_pdf(), "application/pdf")},
        )
        document_id = up.json()["id"]
        created = await http.post(
            "/api/v1/envelopes",
            headers=ours,
            json={
                "title": "契約",
                "document_id": document_id,
                "parties": [{"name": "佐藤 一郎", "email": "iso@example.jp"}],
                "fields": [{"party": 0, "page": 1, "x": 100, "y": 100, "width": 50, "height": 50}],
            },
        )
        envelope_id = created.json()["id"]
        party_id = created.json()["parties"][0]["id"]

        attempts = [
            ("GET", f"/api/v1/documents/{document_id}", None),
            ("GET", f"/api/v1/envelopes/{envelope_id}", None),
            ("POST", f"/api/v1/envelopes/{envelope_id}/send", None),
            ("POST", f"/api/v1/envelopes/{envelope_id}/cancel", {"reason": "乗っ取り"}),
            (
                "POST",
                f"/api/v1/envelopes/{envelope_id}/rerequest",
                {"parties": [{"party_id": party_id, "email": "x@example.jp"}]},
            ),
            ("PUT", f"/api/v1/envelopes/{envelope_id}/document-info", {"amount": 1}),
            ("GET", f"/api/v1/envelopes/{envelope_id}/messages", None),
            ("GET", f"/api/v1/envelopes/{envelope_id}/download", None),
            ("GET", f"/api/v1/envelopes/{envelope_id}/certificate", None),
            ("GET", f"/api/v1/envelopes/{envelope_id}/original", None),
            ("GET", f"/api/v1/documents/{document_id}/original", None),
            ("GET", f"/api/v1/documents/{document_id}/pages/1", None),
            (
                "POST",
                "/api/v1/envelopes",
                {
                    "title": "乗っ取り",
                    "document_id": document_id,
                    "parties": [{"name": "X", "email": "x@example.jp"}],
                    "fields": [{"party": 0, "page": 1, "x": 1, "y": 1, "width": 5, "height": 5}],
                },
            ),
        ]
        for method, path, body in attempts:
            response = await http.request(method, path, headers=theirs, json=body)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["code"] in ("document_not_found", "envelope_not_found")
        listed = await http.get("/api/v1/envelopes", headers=theirs)
        assert envelope_id not in {e["id"] for e in listed.json()["items"]}
        searched = await http.get("/api/v1/envelopes", headers=theirs, params={"title": "契約"})
        assert envelope_id not in {e["id"] for e in searched.json()["items"]}
        # and ours is untouched: still a draft, still ours
        mine = await http.get(f"/api/v1/envelopes/{envelope_id}", headers=ours)
        assert mine.json()["status"] == "draft"


async def test_webhooks_api_keys_and_idempotency_keys_stay_within_their_agency(stack):
    ours = {"Authorization": f"Bearer {create_tenant(stack, f'mine-{stack.port}', '自社不動産')}"}
    theirs = {"Authorization": f"Bearer {create_tenant(stack, f'yours-{stack.port}', '他社')}"}
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        hook = await http.post(
            "/api/v1/webhooks",
            headers=ours,
            json={"url": "http://127.0.0.1:9/hook", "events": ["envelope.sent"]},
        )
        assert hook.status_code == 201, hook.text
        hook_id = hook.json()["id"]
        key = await http.post(
            "/api/v1/api-keys", headers=ours, json={"name": "ours", "scopes": ["read"]}
        )
        key_id = key.json()["key_id"]

        attempts = [
            ("DELETE", f"/api/v1/webhooks/{hook_id}", "webhook_not_found"),
            ("POST", f"/api/v1/webhooks/{hook_id}/rotate-secret", "webhook_not_found"),
            ("GET", f"/api/v1/webhooks/{hook_id}/deliveries", "webhook_not_found"),
            (
                "POST",
                f"/api/v1/webhooks/{hook_id}/deliveries/msg_x/redeliver",
                "webhook_not_found",
            ),
            ("DELETE", f"/api/v1/api-keys/{key_id}", "api_key_not_found"),
        ]
        for method, path, code in attempts:
            response = await http.request(method, path, headers=theirs)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["code"] == code
        assert (await http.get("/api/v1/webhooks", headers=theirs)).json()["items"] == []
        their_keys = (await http.get("/api/v1/api-keys", headers=theirs)).json()["items"]
        assert key_id not in {k["key_id"] for k in their_keys}
        # ours is untouched
        assert [
            w["id"] for w in (await http.get("/api/v1/webhooks", headers=ours)).json()["items"]
        ] == [hook_id]
        assert (
            await http.get(
                "/api/v1/webhooks", headers={"Authorization": f"Bearer {key.json()['api_key']}"}
            )
        ).status_code == 200
