"""The workflow after sending (S13, S14, S18, G4–G7, D3, D4, B3), on the pure model."""

from datetime import timedelta

import pytest

from services.common.commands import ReRequestParty
from services.common.events import (
    EnvelopeCancelled,
    EnvelopeDeclined,
    EnvelopeExpired,
    EnvelopeSigned,
    NotificationRequested,
)
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.values import DocumentInfo, ReminderSettings
from services.signing.audit_trail import verify_chain
from services.signing.model import Envelope
from tests.unit.signing.builders import (
    LINK,
    NOW,
    SENDER,
    enter_code,
    notifications,
    party,
    secrets_counter,
    sent,
    sign,
    signer,
)

RENTAL = [
    party("佐藤 一郎", 1, role="tenant", access_code="19850505"),
    party("佐藤 二郎", 1, role="guarantor"),
    party("取引士 三", 2, role="agent"),
    party("鈴木 花子", 3, role="landlord", signer_change_allowed=True),
    party("ABC家賃保証株式会社", None, role="other", kind="corporation", signs=False),
]


def rental() -> Envelope:
    return sent(RENTAL, contract_type="rental_with_guarantor")


def test_g4_decline_ends_the_envelope_and_tells_the_sender_and_everyone_asked():
    envelope = rental()
    envelope.collect_events()
    guarantor = envelope.parties[1]
    envelope.decline(
        guarantor.id, guarantor.link_serial, None, "内容に誤りがあります", NOW, signer(envelope, 1)
    )
    events = envelope.collect_events()
    told = [(e.kind, e.to) for e in events if isinstance(e, NotificationRequested)]
    assert ("envelope_declined", "staff@demo.example") in told
    assert ("envelope_declined", envelope.parties[0].email) in told
    assert all(to != envelope.parties[2].email for _, to in told)  # never asked: not told
    assert any(isinstance(e, EnvelopeDeclined) for e in events)
    assert envelope.status == "declined" and guarantor.status == "declined"
    with pytest.raises(Refused) as exc:
        sign(envelope, 0, session_hash="x")
    assert exc.value.code in (RefusalCode.envelope_closed, RefusalCode.access_code_required)


def test_s14_signer_change_asks_the_new_person_and_kills_the_old_link():
    envelope = rental()
    enter_code(envelope, 0, True, "s0")
    sign(envelope, 0, session_hash="s0")
    sign(envelope, 1)
    sign(envelope, 2)
    envelope.collect_events()
    landlord = envelope.parties[3]
    old_serial = landlord.link_serial
    new = envelope.hand_over(
        landlord.id,
        old_serial,
        None,
        name="鈴木 一郎",
        email="ichiro@example.jp",
        phone=None,
        new_party_id="p-new",
        now=NOW,
        who=signer(envelope, 3),
        new_token=secrets_counter("n"),
        link_for=LINK,
    )
    assert landlord.status == "replaced" and landlord.replaced_by == new.id
    assert new.status == "asked" and new.role == "landlord" and new.signing_order == 3
    assert [e.to for e in notifications(envelope)] == ["ichiro@example.jp"]
    assert all(f.party_id != landlord.id for f in envelope.fields)
    with pytest.raises(Refused) as exc:
        envelope.by_link(landlord.id, old_serial)
    assert exc.value.code == RefusalCode.party_replaced
    actions = [e.action for e in envelope.audit.entries]
    assert "signer_changed" in actions and actions[-1] == "asked"
    sign(envelope, 5, consent=True)
    assert envelope.status == "signed"


def test_s14_signer_change_is_refused_where_not_allowed():
    envelope = rental()
    guarantor = envelope.parties[1]
    with pytest.raises(Refused) as exc:
        envelope.hand_over(
            guarantor.id,
            guarantor.link_serial,
            None,
            name="x",
            email="x@example.jp",
            phone=None,
            new_party_id="n",
            now=NOW,
            who=signer(envelope, 1),
            new_token=secrets_counter(),
            link_for=LINK,
        )
    assert exc.value.code == RefusalCode.signer_change_not_allowed


def test_d4_rerequest_unlocks_corrects_gives_a_new_link_and_waits_five_minutes():
    envelope = rental()
    for _ in range(5):
        enter_code(envelope, 0, False)
    tenant = envelope.parties[0]
    assert tenant.status == "locked"
    old_serial = tenant.link_serial
    envelope.collect_events()
    envelope.rerequest(
        [ReRequestParty(party_id=tenant.id, email="sato.new@example.jp")],
        now=NOW,
        who=SENDER,
        new_token=secrets_counter("r"),
        link_for=LINK,
    )
    assert tenant.status == "asked" and tenant.failed_attempts == 0
    assert tenant.email == "sato.new@example.jp"
    [asked_again] = notifications(envelope)
    assert asked_again.to == "sato.new@example.jp"
    assert asked_again.params.kind == "signature_rerequest"  # its own words (D4)
    with pytest.raises(Refused):
        envelope.by_link(tenant.id, old_serial)
    corrected = [e for e in envelope.audit.entries if e.action == "contact_corrected"]
    assert corrected[0].detail["email"] != "sato.new@example.jp"
    with pytest.raises(Refused) as exc:
        envelope.rerequest(
            [ReRequestParty(party_id=tenant.id)],
            now=NOW + timedelta(minutes=4),
            who=SENDER,
            new_token=secrets_counter(),
            link_for=LINK,
        )
    assert exc.value.code == RefusalCode.rerequest_too_soon
    envelope.rerequest(
        [ReRequestParty(party_id=tenant.id)],
        now=NOW + timedelta(minutes=5),
        who=SENDER,
        new_token=secrets_counter("q"),
        link_for=LINK,
    )
    with pytest.raises(Refused) as exc:
        envelope.rerequest(
            [ReRequestParty(party_id=envelope.parties[3].id)],
            now=NOW,
            who=SENDER,
            new_token=secrets_counter(),
            link_for=LINK,
        )
    assert exc.value.code == RefusalCode.party_not_asked  # landlord: not asked yet


def test_d4_a_corrected_address_is_checked_like_a_new_one():
    envelope = rental()
    with pytest.raises(Refused) as exc:
        envelope.rerequest(
            [ReRequestParty(party_id=envelope.parties[1].id, email="<x@y.jp>")],
            now=NOW,
            who=SENDER,
            new_token=secrets_counter(),
            link_for=LINK,
        )
    assert [(e.code, e.party) for e in exc.value.errors] == [("invalid_email", 1)]


def test_s18_consent_for_rental_tenant_and_landlord_after_signing_recorded_once():
    envelope = rental()
    enter_code(envelope, 0, True, "s0")
    tenant = envelope.parties[0]
    with pytest.raises(Refused) as exc:
        envelope.consent_by_link(
            tenant.id, tenant.link_serial, "s0", True, NOW, signer(envelope, 0)
        )
    assert exc.value.code == RefusalCode.consent_not_applicable  # not signed yet
    sign(envelope, 0, session_hash="s0")
    assert envelope.consent_asked(tenant)
    envelope.consent_by_link(tenant.id, tenant.link_serial, "s0", False, NOW, signer(envelope, 0))
    assert tenant.consent == "refused" and tenant.consent_at == NOW
    with pytest.raises(Refused) as exc:
        envelope.consent_by_link(
            tenant.id, tenant.link_serial, "s0", True, NOW, signer(envelope, 0)
        )
    assert exc.value.code == RefusalCode.consent_already_answered
    guarantor = envelope.parties[1]
    sign(envelope, 1)
    with pytest.raises(Refused):
        envelope.consent_by_link(
            guarantor.id, guarantor.link_serial, None, True, NOW, signer(envelope, 1)
        )


def test_s18_consent_given_on_signing_is_in_the_audit_certificate():
    envelope = sent([party("佐藤 一郎", role="tenant")], contract_type="rental_without_guarantor")
    envelope.collect_events()
    sign(envelope, 0, consent=True)
    [signed] = [e for e in envelope.collect_events() if isinstance(e, EnvelopeSigned)]
    assert signed.parties[0].article37_consent == "given"
    assert signed.contract_type == "rental_without_guarantor"


def test_s18_no_consent_for_other_contract_types():
    envelope = sent([party("佐藤 一郎", role="tenant")])
    sign(envelope, 0)
    with pytest.raises(Refused) as exc:
        p = envelope.parties[0]
        envelope.consent_by_link(p.id, p.link_serial, None, True, NOW, signer(envelope, 0))
    assert exc.value.code == RefusalCode.consent_not_applicable


def test_b3_reminders_after_n_then_every_m_days_and_expiry_after_k():
    envelope = sent(
        [party("佐藤 一郎")],
        reminders=ReminderSettings(remind_after_days=3, remind_every_days=2, expire_after_days=10),
    )
    envelope.collect_events()
    assert envelope.due_at == NOW + timedelta(days=3)
    assert not envelope.tick(NOW + timedelta(days=2), secrets_counter(), LINK)
    assert envelope.tick(NOW + timedelta(days=3), secrets_counter("a"), LINK)
    [reminder] = notifications(envelope)
    assert reminder.kind == "signature_reminder"
    assert not envelope.tick(NOW + timedelta(days=4), secrets_counter(), LINK)  # not twice
    assert envelope.due_at == NOW + timedelta(days=5)
    assert envelope.tick(NOW + timedelta(days=9, hours=1), secrets_counter("b"), LINK)
    assert len(notifications(envelope)) == 1  # one reminder after a pause, not three
    assert envelope.tick(NOW + timedelta(days=10), secrets_counter(), LINK)
    assert envelope.status == "expired" and envelope.due_at is None
    events = envelope.collect_events()
    assert any(isinstance(e, EnvelopeExpired) for e in events)
    assert [(e.kind, e.to) for e in events if isinstance(e, NotificationRequested)] == [
        ("envelope_expired", "staff@demo.example")
    ]


def test_b3_cancel_tells_every_party_asked_and_closes_the_links():
    envelope = rental()
    envelope.collect_events()
    envelope.cancel("条件変更のため", NOW, SENDER)
    events = envelope.collect_events()
    assert any(isinstance(e, EnvelopeCancelled) for e in events)
    told = sorted(e.to for e in events if isinstance(e, NotificationRequested))
    assert told == sorted([envelope.parties[0].email, envelope.parties[1].email])
    with pytest.raises(Refused) as exc:
        envelope.cancel(None, NOW, SENDER)
    assert exc.value.code == RefusalCode.envelope_closed
    with pytest.raises(Refused):
        sign(envelope, 1)


def test_d3_history_records_actor_ip_and_ua_and_detects_edits_and_removals():
    envelope = rental()
    sign(envelope, 1)
    entries = envelope.audit.entries
    signed = next(e for e in entries if e.action == "signed")
    assert (signed.actor, signed.ip, signed.user_agent) == ("佐藤 二郎", "198.51.100.7", "phone")
    sent_entry = next(e for e in entries if e.action == "sent")
    assert sent_entry.actor == "staff@demo.example"
    head, length = envelope.audit.head, envelope.audit.length
    assert verify_chain(entries, head, length).intact
    edited = [e.model_copy() for e in entries]
    edited[2] = edited[2].model_copy(update={"ip": "10.0.0.1"})
    assert verify_chain(edited, head, length).first_bad_seq == 3
    assert verify_chain(entries[:2] + entries[3:], head, length).first_bad_seq == 3
    assert not verify_chain(entries[:-1], head, length).intact  # the last one removed


def test_document_info_is_set_at_creation_and_corrections_stay_in_the_history():
    envelope = sent(RENTAL, document_info=DocumentInfo(amount=85_000))
    assert envelope.document_info.counterparty == "佐藤 一郎"
    envelope.correct_document_info(
        DocumentInfo(amount=90_000, counterparty="佐藤 一郎"), NOW, SENDER
    )
    [entry] = [e for e in envelope.audit.entries if e.action == "document_info_corrected"]
    assert entry.detail["amount"] == "85000" and envelope.document_info.amount == 90_000


def test_a_double_clicked_sign_changes_nothing_twice():
    envelope = sent([party("佐藤 一郎", 1), party("鈴木 花子", 2)])
    sign(envelope, 0)
    before = envelope.model_dump()
    with pytest.raises(Refused) as exc:
        sign(envelope, 0)
    assert exc.value.code == RefusalCode.already_signed
    assert envelope.model_dump() == before
