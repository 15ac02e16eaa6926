"""Every party and box rule of the guide (S4–S16), checked when the envelope is made and
again when it is sent, with every problem answered at once and the party named."""

from datetime import date

import pytest

from gateway.refusals import describe
from services.common.commands import FieldInput, PartyInput
from services.common.messages import Refused
from services.common.names import name_problem
from services.common.refusals import RefusalCode
from services.signing.contract_types import CONTRACT_TYPES
from tests.unit.signing.builders import LINK, NOW, box, make, party, secrets_counter


def problems(parties, fields=None, **kw) -> list[tuple[str, int | None, int | None]]:
    with pytest.raises(Refused) as exc:
        make(parties, fields, **kw)
    assert exc.value.code == RefusalCode.envelope_invalid
    assert exc.value.params["count"] == len(exc.value.errors)
    return [(e.code, e.party, e.field) for e in exc.value.errors]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("שרה כהן", "name_unsupported_character"),
        ("佐藤 😀", "name_emoji"),
        ("佐藤\u200b一郎", "name_control_character"),
        ("佐藤\u202e一郎", "name_control_character"),
        ("佐藤\x00", "name_control_character"),
        ("   ", "name_blank"),
        ("\u3000", "name_blank"),
    ],
)
def test_names_the_seal_cannot_draw_are_refused_at_creation_naming_the_party(name, code):
    found = problems([party("鈴木 花子"), party(name, role="landlord", email="x@example.jp")])
    assert (code, 1, None) in found


@pytest.mark.parametrize("name", ["佐藤 一郎", "髙橋 𠮷男", "ABC家賃保証株式会社", "Müller", "ｻﾄｳ"])
def test_names_of_kana_kanji_and_latin_letters_are_accepted(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("address", ["a,b@x.jp", "<x@y.jp>", "a\x00b@x.jp", "x@y", "山田@例え.jp"])
def test_addresses_a_mail_server_would_refuse_are_refused(address):
    assert ("invalid_email", 0, None) in problems([party("佐藤 一郎", email=address)])


def test_s7_a_japanese_mobile_is_kept_as_e164_and_sms_is_for_individuals_only():
    envelope = make([party("佐藤 一郎", phone="09012345678")])
    assert envelope.parties[0].phone == "+819012345678"
    assert envelope.parties[0].channels == ["sms"]
    both = make([party("佐藤 一郎", phone="08012345678", email="sato@example.jp")])
    assert both.parties[0].channels == ["email", "sms"]
    assert ("invalid_phone", 0, None) in problems([party("佐藤 一郎", phone="090-1234-5678")])
    assert ("invalid_phone", 0, None) in problems([party("佐藤 一郎", phone="0312345678")])
    corp = party("ABC株式会社", kind="corporation", email=None, phone="09012345678")
    assert ("sms_individual_only", 0, None) in problems([corp])


def test_every_problem_is_answered_at_once_each_with_its_party_or_field():
    found = problems(
        [
            party("佐藤 一郎", email=None),
            party("ABC株式会社", kind="corporation", recipient_name=None, access_code="abc"),
            party("鈴木 花子", role="tenant", signer_change_allowed=True),
            party("自社", role="own_company", kind="corporation"),
            party("田中 次郎", person_in_charge="担当", mobile_acquired_on=date(2020, 1, 1)),
        ],
        [box(0), box(1), box(2), box(3), FieldInput(party=4, page=1, x=1, y=1, width=5, height=5)],
    )
    assert set(found) >= {
        ("contact_required", 0, None),
        ("recipient_required", 1, None),
        ("access_code_individual_only", 1, None),
        ("signer_change_not_allowed", 2, None),
        ("own_company_needs_certificate", 3, None),
        ("person_in_charge_corporation_only", 4, None),
        ("acquired_on_without_phone", 4, None),
        ("field_size", None, 4),
    }


def test_refusals_read_as_role_and_name_then_the_problem():
    with pytest.raises(Refused) as exc:
        make([party("佐藤 一郎", email=None)])
    [error] = exc.value.errors
    params = {**error.params, "party": error.party}
    assert describe(error.code, params) == "借主 佐藤 一郎：メールアドレスとSMSのいずれかは必須です"


def test_s4_s15_own_company_signer_needs_the_certificate_option():
    own = [party("自社 太郎", role="own_company", kind="corporation")]
    assert ("own_company_needs_certificate", 0, None) in problems(own)
    assert make(own, certificate_option=True).parties[0].role == "own_company"


def test_s14_signer_change_only_for_an_individual_landlord_or_other():
    ok = make(
        [
            party("貸主 一", role="landlord", signer_change_allowed=True),
            party("他 二", role="other", signer_change_allowed=True),
        ]
    )
    assert all(p.signer_change_allowed for p in ok.parties)
    corp = party("貸主株式会社", role="landlord", kind="corporation", signer_change_allowed=True)
    assert ("signer_change_not_allowed", 0, None) in problems([corp])


def test_s16_boxes_have_a_smallest_and_largest_size():
    huge = FieldInput(party=0, page=1, x=0, y=0, width=400, height=400)
    assert ("field_size", None, 0) in problems([party("佐藤 一郎")], [huge])


def test_unknown_input_fields_are_refused_not_dropped():
    with pytest.raises(ValueError, match="extra"):
        PartyInput.model_validate({"name": "佐藤 一郎", "email": "s@example.jp", "nmae": "x"})


def test_send_checks_the_whole_envelope_again():
    envelope = make([party("佐藤 一郎")])
    envelope.parties[0].email = "a,b@x.jp"  # a draft changed after it was made
    with pytest.raises(Refused) as exc:
        envelope.send(NOW, secrets_counter(), LINK)
    assert [e.code for e in exc.value.errors] == ["invalid_email"]
    assert envelope.status == "draft"


def test_s2_the_four_contract_types_and_their_default_parties_are_data():
    types = {t.id: t for t in CONTRACT_TYPES.types}
    assert [t.label for t in CONTRACT_TYPES.types] == [
        "賃貸契約書（連帯保証人あり）",
        "賃貸契約書（連帯保証人なし）",
        "更新・駐車場・マンション・家賃保証などの契約書",
        "その他の契約書",
    ]
    roles = [p.role for p in types["rental_with_guarantor"].default_parties]
    assert roles == ["tenant", "guarantor", "agent", "landlord"]
    assert types["rental_with_guarantor"].article37_consent
    assert not types["other"].article37_consent
    assert types["rental_with_guarantor"].default_parties[0].kind == "individual"
