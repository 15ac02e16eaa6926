"""Rules of the envelope aggregate (S7, S9, S11, S13, S16, G2, G7), without any I/O.

Ids, tokens and digests are plain values here: the model draws and hashes nothing."""

import itertools
from datetime import UTC, datetime

import pytest

from services.common.commands import FieldInput, PartyInput
from services.common.events import (
    EnvelopeCompleted,
    EnvelopeSent,
    EnvelopeSigned,
    NotificationRequested,
    PartySigned,
)
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.values import PageSize
from services.signing.model import MAX_ACCESS_ATTEMPTS, Envelope

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
A4 = [PageSize(width=595, height=842), PageSize(width=595, height=842)]


def LINK(token: str) -> str:
    return f"https://shomei.example/s/{token}"


def secrets_counter(prefix: str = "secret"):
    counter = itertools.count()
    return lambda: f"{prefix}-{next(counter)}"


def digest(code: str) -> str:
    return f"digest-of-{code}"


def party(name: str, order: int | None = 1, **kw) -> PartyInput:
    kw.setdefault("email", f"{abs(hash(name)) % 10_000}@example.jp")
    return PartyInput(name=name, signing_order=order, **kw)


def box(index: int, page: int = 1, type: str = "signature", **kw) -> FieldInput:
    return FieldInput(party=index, type=type, page=page, x=400, y=700, width=60, height=60, **kw)


def make(parties, fields=None) -> Envelope:
    fields = fields if fields is not None else [box(i) for i, p in enumerate(parties) if p.signs]
    return Envelope.create(
        tenant_id="t1",
        sender_name="デモ不動産",
        sender_email="staff@demo.example",
        title="賃貸借契約書",
        document_id="d1",
        pages=A4,
        parties=parties,
        fields=fields,
        code_digests=[digest(p.access_code) if p.access_code else None for p in parties],
        now=NOW,
        new_id=secrets_counter("id"),
    )


def notifications(envelope: Envelope) -> list[NotificationRequested]:
    return [e for e in envelope.collect_events() if isinstance(e, NotificationRequested)]


def sign(envelope: Envelope, party_index: int, new_secret, session_hash=None) -> None:
    envelope.sign(
        envelope.parties[party_index].id,
        session_hash=session_hash,
        seal_blob_id="seal",
        texts={},
        checks={},
        now=NOW,
        new_token=new_secret,
        link_for=LINK,
    )


def test_s13_only_the_first_signing_order_is_asked_when_sent():
    envelope = make([party("佐藤 一郎", 1), party("鈴木 花子", 2)])
    envelope.send(NOW, secrets_counter(), LINK)
    events = envelope.collect_events()
    asked = [e for e in events if isinstance(e, NotificationRequested)]
    assert [e.params.recipient_name for e in asked] == ["佐藤 一郎"]
    assert any(isinstance(e, EnvelopeSent) for e in events)
    assert [p.status for p in envelope.parties] == ["asked", "waiting"]


def test_s13_same_order_is_asked_at_the_same_time_and_next_after_all_signed():
    new_secret = secrets_counter()
    envelope = make([party("A 一", 1), party("B 二", 1), party("C 三", 2)])
    envelope.send(NOW, new_secret, LINK)
    assert len(notifications(envelope)) == 2
    sign(envelope, 0, new_secret)
    assert notifications(envelope) == []
    sign(envelope, 1, new_secret)
    asked = notifications(envelope)
    assert [e.params.recipient_name for e in asked] == ["C 三"]


def test_signing_out_of_turn_is_refused():
    envelope = make([party("A 一", 1), party("B 二", 2)])
    envelope.send(NOW, secrets_counter(), LINK)
    with pytest.raises(Refused) as exc:
        sign(envelope, 1, secrets_counter())
    assert exc.value.code == RefusalCode.not_your_turn


def test_g7_last_signature_completes_and_everyone_gets_the_finished_contract():
    new_secret = secrets_counter()
    envelope = make([party("A 一", 1), party("保証会社", None, signs=False, kind="corporation")])
    envelope.send(NOW, new_secret, LINK)
    envelope.collect_events()
    sign(envelope, 0, new_secret)
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
    assert exc.value.code == RefusalCode.field_for_share_only


@pytest.mark.parametrize(
    ("parties", "fields", "code"),
    [
        ([party("A 一", email=None)], None, "contact_required"),
        ([party("A 一", email="not-an-address")], None, "invalid_email"),
        ([party("A 一", email=None, phone="090-1234-5678")], None, "invalid_phone"),
        (
            [party("株式会社", email=None, phone="09012345678", kind="corporation")],
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
    assert exc.value.code == code
    assert {"party", "field"} & set(exc.value.params) or code == "signer_required"


def test_g2_wrong_access_code_counts_attempts_then_locks_and_tells_the_sender():
    envelope = make([party("A 一", access_code="19850505", access_code_hint="生年月日")])
    envelope.send(NOW, secrets_counter(), LINK)
    envelope.collect_events()
    pid = envelope.parties[0].id

    def attempt(correct: bool):
        return envelope.verify_access_code(pid, correct=correct, session_hash="s", now=NOW)

    for left in range(MAX_ACCESS_ATTEMPTS - 1, 0, -1):
        result = attempt(False)
        assert not result.granted and not result.locked and result.attempts_left == left
    assert attempt(False).locked
    assert envelope.parties[0].status == "locked"
    told = notifications(envelope)
    assert [(e.kind, e.to) for e in told] == [("access_locked", "staff@demo.example")]
    assert attempt(True).locked  # a right code no longer opens a locked party


def test_g2_signing_needs_the_session_from_a_right_access_code():
    new_secret = secrets_counter()
    envelope = make([party("A 一", access_code="19850505")])
    envelope.send(NOW, new_secret, LINK)
    pid = envelope.parties[0].id
    with pytest.raises(Refused) as exc:
        sign(envelope, 0, new_secret, session_hash=None)
    assert exc.value.code == RefusalCode.access_code_required
    result = envelope.verify_access_code(pid, correct=True, session_hash="session-1", now=NOW)
    assert result.granted
    assert envelope.has_access(pid, "session-1")
    assert not envelope.has_access(pid, "forged")
    sign(envelope, 0, new_secret, session_hash="session-1")
    assert envelope.parties[0].status == "signed"


def test_the_model_keeps_only_the_digest_it_is_given_and_hands_out_new_link_tokens():
    envelope = make([party("A 一", access_code="19850505")])
    envelope.send(NOW, secrets_counter(), LINK)
    dumped = envelope.model_dump_json()
    assert "19850505" not in dumped.replace("digest-of-19850505", "")
    assert "secret-0" not in dumped
    assert [link.token for link in envelope.collect_links()] == ["secret-0"]


def test_audit_trail_is_hash_chained_and_detects_tampering():
    new_secret = secrets_counter()
    envelope = make([party("A 一")])
    envelope.send(NOW, new_secret, LINK)
    sign(envelope, 0, new_secret)
    assert envelope.audit.is_intact()
    envelope.audit.entries[1].action = "forged"
    assert not envelope.audit.is_intact()


def test_required_text_field_must_be_filled():
    new_secret = secrets_counter()
    envelope = make([party("A 一")], [box(0), box(0, type="text", label="住所")])
    envelope.send(NOW, new_secret, LINK)
    with pytest.raises(Refused) as exc:
        sign(envelope, 0, new_secret)
    assert exc.value.code == RefusalCode.text_required
    assert exc.value.params["label"] == "住所"
    assert envelope.fields[0].seal_blob_id is None  # a refused signature changes nothing
