"""Rules of the envelope aggregate (S7, S9, S11, S13, S16, G2, G7), without any I/O.

Ids, tokens and digests are plain values here: the model draws and hashes nothing."""

import pytest

from services.common.commands import FieldInput
from services.common.events import (
    EnvelopeCompleted,
    EnvelopeSent,
    EnvelopeSigned,
    NotificationRequested,
    PartySigned,
)
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.signing.model import MAX_ACCESS_ATTEMPTS
from tests.unit.signing.builders import (
    LINK,
    NOW,
    SENDER,
    box,
    enter_code,
    make,
    notifications,
    party,
    secrets_counter,
    sign,
)


def test_s13_only_the_first_signing_order_is_asked_when_sent():
    envelope = make([party("佐藤 一郎", 1), party("鈴木 花子", 2)])
    envelope.send(NOW, secrets_counter(), LINK, SENDER)
    events = envelope.collect_events()
    asked = [e for e in events if isinstance(e, NotificationRequested)]
    assert [e.params.recipient_name for e in asked] == ["佐藤 一郎"]
    assert any(isinstance(e, EnvelopeSent) for e in events)
    assert [p.status for p in envelope.parties] == ["asked", "waiting"]


def test_s13_same_order_is_asked_at_the_same_time_and_next_after_all_signed():
    new_secret = secrets_counter()
    envelope = make([party("A 一", 1), party("B 二", 1), party("C 三", 2)])
    envelope.send(NOW, new_secret, LINK, SENDER)
    assert len(notifications(envelope)) == 2
    sign(envelope, 0)
    assert notifications(envelope) == []
    sign(envelope, 1)
    asked = notifications(envelope)
    assert [e.params.recipient_name for e in asked] == ["C 三"]


def test_signing_out_of_turn_is_refused():
    envelope = make([party("A 一", 1), party("B 二", 2)])
    envelope.send(NOW, secrets_counter(), LINK, SENDER)
    with pytest.raises(Refused) as exc:
        sign(envelope, 1)
    assert exc.value.code == RefusalCode.not_your_turn


def test_g7_last_signature_completes_and_everyone_gets_the_finished_contract():
    new_secret = secrets_counter()
    envelope = make([party("A 一", 1), party("保証会社", None, signs=False, kind="corporation")])
    envelope.send(NOW, new_secret, LINK, SENDER)
    envelope.collect_events()
    sign(envelope, 0)
    events = envelope.collect_events()
    assert any(isinstance(e, PartySigned) for e in events)
    signed = [e for e in events if isinstance(e, EnvelopeSigned)]
    assert len(signed) == 1 and signed[0].audit_digest == envelope.audit.digest
    assert not any(isinstance(e, EnvelopeCompleted) for e in events)
    assert envelope.status == "signed"
    envelope.complete("blob", "sha", NOW, new_secret, LINK)
    events = envelope.collect_events()
    done = [e for e in events if isinstance(e, NotificationRequested)]
    assert {e.kind for e in done} == {"signature_completed"}
    assert len(done) == 2
    assert all(e.params.download_url.startswith("https://shomei.example/s/") for e in done)
    assert [e.finished_sha256 for e in events if isinstance(e, EnvelopeCompleted)] == ["sha"]
    assert envelope.status == "completed"


def test_s11_share_only_party_has_no_order_and_cannot_hold_a_signature_box():
    parties = [party("A 一", 1), party("保証会社", 3, signs=False, kind="corporation")]
    envelope = make(parties)
    assert envelope.parties[1].signing_order is None
    assert envelope.parties[1].status == "share_only"
    with pytest.raises(Refused) as exc:
        make(parties, [box(0), box(1)])
    assert [(e.code, e.field) for e in exc.value.errors] == [("field_for_share_only", 1)]


@pytest.mark.parametrize(
    ("parties", "fields", "code"),
    [
        ([party("A 一", email=None)], None, "contact_required"),
        ([party("A 一", email="not-an-address")], None, "invalid_email"),
        ([party("A 一", email=None, phone="090-1234-5678")], None, "invalid_phone"),
        (
            [party("株式会社", email="x@example.jp", phone="09012345678", kind="corporation")],
            None,
            "sms_individual_only",
        ),
        ([party("A 一", access_code="1985-05-05")], None, "invalid_access_code"),
        ([party("A 一")], [], "signature_box_required"),
        ([party("A 一")], [box(0, page=3)], "page_out_of_range"),
        (
            [party("A 一")],
            [FieldInput(party=0, page=1, x=580, y=10, width=60, height=60)],
            "field_off_page",
        ),
        ([party("A 一")], [box(1)], "unknown_party"),
        ([party("A 一", signs=False)], [], "signer_required"),
    ],
)
def test_bad_envelope_input_is_refused_with_a_code_and_where(parties, fields, code):
    with pytest.raises(Refused) as exc:
        make(parties, fields)
    assert exc.value.code == RefusalCode.envelope_invalid
    [error] = [e for e in exc.value.errors if e.code == code]
    assert error.party is not None or error.field is not None or code == "signer_required"


def test_g2_wrong_access_code_counts_attempts_then_locks_and_tells_the_sender():
    envelope = make([party("A 一", access_code="19850505", access_code_hint="生年月日")])
    envelope.send(NOW, secrets_counter(), LINK, SENDER)
    envelope.collect_events()

    def attempt(correct: bool):
        return enter_code(envelope, 0, correct)

    for left in range(MAX_ACCESS_ATTEMPTS - 1, 0, -1):
        result = attempt(False)
        assert not result.granted and not result.locked and result.attempts_left == left
    assert attempt(False).locked
    assert envelope.parties[0].status == "locked"
    told = notifications(envelope)
    assert [(e.kind, e.to) for e in told] == [("access_locked", "staff@demo.example")]
    assert told[0].params.document_title == "賃貸借契約書"
    assert told[0].params.party_name == "A 一"
    assert attempt(True).locked  # a right code no longer opens a locked party


def test_g2_signing_needs_the_session_from_a_right_access_code():
    new_secret = secrets_counter()
    envelope = make([party("A 一", access_code="19850505")])
    envelope.send(NOW, new_secret, LINK, SENDER)
    pid = envelope.parties[0].id
    with pytest.raises(Refused) as exc:
        sign(envelope, 0, session_hash=None)
    assert exc.value.code == RefusalCode.access_code_required
    result = enter_code(envelope, 0, True, session="session-1")
    assert result.granted
    assert envelope.has_access(pid, "session-1")
    assert not envelope.has_access(pid, "forged")
    sign(envelope, 0, session_hash="session-1")
    assert envelope.parties[0].status == "signed"


def test_the_model_keeps_only_the_digest_it_is_given_and_hands_out_new_link_tokens():
    envelope = make([party("A 一", access_code="19850505")])
    envelope.send(NOW, secrets_counter(), LINK, SENDER)
    dumped = envelope.model_dump_json()
    assert "19850505" not in dumped.replace("digest-of-19850505", "")
    assert "secret-0" not in dumped
    assert [link.token for link in envelope.collect_links()] == ["secret-0"]


def test_audit_trail_is_hash_chained_and_detects_tampering():
    new_secret = secrets_counter()
    envelope = make([party("A 一")])
    envelope.send(NOW, new_secret, LINK, SENDER)
    sign(envelope, 0)
    assert envelope.audit.is_intact()
    envelope.audit.entries[1].action = "forged"
    assert not envelope.audit.is_intact()
    assert envelope.audit.check().first_bad_seq == 2


def test_required_text_field_must_be_filled():
    new_secret = secrets_counter()
    envelope = make([party("A 一")], [box(0), box(0, type="text", label="住所")])
    envelope.send(NOW, new_secret, LINK, SENDER)
    with pytest.raises(Refused) as exc:
        sign(envelope, 0)
    assert exc.value.code == RefusalCode.text_required
    assert exc.value.params["label"] == "住所"
    assert envelope.fields[0].seal_blob_id is None  # a refused signature changes nothing
