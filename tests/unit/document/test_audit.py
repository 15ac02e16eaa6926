"""The audit certificate: Japanese that an independent tool (poppler) reads back, masked
contacts, JST times, more pages when the trail is long; and appending it."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from services.document.audit import (
    AuditCertificate,
    AuditEvent,
    AuditParty,
    audit_certificate,
    format_jst,
    mask_contact,
)
from services.document.stamping import stamp

from .conftest import pdftotext

SHA = "ab" * 32
T0 = datetime(2026, 11, 26, 1, 2, 3, tzinfo=UTC)


def certificate(n_events: int = 4, **overrides) -> AuditCertificate:
    values = dict(
        envelope_id="env_7Q2XK",
        envelope_title="賃貸借契約書（渋谷区神南 101号室）",
        original_sha256=SHA,
        sender="株式会社シブヤ不動産",
        completed_at=T0 + timedelta(hours=2),
        parties=[
            AuditParty(2, "連帯保証人", "鈴木 一郎", "090-1234-5678", T0 + timedelta(hours=2)),
            AuditParty(1, "借主", "佐藤 花子", "hanako.sato@example.jp", T0 + timedelta(hours=1)),
        ],
        events=[
            AuditEvent(
                T0 + timedelta(minutes=n),
                "署名しました" if n % 2 else "本人確認コードを確認しました",
                "佐藤 花子",
                "203.0.113.7",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            )
            for n in range(n_events)
        ],
        trail_digest="cd" * 32,
    )
    values.update(overrides)
    return AuditCertificate(**values)


def test_japanese_text_extractable_by_pdftotext(tmp_path: Path) -> None:
    pdf = audit_certificate(certificate())
    text = pdftotext(pdf, tmp_path)
    for expected in (
        "監査証明書",
        "佐藤 花子",
        "鈴木 一郎",
        "連帯保証人",
        "借主",
        "env_7Q2XK",
        SHA,
        "203.0.113.7",
        "株式会社シブヤ不動産",
        "2026-11-26 10:02:03+09:00",
    ):
        assert expected in text, expected
    assert "渋谷区神南" in text
    assert "hanako.sato@example.jp" not in text and "ha***@example.jp" in text
    assert "090-1234-5678" not in text and "090-****-5678" in text


def test_title_is_configurable(tmp_path: Path) -> None:
    text = pdftotext(audit_certificate(certificate(title="署名証明書")), tmp_path)
    assert "署名証明書" in text


def test_long_trail_wraps_to_more_pages(tmp_path: Path) -> None:
    pdf = audit_certificate(certificate(n_events=120))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= 3
    last = pdftotext(pdf, tmp_path, first=pages, last=pages)
    assert "接続元" in last, "the header row repeats on every page"
    assert f"{pages} ページ" in last


def test_markup_in_user_data_is_text_not_tags(tmp_path: Path) -> None:
    evil = certificate(
        parties=[AuditParty(1, "借主", "<b>佐藤</b> & <font size=90>x", "a@b.jp")],
        events=[AuditEvent(T0, "署名", "x", "::1", "<script>\x00\x07</script>")],
    )
    text = "".join(pdftotext(audit_certificate(evil), tmp_path).split())
    assert "<b>佐藤</b>&<fontsize=90>x" in text
    assert "<script></script>" in text


def test_huge_values_do_not_break_layout(tmp_path: Path) -> None:
    huge = certificate(
        envelope_title="契" * 5000,
        events=[AuditEvent(T0, "署名", "x" * 9000, "::1", "U" * 50_000)],
    )
    text = pdftotext(audit_certificate(huge), tmp_path)
    assert "…" in text


def test_no_events_still_renders(tmp_path: Path) -> None:
    text = pdftotext(audit_certificate(certificate(n_events=0, completed_at=None)), tmp_path)
    assert "記録なし" in text


def test_format_jst_and_mask() -> None:
    assert format_jst(datetime(2026, 1, 1, 15, 0)) == "2026-01-02 00:00:00+09:00"  # naive = UTC
    assert format_jst(None) == "—"
    assert mask_contact("ab@x.jp") == "a***@x.jp"
    assert mask_contact("+81 90 1234 5678") == "+81 9* **** 5678"
    assert mask_contact("") == ""


def test_certificate_appended_as_an_incremental_update(two_page_pdf: bytes, tmp_path: Path) -> None:
    merged = stamp(two_page_pdf, [], audit_certificate(certificate(n_events=60)))
    assert merged.startswith(two_page_pdf)
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) >= 4
    assert "賃貸借契約書 第1頁" in pdftotext(merged, tmp_path, first=1, last=1)
    assert "監査証明書" in pdftotext(merged, tmp_path, first=3, last=3)


def test_rare_name_characters_fall_back_per_character_and_read_back_s3(tmp_path: Path) -> None:
    """𠮷 (U+20BB7) is missing from IPAex: it is drawn with the fallback font, not a box."""
    pdf = audit_certificate(
        certificate(
            parties=[
                AuditParty(1, "借主", "𠮷田 太郎", "yoshida@example.jp", T0),
                AuditParty(2, "貸主", "髙橋 一郎", "takahashi@example.jp", T0),
            ],
            sender="𠮷野不動産",
        )
    )
    text = pdftotext(pdf, tmp_path)
    assert "𠮷田 太郎" in text and "髙橋 一郎" in text and "𠮷野不動産" in text
    fonts = {
        str(f.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert any("IPAmj" in f or "ipamj" in f.lower() for f in fonts), fonts
