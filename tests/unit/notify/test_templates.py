"""The notification texts: right words on the right channel, safe HTML."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.notify.templates import KINDS, clip, mask_phone, render

REQUEST: dict[str, Any] = {
    "recipient_name": "山田 太郎",
    "sender_name": "青空不動産株式会社",
    "document_title": "賃貸借契約書（メゾン青空 201号室）",
    "sign_url": "https://shomei.example/s/tok-123",
    "comment": "鍵の受け渡しは3月31日です。",
    "access_code_hint": "生年月日（8桁）",
}

MINIMAL: dict[str, dict[str, Any]] = {
    "signature_request": {k: REQUEST[k] for k in KINDS["signature_request"].required},
    "signature_completed": {
        "recipient_name": "山田 太郎",
        "sender_name": "青空不動産",
        "document_title": "賃貸借契約書",
        "download_url": "https://shomei.example/d/tok-9",
    },
    "access_locked": {"document_title": "賃貸借契約書", "party_name": "山田 太郎"},
    "sms_stopped": {
        "document_title": "賃貸借契約書",
        "party_name": "山田 太郎",
        "phone_number": "09012345678",
    },
}


def _sms_words(text: str) -> str:
    """The SMS without its link: what the 70-character budget is about."""
    return "".join(line for line in text.splitlines() if not line.startswith("http"))


def test_signature_request_email() -> None:
    message = render("signature_request", "email", REQUEST)
    assert message.subject == "【Shomei】署名のお願い：賃貸借契約書（メゾン青空 201号室）"
    assert message.text.startswith("山田 太郎 様\n")
    for part in (message.text, message.html or ""):
        assert "青空不動産株式会社" in part
        assert "賃貸借契約書（メゾン青空 201号室）" in part
        assert "https://shomei.example/s/tok-123" in part
        assert "生年月日（8桁）" in part
        assert "専用" in part
        assert REQUEST["comment"] in part


def test_comment_is_in_email_but_never_in_sms() -> None:
    """S12: the sender's comment is shown in the email only."""
    sms = render("signature_request", "sms", REQUEST)
    assert "鍵の受け渡し" not in sms.text
    assert sms.html is None
    assert "https://shomei.example/s/tok-123" in sms.text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_sms_is_short(kind: str) -> None:
    message = render(kind, "sms", MINIMAL[kind])
    assert len(_sms_words(message.text)) < 70, message.text


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_long_names_are_clipped_in_sms(kind: str) -> None:
    long = "株式会社とても長い名前の不動産管理センター定期建物賃貸借契約書"
    params = {
        key: (long if key.endswith(("_name", "_title")) else value)
        for key, value in MINIMAL[kind].items()
    }
    if kind == "signature_request":
        params |= {"access_code_hint": long, "reminder": True}
    text = render(kind, "sms", params).text
    assert len(_sms_words(text)) < 70, text
    assert "…" in text


def test_html_escapes_names_and_comment() -> None:
    params = {
        **REQUEST,
        "recipient_name": "<script>alert(1)</script>",
        "sender_name": "A&B <不動産>",
        "comment": '1行目\n<img src=x onerror="x()">',
    }
    message = render("signature_request", "email", params)
    html = message.html or ""
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "A&amp;B &lt;不動産&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert "1行目<br>" in html  # the sender's line breaks survive
    assert "<script>alert(1)</script> 様" in message.text  # plain text is not HTML


def test_optional_parts_disappear_when_absent() -> None:
    message = render("signature_request", "email", MINIMAL["signature_request"])
    assert "コメント" not in message.text
    assert "アクセスコード" not in message.text
    assert "再送" not in message.subject


def test_reminder_is_marked() -> None:
    message = render("signature_request", "email", {**REQUEST, "reminder": True})
    assert "【再送】" in message.subject
    assert "再送" in render("signature_request", "sms", {**REQUEST, "reminder": True}).text


def test_completed_links_the_finished_contract() -> None:
    params = {
        **MINIMAL["signature_completed"],
        "completed_at": datetime(2025, 4, 1, 6, 30, tzinfo=UTC),
    }
    message = render("signature_completed", "email", params)
    assert "締結" in message.subject
    assert "https://shomei.example/d/tok-9" in message.text
    assert "2025年4月1日 15:30" in message.text  # Japan time
    assert "すべての当事者" in message.text


def test_access_locked_tells_the_sender() -> None:
    message = render("access_locked", "email", {**MINIMAL["access_locked"]})
    assert "ロック" in message.subject
    assert "ご担当者 様" in message.text
    assert "山田 太郎 様" in message.text


def test_sms_stopped_masks_the_number() -> None:
    params = {**MINIMAL["sms_stopped"], "acquired_on": date(2020, 1, 2)}
    message = render("sms_stopped", "email", params)
    assert "SMS" in message.subject
    assert "090****5678" in message.text and "09012345678" not in message.text
    assert "2020年1月2日" in message.text


def test_unknown_kind_channel_or_parameter_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        render("birthday_card", "email", {})
    with pytest.raises(ValueError, match="channel"):
        render("signature_request", "fax", REQUEST)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missing"):
        render("signature_request", "email", {"recipient_name": "山田"})
    with pytest.raises(ValueError, match="unknown parameters"):
        render("signature_request", "email", {**REQUEST, "coment": "typo"})
    with pytest.raises(ValueError, match="empty"):
        render("signature_request", "email", {**REQUEST, "sign_url": " "})


def test_subject_has_no_line_breaks() -> None:
    params = {**REQUEST, "document_title": "契約書\r\nBcc: x@example.com"}
    assert "\n" not in render("signature_request", "email", params).subject


def test_filters() -> None:
    assert clip("あいうえお", 5) == "あいうえお"
    assert clip("あいうえおか", 5) == "あいうえ…"
    assert mask_phone("+819012345678") == "090****5678"
    assert mask_phone("090-1234-5678") == "090****5678"
