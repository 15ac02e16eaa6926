"""The public API's behaviour at its edge (B1) on the real stack: idempotent retries,
bounded bodies answered before they are read, rate limits, API keys and their scopes, and
one problem format for every bad input."""

import asyncio
import json

import httpx
import pytest

from tests.support.agency import bearer, envelope_body, upload
from tests.support.stack import create_tenant

pytestmark = pytest.mark.e2e


async def create_once(http, headers, key: str, body: dict) -> httpx.Response:  # type: ignore[no-untyped-def]
    """POST with an Idempotency-Key, waiting out `409 in progress` as a client would."""
    while True:
        response = await http.post(
            "/api/v1/envelopes", headers={**headers, "Idempotency-Key": key}, json=body
        )
        if response.status_code != 409 or response.json()["code"] != "idempotency_in_progress":
            return response
        await asyncio.sleep(float(response.headers["retry-after"]) / 10)


async def test_a_batch_retried_concurrently_creates_each_envelope_once(stack, request):
    n = 200 if "sqlite" in request.node.callspec.id else 20  # mongoeco: correctness only
    headers = bearer(create_tenant(stack, f"batch-{stack.port}", "一括不動産"))
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=stack.url, timeout=60, limits=limits) as http:
        document_id = await upload(http, headers)
        bodies = [envelope_body(document_id, f"更新契約 {i}") for i in range(n)]
        keys = [f"renewal-{stack.port}-{i}" for i in range(n)]
        calls = [create_once(http, headers, keys[i], bodies[i]) for i in range(n)]
        calls += [create_once(http, headers, keys[i], bodies[i]) for i in range(0, n, 2)]
        answers = await asyncio.gather(*calls)
        assert {a.status_code for a in answers} == {201}, {
            a.text for a in answers if a.status_code != 201
        }
        ids = [a.json()["id"] for a in answers]
        assert len(set(ids)) == n, "exactly one envelope per key"
        for i, retry in zip(range(0, n, 2), answers[n:], strict=True):
            assert retry.json() == answers[i].json(), "a retry gets the first answer"
        replayed = [a for a in answers if a.headers.get("idempotent-replayed") == "true"]
        assert len(replayed) == len(range(0, n, 2))

        listed = await http.get("/api/v1/envelopes", headers=headers, params={"limit": 100})
        total = listed.json()["items"]
        while cursor := listed.json().get("next_cursor"):
            listed = await http.get(
                "/api/v1/envelopes", headers=headers, params={"limit": 100, "cursor": cursor}
            )
            total += listed.json()["items"]
        assert len(total) == n and {e["id"] for e in total} == set(ids)


async def test_the_same_key_with_another_body_or_endpoint_is_refused(stack):
    headers = {**bearer(stack.api_key), "Idempotency-Key": f"k-{stack.port}-reuse"}
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        document_id = await upload(http, bearer(stack.api_key))
        first = await http.post(
            "/api/v1/envelopes", headers=headers, json=envelope_body(document_id)
        )
        assert first.status_code == 201
        other = await http.post(
            "/api/v1/envelopes", headers=headers, json=envelope_body(document_id, "別の契約")
        )
        assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
        elsewhere = await http.post(f"/api/v1/envelopes/{first.json()['id']}/send", headers=headers)
        assert elsewhere.status_code == 422
        bad_key = await http.post(
            "/api/v1/envelopes",
            headers={**headers, "Idempotency-Key": "x" * 300},
            json=envelope_body(document_id),
        )
        assert (
            bad_key.status_code == 422 and bad_key.json()["errors"][0]["code"] == "idempotency_key"
        )
        # another agency's identical key is its own
        theirs = bearer(create_tenant(stack, f"reuse-{stack.port}", "別不動産"))
        their_doc = await upload(http, theirs)
        again = await http.post(
            "/api/v1/envelopes",
            headers={**theirs, "Idempotency-Key": headers["Idempotency-Key"]},
            json=envelope_body(their_doc),
        )
        assert again.status_code == 201 and again.json()["id"] != first.json()["id"]


async def test_cancel_and_rerequest_retried_with_their_key_get_the_first_answer_d4(stack):
    headers = bearer(create_tenant(stack, f"retry-{stack.port}", "再送不動産"))
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as http:
        document_id = await upload(http, {})
        body = {**envelope_body(document_id, "再依頼の契約", f"r-{stack.port}@example.jp")}
        created = await http.post("/api/v1/envelopes", json={**body, "send": True})
        assert created.status_code == 201, created.text
        envelope_id = created.json()["id"]
        party_id = created.json()["parties"][0]["id"]

        path = f"/api/v1/envelopes/{envelope_id}/rerequest"
        again = {"parties": [{"party_id": party_id, "email": f"r2-{stack.port}@example.jp"}]}
        keyed = {"Idempotency-Key": f"rerequest-{stack.port}"}
        first = await http.post(path, json=again, headers=keyed)
        assert first.status_code == 200, first.text
        retry = await http.post(path, json=again, headers=keyed)
        assert retry.status_code == 200 and retry.json() == first.json()
        assert retry.headers["idempotent-replayed"] == "true"
        unkeyed = await http.post(path, json=again)
        assert unkeyed.status_code == 429, "run again, it would be too soon: the retry was not"
        assert unkeyed.json()["code"] == "rerequest_too_soon"
        other = await http.post(path, json={"parties": [{"party_id": party_id}]}, headers=keyed)
        assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"

        path = f"/api/v1/envelopes/{envelope_id}/cancel"
        keyed = {"Idempotency-Key": f"cancel-{stack.port}"}
        reason = {"reason": "条件変更のため"}
        first = await http.post(path, json=reason, headers=keyed)
        assert first.status_code == 200 and first.json()["status"] == "cancelled", first.text
        retry = await http.post(path, json=reason, headers=keyed)
        assert retry.status_code == 200 and retry.json() == first.json()
        assert retry.headers["idempotent-replayed"] == "true"
        unkeyed = await http.post(path, json=reason)
        assert unkeyed.status_code == 409 and unkeyed.json()["code"] == "envelope_closed"


async def raw_post(stack, path: str, headers: dict[str, str], declared: int) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    """Declare a huge body, send a few bytes of it, and read the answer."""
    host, port = "127.0.0.1", stack.port
    reader, writer = await asyncio.open_connection(host, port)
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {declared}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + b'{"title": "' + b"x" * 1000)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split()[1])
    length = int(
        next(
            line.split(b":")[1]
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    body = json.loads(await reader.readexactly(length))
    writer.close()
    return status, body


async def test_a_huge_body_is_answered_before_it_is_read(stack):
    json_type = {"Content-Type": "application/json"}
    status, problem = await raw_post(stack, "/api/v1/envelopes", json_type, 300 * 1024 * 1024)
    assert status == 401 and problem["code"] == "api_key_required"
    status, problem = await raw_post(
        stack, "/api/v1/envelopes", {**json_type, **bearer(stack.api_key)}, 300 * 1024 * 1024
    )
    assert status == 413 and problem["code"] == "body_too_large"
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:

        async def chunked():  # no Content-Length: counted as it arrives
            for _ in range(40):
                yield b" " * 64 * 1024

        response = await http.post(
            "/api/v1/envelopes", headers={**json_type, **bearer(stack.api_key)}, content=chunked()
        )
        assert response.status_code == 413 and response.json()["code"] == "body_too_large"


async def test_rate_limits_answer_429_with_retry_after_and_ratelimit_headers(stack):
    admin = bearer(create_tenant(stack, f"limits-{stack.port}", "制限不動産"))
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        made = await http.post(
            "/api/v1/api-keys",
            headers=admin,
            json={"name": "batch", "scopes": ["read"], "rate_limit": 3},
        )
        assert made.status_code == 201, made.text
        limited = bearer(made.json()["api_key"])
        answers = [await http.get("/api/v1/webhooks", headers=limited) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert answers[0].headers["ratelimit-limit"] == "3"
        refused = answers[3]
        assert refused.json()["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert int(refused.headers["ratelimit-reset"]) == int(refused.headers["retry-after"])
        # the admin key of the same agency has its own budget
        assert (await http.get("/api/v1/webhooks", headers=admin)).status_code == 200


async def test_api_keys_are_shown_once_scoped_listed_and_revoked(stack):
    admin = bearer(create_tenant(stack, f"keys-{stack.port}", "鍵不動産"))
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        made = await http.post(
            "/api/v1/api-keys", headers=admin, json={"name": "基幹システム", "scopes": ["read"]}
        )
        assert made.status_code == 201
        key = made.json()
        reader = bearer(key["api_key"])
        assert (await http.get("/api/v1/webhooks", headers=reader)).status_code == 200
        write = await http.post(
            "/api/v1/webhooks",
            headers=reader,
            json={"url": "https://x.example/h", "events": ["envelope.sent"]},
        )
        assert write.status_code == 403 and write.json()["code"] == "scope_missing"
        escalate = await http.post(
            "/api/v1/api-keys", headers=reader, json={"name": "x", "scopes": ["admin"]}
        )
        assert escalate.status_code == 403
        listed = (await http.get("/api/v1/api-keys", headers=admin)).json()["items"]
        assert key["key_id"] in {k["key_id"] for k in listed}
        assert all("api_key" not in k for k in listed), "a key is shown only once"
        revoked = await http.delete(f"/api/v1/api-keys/{key['key_id']}", headers=admin)
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        after = await http.get("/api/v1/webhooks", headers=reader)
        assert after.status_code == 401 and after.json()["code"] == "api_key_invalid"
        missing = await http.delete("/api/v1/api-keys/key_nothing", headers=admin)
        assert missing.status_code == 404 and missing.json()["code"] == "api_key_not_found"


async def test_bad_inputs_are_problems_never_framework_errors(stack):
    headers = bearer(stack.api_key)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        from tests.support.pdfs import lease_pdf

        long_name = await http.post(
            "/api/v1/documents",
            headers=headers,
            files={"file": ("x" * 5000 + ".pdf", lease_pdf(), "application/pdf")},
        )
        assert long_name.headers["content-type"] == "application/problem+json", long_name.text
        assert long_name.status_code == 400 and long_name.json()["code"] == "bad_request"
        document_id = await upload(http, headers)
        body = envelope_body(document_id)
        raw = json.dumps(body).replace('"x": 100', '"x": Infinity')
        infinite = await http.post(
            "/api/v1/envelopes",
            headers={**headers, "Content-Type": "application/json"},
            content=raw,
        )
        assert infinite.status_code == 422, infinite.text
        assert infinite.json()["errors"][0]["pointer"] == "/fields/0/x"
        not_json = await http.post(
            "/api/v1/envelopes",
            headers={**headers, "Content-Type": "application/json"},
            content=b"{",
        )
        assert not_json.status_code == 422 and not_json.json()["code"] == "invalid_input"


async def test_a_page_preview_is_a_png_of_the_page_as_displayed_d5(stack):
    headers = bearer(stack.api_key)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        document_id = await upload(http, headers)
        preview = await http.get(f"/api/v1/documents/{document_id}/pages/1", headers=headers)
        assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"
        assert preview.content.startswith(b"\x89PNG")
        missing = await http.get(f"/api/v1/documents/{document_id}/pages/9", headers=headers)
        assert missing.status_code == 404 and missing.json()["code"] == "page_not_found"
