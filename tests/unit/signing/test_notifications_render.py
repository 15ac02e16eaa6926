"""Every notification the envelope can ask for renders from the parameters it really sends
(G1, G2, G4, G7, B3): a misnamed parameter fails here, not in a worker at night."""

from datetime import timedelta

from services.common.commands import ReRequestParty
from services.common.events import NotificationRequested
from services.notify.templates import render
from tests.unit.signing.builders import (
    LINK,
    NOW,
    SENDER,
    enter_code,
    party,
    secrets_counter,
    sent,
    sign,
    signer,
)

SHARE_ONLY = "id-2"
"""The third party's id: the builders draw ids in order, parties first."""


def every_notification() -> list[NotificationRequested]:
    requested: list[NotificationRequested] = []

    def keep(envelope) -> None:
        requested.extend(
            e for e in envelope.collect_events() if isinstance(e, NotificationRequested)
        )

    parties = [
        party(
            "佐藤 一郎", 1, access_code="19850505", access_code_hint="生年月日", comment="宜しく"
        ),
        party("鈴木 花子", 2, phone="09012345678", email=None),
        party("ABC家賃保証株式会社", None, signs=False, kind="corporation"),
    ]
    envelope = sent(parties)
    for _ in range(5):
        enter_code(envelope, 0, False)
    envelope.rerequest(
        [ReRequestParty(party_id=envelope.parties[0].id)],
        now=NOW,
        who=SENDER,
        new_token=secrets_counter(),
        link_for=LINK,
    )
    envelope.tick(NOW + timedelta(days=3), secrets_counter(), LINK)
    enter_code(envelope, 0, True, "s")
    sign(envelope, 0, session_hash="s")
    sign(envelope, 1)
    envelope.complete("blob", "sha", NOW, secrets_counter(), LINK)
    keep(envelope)
    declined = sent(parties)
    enter_code(declined, 0, True, "d")
    declined.decline(declined.parties[0].id, 1, "d", "内容が違います", NOW, signer(declined, 0))
    keep(declined)
    cancelled = sent(parties)
    cancelled.cancel("取り下げ", NOW, SENDER)
    keep(cancelled)
    expired = sent(parties)
    expired.tick(NOW + timedelta(days=31), secrets_counter(), LINK)
    keep(expired)
    return requested


def test_every_notification_the_domain_requests_renders_from_what_it_sends():
    requested = every_notification()
    kinds = {n.kind for n in requested}
    assert {
        "signature_request",
        "signature_rerequest",
        "signature_reminder",
        "signature_completed",
        "access_locked",
        "envelope_declined",
        "envelope_cancelled",
        "envelope_expired",
    } <= kinds
    for n in requested:
        message = render(n.params, n.channel)
        assert message.text.strip(), n.kind
        assert "賃貸借契約書" in message.text
        if n.channel == "sms":
            assert "宜しく" not in message.text  # the comment is for e-mail only (S12)


def test_g2_the_lockout_mail_to_the_sender_names_the_document_and_the_party():
    [locked] = [n for n in every_notification() if n.kind == "access_locked"]
    assert locked.to == "staff@demo.example"
    message = render(locked.params, locked.channel)
    assert "賃貸借契約書" in message.text and "佐藤 一郎" in message.text
    assert "デモ不動産" in message.text


def test_share_only_recipients_get_only_the_finished_contract():
    share_only = [n for n in every_notification() if n.party_id == SHARE_ONLY]
    assert [n.kind for n in share_only] == ["signature_completed"]
