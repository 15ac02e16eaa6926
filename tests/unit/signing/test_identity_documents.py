"""Identity documents attached by the signer (S10, G3): only those the sender asked for,
only while the party may act, kept on the party for the sender and in the history; no
signature until every photo asked for is in, whatever page the signer skipped."""

import pytest

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.values import IdImage
from services.signing.views import envelope_view, signer_view
from tests.unit.signing.builders import NOW, party, sent, sign, signer


def licence(side: str = "front") -> IdImage:
    return IdImage(kind="drivers_license", side=side, blob_id="b" * 64, content_type="image/jpeg")


def attach(envelope, images: list[IdImage]) -> None:
    p = envelope.parties[0]
    envelope.attach_identity_by_link(p.id, p.link_serial, None, images, NOW, signer(envelope, 0))


def test_s10_photos_of_the_asked_document_are_kept_for_the_sender_and_the_history():
    envelope = sent([party("佐藤 一郎", required_documents=["drivers_license"])])
    attach(envelope, [licence("front"), licence("back")])
    [shown] = envelope_view(envelope).parties
    assert [i.side for i in shown.identity_documents] == ["front", "back"]
    p = envelope.parties[0]
    assert len(signer_view(envelope, p.id, None).party.identity_documents) == 2
    assert envelope.audit.entries[-1].action == "identity_attached"


def test_s10_a_document_not_asked_for_is_refused():
    envelope = sent([party("佐藤 一郎", required_documents=["passport"])])
    with pytest.raises(Refused) as exc:
        attach(envelope, [licence()])
    assert exc.value.code == RefusalCode.id_document_not_asked


def test_s10_no_photos_after_signing():
    envelope = sent([party("佐藤 一郎", required_documents=["drivers_license"])])
    attach(envelope, [licence("front"), licence("back")])
    sign(envelope, 0)
    with pytest.raises(Refused) as exc:
        attach(envelope, [licence()])
    assert exc.value.code == RefusalCode.already_signed


def test_g3_a_signature_without_the_required_photos_is_refused_by_the_service():
    envelope = sent([party("佐藤 一郎", required_documents=["drivers_license", "passport"])])
    with pytest.raises(Refused) as exc:
        sign(envelope, 0)
    assert exc.value.code == RefusalCode.id_documents_missing
    assert exc.value.params == {"documents": "drivers_license,passport"}
    assert envelope.parties[0].status == "asked"


def test_g3_one_side_of_a_two_sided_document_is_not_enough():
    envelope = sent([party("佐藤 一郎", required_documents=["drivers_license"])])
    attach(envelope, [licence("front")])
    with pytest.raises(Refused) as exc:
        sign(envelope, 0)
    assert exc.value.params == {"documents": "drivers_license"}
    attach(envelope, [licence("front"), licence("back")])
    sign(envelope, 0)
    assert envelope.parties[0].status == "signed"


def test_g3_a_party_whose_turn_has_not_come_hears_that_first():
    envelope = sent(
        [party("佐藤 一郎", order=1), party("鈴木 花子", order=2, required_documents=["passport"])]
    )
    with pytest.raises(Refused) as exc:
        sign(envelope, 1)
    assert exc.value.code == RefusalCode.not_your_turn


def test_s14_the_new_signer_sends_their_own_photos():
    envelope = sent(
        [
            party(
                "鈴木 花子",
                role="landlord",
                signer_change_allowed=True,
                required_documents=["drivers_license"],
            )
        ]
    )
    attach(envelope, [licence("front"), licence("back")])
    p = envelope.parties[0]
    successor = envelope.hand_over(
        p.id,
        p.link_serial,
        None,
        name="鈴木 一郎",
        email="ichiro@example.jp",
        phone=None,
        new_party_id="p-new",
        now=NOW,
        who=signer(envelope, 0),
        new_token=lambda: "tok-new",
        link_for=lambda t: t,
    )
    assert successor.identity_documents == []
    with pytest.raises(Refused) as exc:
        sign(envelope, 1)
    assert exc.value.code == RefusalCode.id_documents_missing


def test_g4_the_next_signer_sees_the_earlier_partys_marks_but_not_its_own_as_marks():
    envelope = sent([party("佐藤 一郎", order=1), party("鈴木 花子", order=2)])
    sign(envelope, 0)
    first, second = envelope.parties
    marks = signer_view(envelope, second.id, None).marks
    assert marks and all(m.seal_blob_id == "seal" for m in marks if m.type == "signature")
    assert signer_view(envelope, first.id, None).marks == []
