"""Webhook rules without I/O: Standard Webhooks signatures, secret rotation with an
overlap, and a delivery's outcome after each attempt."""

from datetime import UTC, datetime, timedelta

import pytest

from services.common.messages import Refused
from services.webhooks.model import Attempt, Delivery, Subscription
from services.webhooks.signatures import headers, new_secret, sign, verify

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_signature_matches_the_standard_webhooks_reference_vector():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert (
        sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_every_valid_secret_signs_and_each_verifies_alone():
    old, new = new_secret(), new_secret()
    h = headers([new, old], "msg_1", 1700000000, b"{}")
    assert len(h["webhook-signature"].split()) == 2
    for secret in (old, new):
        assert verify(secret, "msg_1", "1700000000", b"{}", h["webhook-signature"])
    assert not verify(new_secret(), "msg_1", "1700000000", b"{}", h["webhook-signature"])
    assert not verify(new, "msg_1", "1700000000", b"{ }", h["webhook-signature"])


def subscription() -> Subscription:
    return Subscription.create(
        id="wh_1",
        tenant_id="t",
        url="https://agency.example/hooks",
        events=["envelope.sent", "envelope.sent", "party.signed"],
        description=None,
        secret="whsec_AAAA",
        now=NOW,
    )


def test_a_rotated_secret_signs_beside_the_new_one_until_the_overlap_ends():
    sub = subscription()
    assert sub.events == ["envelope.sent", "party.signed"]
    sub.rotate("whsec_BBBB", NOW, timedelta(hours=24))
    assert sub.current_secret == "whsec_BBBB"
    assert sub.signing_secrets(NOW + timedelta(hours=23)) == ["whsec_BBBB", "whsec_AAAA"]
    assert sub.signing_secrets(NOW + timedelta(hours=24)) == ["whsec_BBBB"]
    sub.rotate("whsec_CCCC", NOW + timedelta(hours=1), timedelta(hours=24))
    assert sub.signing_secrets(NOW + timedelta(hours=2)) == ["whsec_CCCC", "whsec_BBBB"]


@pytest.mark.parametrize(
    ("url", "events"),
    [
        ("ftp://agency.example/h", ["envelope.sent"]),
        ("https://agency.example/a b", ["envelope.sent"]),
        ("https://agency.example/h", ["envelope.exploded"]),
        ("https://agency.example/h", []),
    ],
)
def test_a_subscription_needs_an_http_url_and_known_events(url, events):
    with pytest.raises(Refused):
        Subscription.create(
            id="wh", tenant_id="t", url=url, events=events, description=None, secret="s", now=NOW
        )


def test_a_delivery_retries_until_accepted_or_the_last_attempt_fails():
    delivery = Delivery(
        id=Delivery.id_for("wh_1", "ev_1"),
        tenant_id="t",
        webhook_id="wh_1",
        event_type="envelope.sent",
        event_id="ev_1",
        body="{}",
        created_at=NOW,
    )
    assert delivery.id == Delivery.id_for("wh_1", "ev_1") != Delivery.id_for("wh_2", "ev_1")
    delivery.record(Attempt(at=NOW, status_code=503, duration_ms=5), final=False)
    assert delivery.status == "retrying"
    delivery.record(Attempt(at=NOW, error="timeout", duration_ms=10_000), final=True)
    assert delivery.status == "failed"
    delivery.redeliver()
    delivery.record(Attempt(at=NOW, status_code=204, duration_ms=5), final=False)
    assert delivery.status == "succeeded" and len(delivery.attempts) == 3
