"""Webhooks (B1) on the real stack: signed the Standard Webhooks way, retried through
broker delay queues until accepted, one receiver's hang never delaying another's, secrets
rotated with both signing for a while, and a delivery sent again on request."""

import asyncio
import json

import httpx
import pytest

from services.webhooks.signatures import verify
from tests.support.agency import bearer, envelope_body, upload
from tests.support.receiver import Receiver, running
from tests.support.stack import create_tenant

pytestmark = pytest.mark.e2e


def signed_by(secret: str, request) -> bool:  # type: ignore[no-untyped-def]
    h = request.headers
    return verify(
        secret, h["webhook-id"], h["webhook-timestamp"], request.body, h["webhook-signature"]
    )


async def subscribe(http, headers, url: str, events: list[str]) -> dict:  # type: ignore[no-untyped-def]
    response = await http.post(
        "/api/v1/webhooks", headers=headers, json={"url": url, "events": events}
    )
    assert response.status_code == 201, response.text
    webhook = response.json()
    assert webhook["secret"].startswith("whsec_")
    return webhook


async def settled(http, headers, webhook_id: str, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """The deliveries once the service has recorded each one's last attempt."""

    async def poll() -> list[dict]:
        while True:
            response = await http.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=headers)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            if len(items) == count and all(d["status"] == "succeeded" for d in items):
                return items
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(poll(), 60)


async def test_each_event_is_accepted_once_signed_after_failures_and_a_hang_delays_no_one(stack):
    headers = bearer(create_tenant(stack, f"hooks-{stack.port}", "フック不動産"))
    flaky, hanging, healthy = Receiver(fail_first=3), Receiver(hang=True), Receiver()
    async with (
        running(flaky),
        running(hanging),
        running(healthy),
        httpx.AsyncClient(base_url=stack.url, timeout=30) as http,
    ):
        hooks = {
            name: await subscribe(http, headers, r.url, ["envelope.sent"])
            for name, r in (("flaky", flaky), ("hanging", hanging), ("healthy", healthy))
        }
        document_id = await upload(http, headers)
        sent = []
        for i in range(3):
            body = {**envelope_body(document_id, f"契約 {i}"), "send": True}
            created = await http.post("/api/v1/envelopes", headers=headers, json=body)
            assert created.status_code == 201, created.text
            sent.append(created.json()["id"])

        # the healthy receiver gets all three while the hanging one still holds its first
        await healthy.wait_for(lambda: len(healthy.accepted()) == 3)
        assert hanging.requests and not hanging.release.is_set()
        assert not hanging.accepted() or all(r.status for r in hanging.requests)
        await flaky.wait_for(lambda: len(flaky.accepted()) == 3)

        accepted_ids = [r.headers["webhook-id"] for r in flaky.accepted()]
        assert len(set(accepted_ids)) == 3, "each event accepted exactly once"
        for webhook_id in accepted_ids:
            attempts = [r for r in flaky.requests if r.headers["webhook-id"] == webhook_id]
            assert [r.status for r in attempts] == [500, 500, 500, 204]
            assert len({r.body for r in attempts}) == 1, "the same body on every attempt"
        for request in flaky.requests:
            assert signed_by(hooks["flaky"]["secret"], request)
        events = [json.loads(r.body) for r in flaky.accepted()]
        assert {e["type"] for e in events} == {"envelope.sent"}
        assert sorted(e["data"]["envelope_id"] for e in events) == sorted(sent)
        assert all("tenant_id" not in e["data"] for e in events)

        deliveries = await settled(http, headers, hooks["flaky"]["id"], 3)
        for delivery in deliveries:
            assert delivery["status"] == "succeeded"
            assert [a["ok"] for a in delivery["attempts"]] == [False, False, False, True]
            assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 204]
        hanging.release.set()


async def test_a_rotated_secret_and_the_previous_one_both_sign_and_a_delivery_can_be_repeated(
    stack,
):
    headers = bearer(create_tenant(stack, f"rotate-{stack.port}", "ローテ不動産"))
    receiver = Receiver()
    async with running(receiver), httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        hook = await subscribe(http, headers, receiver.url, ["envelope.sent", "party.signed"])
        rotated = await http.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=headers)
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret != hook["secret"] and rotated.json()["secret_previous_valid_until"]
        listed = await http.get("/api/v1/webhooks", headers=headers)
        assert [w["id"] for w in listed.json()["items"]] == [hook["id"]]
        assert listed.json()["items"][0]["secret"] is None, "a secret is shown only once"

        document_id = await upload(http, headers)
        body = {**envelope_body(document_id), "send": True}
        assert (await http.post("/api/v1/envelopes", headers=headers, json=body)).status_code == 201
        await receiver.wait_for(lambda: len(receiver.accepted()) == 1)
        [first] = receiver.accepted()
        assert len(first.headers["webhook-signature"].split()) == 2
        assert signed_by(new_secret, first) and signed_by(hook["secret"], first)

        deliveries = (
            await http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers)
        ).json()["items"]
        again = await http.post(
            f"/api/v1/webhooks/{hook['id']}/deliveries/{deliveries[0]['id']}/redeliver",
            headers=headers,
        )
        assert again.status_code == 202, again.text
        await receiver.wait_for(lambda: len(receiver.accepted()) == 2)
        second = receiver.accepted()[1]
        assert second.headers["webhook-id"] == first.headers["webhook-id"]
        assert second.body == first.body

        deleted = await http.delete(f"/api/v1/webhooks/{hook['id']}", headers=headers)
        assert deleted.status_code == 200
        gone = await http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=headers)
        assert gone.status_code == 404 and gone.json()["code"] == "webhook_not_found"


FORBIDDEN = [
    ("ftp://x.example/h", "invalid_webhook_url", "scheme"),
    ("file:///etc/passwd", "invalid_webhook_url", "scheme"),
    ("https://user:pw@x.example/h", "invalid_webhook_url", "credentials"),
    ("https://x.example:99999/h", "invalid_webhook_url", "malformed"),
    ("http://10.0.0.5/h", "webhook_url_forbidden", "private"),
    ("http://192.168.1.10:8080/h", "webhook_url_forbidden", "private"),
    ("http://169.254.169.254/latest/meta-data/", "webhook_url_forbidden", "metadata"),
    ("http://169.254.1.1/h", "webhook_url_forbidden", "link_local"),
    ("http://[::1]:8080/h", "webhook_url_forbidden", "loopback"),
    ("http://[::ffff:10.0.0.1]/h", "webhook_url_forbidden", "private"),
    ("http://0x0a000001/h", "webhook_url_forbidden", "private"),
    ("http://0.0.0.0:8080/h", "webhook_url_forbidden", "reserved"),
]
"""The test stack allows 127.0.0.0/8 for its receivers, nothing else."""


async def test_a_subscription_is_refused_with_a_problem_for_a_bad_url_or_event(stack):
    headers = bearer(stack.api_key)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        for url, code, reason in FORBIDDEN:
            refused = await http.post(
                "/api/v1/webhooks",
                headers=headers,
                json={"url": url, "events": ["envelope.sent"]},
            )
            assert refused.status_code == 422, (url, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert (refused.json()["code"], refused.json()["params"]["reason"]) == (code, reason)
        bad_event = await http.post(
            "/api/v1/webhooks",
            headers=headers,
            json={"url": "https://x.example/h", "events": ["envelope.exploded"]},
        )
        assert bad_event.status_code == 422 and bad_event.json()["code"] == "invalid_event_types"
        listed = (await http.get("/api/v1/webhooks", headers=headers)).json()["items"]
        assert not any(w["url"] == url for w in listed for url, _, _ in FORBIDDEN)
