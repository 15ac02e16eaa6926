"""The notification texts: every kind other services can request renders from its typed
parameters, in Japanese and English; right words on the right channel; safe HTML."""

from datetime import UTC, date, datetime
from typing import get_args

import pytest
from pydantic import ValidationError

from services.common.events import NotificationRequested
from services.common.notifications import (
    SMS_KINDS,
    AccessLocked,
    AccountIssued,
    CancellationNotice,
    DeclineNotice,
    DeliveryFailed,
    DeliverySuppressed,
    ExpiryNotice,
    NotificationParams,
    PasswordReset,
    SignatureCompleted,
    SignatureReminder,
    SignatureRequest,
    SignatureReRequest,
)
from services.notify.templates import clip, mask_phone, render

PARTY = {
    "recipient_name": "山田 太郎",
    "sender_name": "青空不動産株式会社",
    "document_title": "賃貸借契約書（メゾン青空 201号室）",
}
TO_SENDER = {"document_title": "賃貸借契約書", "party_name": "山田 太郎"}
AT = datetime(2025, 4, 1, 6, 30, tzinfo=UTC)
REQUEST = SignatureRequest(
    **PARTY,
    sign_url="https://shomei.example/s/tok-123",
    comment="鍵の受け渡しは3月31日です。",
    access_code_hint="生年月日（8桁）",
)
EVERY_KIND = [
    REQUEST,
    SignatureReRequest(**PARTY, sign_url="https://shomei.example/s/tok-2"),
    SignatureReminder(**PARTY, sign_url="https://shomei.example/s/tok-3", expires_at=AT),
    SignatureCompleted(**PARTY, download_url="https://shomei.example/s/tok-9", completed_at=AT),
    CancellationNotice(**PARTY, reason="条件の変更のため"),
    DeclineNotice(**TO_SENDER, reason="金額が違います"),
    ExpiryNotice(**TO_SENDER, expired_at=AT),
    AccessLocked(**TO_SENDER, recipient_name="青空不動産", locked_at=AT),
    DeliveryFailed(**TO_SENDER, channel="email", contact="yamada@example.jp", reason="550"),
    DeliverySuppressed(**TO_SENDER, phone_number="09012345678", acquired_on=date(2020, 1, 2)),
    AccountIssued(
        recipient_name="鈴木 花子",
        agency_name="青空不動産",
        login_id="suzuki",
        temporary_password="Tmp12345",
        login_url="https://shomei.example/login",
    ),
    PasswordReset(recipient_name="鈴木 花子", reset_url="https://shomei.example/reset/x"),
]


def KIND(params) -> str:
    return params.kind


def _kinds_of_the_union() -> set[str]:
    union = get_args(NotificationParams)[0]
    return {model.model_fields["kind"].default for model in get_args(union)}


def _sms_words(text: str) -> str:
    """The SMS without its link: what the one-segment budget is about."""
    return "".join(line for line in text.splitlines() if not line.startswith("http"))


def test_the_contract_covers_every_kind_a_service_can_request() -> None:
    assert {p.kind for p in EVERY_KIND} == _kinds_of_the_union()
    assert _kinds_of_the_union() >= SMS_KINDS


@pytest.mark.parametrize("params", EVERY_KIND, ids=KIND)
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_kind_renders_as_mail_from_its_typed_parameters(params, locale) -> None:
    """One contract test for every kind (the events carry these models, B4, B5)."""
    event = NotificationRequested(
        tenant_id="t", notification_id="n", channel="email", to="x@example.jp", params=params
    )
    message = render(
        NotificationRequested.model_validate_json(event.model_dump_json()).params, "email", locale
    )
    assert message.subject.startswith("【Shomei】" if locale == "ja" else "[Shomei]")
    assert "\n" not in message.subject
    assert message.html and message.html.lstrip().startswith("<!DOCTYPE html>")
    for value in params.model_dump().values():
        if isinstance(value, str) and value.startswith("https://"):
            assert value in message.text and value in message.html


@pytest.mark.parametrize("params", [p for p in EVERY_KIND if p.kind in SMS_KINDS], ids=KIND)
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_party_kind_renders_as_sms_without_the_comment(params, locale) -> None:
    """S12: the sender's comment is shown in the email only."""
    sms = render(
        params.model_copy(update={"comment": "秘密のコメント"})
        if isinstance(params, SignatureRequest)
        else params,
        "sms",
        locale,
    )
    assert "秘密のコメント" not in sms.text
    assert sms.html is None
    assert len(_sms_words(sms.text)) <= 70, sms.text


@pytest.mark.parametrize("params", [p for p in EVERY_KIND if p.kind not in SMS_KINDS], ids=KIND)
def test_staff_kinds_have_no_sms(params) -> None:
    with pytest.raises(ValueError, match="email only"):
        render(params, "sms")


@pytest.mark.parametrize("kind", sorted(SMS_KINDS))
def test_long_names_are_clipped_in_sms(kind: str) -> None:
    long = "株式会社とても長い名前の不動産管理センター定期建物賃貸借契約書"
    params = next(p for p in EVERY_KIND if p.kind == kind)
    params = params.model_copy(
        update={"recipient_name": long, "sender_name": long, "document_title": long}
        | ({"access_code_hint": long} if isinstance(params, SignatureRequest) else {})
    )
    text = render(params, "sms").text
    assert len(_sms_words(text)) <= 70, text
    assert "…" in text


def test_signature_request_email() -> None:
    message = render(REQUEST, "email")
    assert message.subject == "【Shomei】署名のお願い：賃貸借契約書（メゾン青空 201号室）"
    assert message.text.startswith("山田 太郎 様\n")
    for part in (message.text, message.html or ""):
        assert "青空不動産株式会社" in part
        assert "https://shomei.example/s/tok-123" in part
        assert "生年月日（8桁）" in part
        assert "専用" in part
        assert "鍵の受け渡しは3月31日です。" in part  # S12: the comment is in the mail


def test_html_escapes_names_and_comment() -> None:
    params = REQUEST.model_copy(
        update={
            "recipient_name": "<script>alert(1)</script>",
            "sender_name": "A&B <不動産>",
            "comment": '1行目\n<img src=x onerror="x()">',
        }
    )
    message = render(params, "email")
    html = message.html or ""
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "A&amp;B &lt;不動産&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert "1行目<br>" in html  # the sender's line breaks survive
    assert "<script>alert(1)</script> 様" in message.text  # plain text is not HTML


def test_optional_parts_disappear_when_absent() -> None:
    message = render(SignatureRequest(**PARTY, sign_url="https://x/s/1"), "email")
    assert "コメント" not in message.text
    assert "アクセスコード" not in message.text


def test_reminder_and_rerequest_are_marked() -> None:
    assert "リマインド" in render(EVERY_KIND[2], "email").subject
    assert "再依頼" in render(EVERY_KIND[1], "email").subject
    assert "リマインド" in render(EVERY_KIND[2], "sms").text


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_d4_a_rerequest_has_its_own_words_and_says_the_old_link_is_void(locale) -> None:
    request = render(REQUEST.model_copy(update={"comment": None}), "email", locale)
    again = render(EVERY_KIND[1], "email", locale)
    sms = render(EVERY_KIND[1], "sms", locale)
    void = {"ja": "無効", "en": "no longer works"}[locale]
    assert again.subject != request.subject and again.text != request.text
    assert ("署名の再依頼" if locale == "ja" else "again") in again.subject
    assert void in again.text and void not in request.text
    assert ("再依頼" if locale == "ja" else "Sign again") in sms.text


def test_times_are_japan_time() -> None:
    assert "2025年4月1日 15:30" in render(EVERY_KIND[3], "email").text
    assert "1 April 2025, 15:30 JST" in render(EVERY_KIND[3], "email", "en").text


def test_suppression_notice_masks_the_number() -> None:
    message = render(EVERY_KIND[9], "email")
    assert "SMS" in message.subject
    assert "090****5678" in message.text and "09012345678" not in message.text
    assert "2020年1月2日" in message.text


def test_a_request_missing_or_misspelling_a_parameter_is_refused_when_built() -> None:
    with pytest.raises(ValidationError):
        SignatureRequest(recipient_name="山田", sender_name="x", document_title="y")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        SignatureRequest(**PARTY, sign_url="https://x", coment="typo")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        SignatureRequest(**{**PARTY, "recipient_name": ""}, sign_url="https://x")


def test_a_request_of_the_older_shape_still_reads() -> None:
    event = NotificationRequested.model_validate(
        {
            "tenant_id": "t",
            "notification_id": "n",
            "kind": "signature_request",
            "channel": "email",
            "to": "x@example.jp",
            "params": {**PARTY, "sign_url": "https://x/s/1"},
        }
    )
    assert event.kind == "signature_request"
    assert isinstance(event.params, SignatureRequest)


def test_subject_has_no_line_breaks() -> None:
    params = REQUEST.model_copy(update={"document_title": "契約書\r\nBcc: x@example.com"})
    assert "\n" not in render(params, "email").subject


def test_filters() -> None:
    assert clip("あいうえお", 5) == "あいうえお"
    assert clip("あいうえおか", 5) == "あいうえ…"
    assert mask_phone("+819012345678") == "090****5678"
    assert mask_phone("090-1234-5678") == "090****5678"
