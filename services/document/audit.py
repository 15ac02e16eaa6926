"""The audit certificate (監査証明書) appended to every finished contract.

The certificate travels inside the signed PDF, so whoever holds the file can see who
signed, in which order, when and from where, without asking us; the platform signature
then makes the pages tamper-evident. It is in Japanese, drawn with an embedded IPAex
font (IPAmj for the name characters IPAex lacks, such as 𠮷) so that it reads the same on
any viewer and `pdftotext` gets the text back.

Contacts are partly masked: the PDF is handed to every party, and a tenant need not learn
the guarantor's full phone number from it.
"""

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .fonts import REPORTLAB_LOCK, ensure_japanese_font, markup, needs_fallback

JST = timezone(timedelta(hours=9), "JST")
_MARGIN = 18 * mm
_GRID = colors.HexColor("#9a9a9a")
_HEAD = colors.HexColor("#ececec")


@dataclass(frozen=True, slots=True)
class AuditParty:
    """One party as the certificate shows it; `contact` is masked when drawn."""

    order: int
    role: str
    name: str
    contact: str
    signed_at: datetime | None = None
    status: str = ""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One line of the trail: when, what, who, from where."""

    at: datetime
    action: str
    actor: str = ""
    ip: str | None = None
    user_agent: str | None = None
    detail: str = ""
    """Consent answers and the like, shown under the action."""


@dataclass(frozen=True, slots=True)
class FilledValue:
    """What a party entered: a text, a tick, or the fact that a seal was pressed."""

    page: int
    kind: str
    value: str
    party: str = ""


@dataclass(frozen=True, slots=True)
class AuditCertificate:
    """Everything the certificate states; times are shown in JST (naive means UTC)."""

    envelope_id: str
    envelope_title: str
    original_sha256: str
    parties: Sequence[AuditParty]
    events: Sequence[AuditEvent]
    title: str = "監査証明書"
    sender: str = ""
    completed_at: datetime | None = None
    stamped_sha256: str | None = None
    trail_digest: str | None = None
    issued_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    document_name: str = ""
    verify_url: str = ""
    filled: Sequence[FilledValue] = ()


def audit_certificate(entries: AuditCertificate) -> bytes:
    """The certificate as a standalone PDF (A4, as many pages as the trail needs)."""
    out = io.BytesIO()
    with REPORTLAB_LOCK:
        font = ensure_japanese_font()
        styles = _Styles(font)
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=_MARGIN,
            rightMargin=_MARGIN,
            topMargin=_MARGIN,
            bottomMargin=_MARGIN + 4 * mm,
            title=f"{entries.title} {entries.envelope_title}",
            author="Shomei",
            creator="Shomei",
        )
        width = A4[0] - 2 * _MARGIN
        story = [
            Paragraph(_e(entries.title), styles.title),
            Paragraph(
                "本書は、電子契約サービス Shomei が記録した本契約の締結経緯を証明するものです。"
                "本書を含む PDF 全体に Shomei の電子署名が付与されています。",
                styles.note,
            ),
            Spacer(1, 4 * mm),
            _summary_table(entries, styles, width),
            Spacer(1, 6 * mm),
            Paragraph("当事者", styles.heading),
            _parties_table(entries.parties, styles, width),
            Spacer(1, 6 * mm),
            Paragraph("操作履歴", styles.heading),
            _events_table(entries.events, styles, width),
        ]
        if entries.filled:
            story += [
                Spacer(1, 6 * mm),
                Paragraph("入力内容", styles.heading),
                _filled_table(entries.filled, styles, width),
            ]
        if entries.verify_url:
            story += [
                Spacer(1, 6 * mm),
                Paragraph(
                    "この PDF が改ざんされていないことは、次のページで確認できます："
                    f"<br/>{_e(entries.verify_url)}",
                    styles.note,
                ),
            ]

        def footer(canvas, document) -> None:
            canvas.saveState()
            canvas.setFont(font, 7.5)
            canvas.setFillColor(colors.HexColor("#555555"))
            canvas.drawString(
                _MARGIN, _MARGIN - 2 * mm, f"Shomei {entries.title}  {entries.envelope_id}"
            )
            canvas.drawRightString(A4[0] - _MARGIN, _MARGIN - 2 * mm, f"{document.page} ページ")
            canvas.restoreState()

        doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def format_jst(moment: datetime | None) -> str:
    """`2026-11-26 14:03:12+09:00`: ISO-like, unambiguous, Japanese local time."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S+09:00")


def format_utc(moment: datetime | None) -> str:
    """`2026-11-26 05:03:12Z`: the same moment in UTC, for readers abroad and logs."""
    if moment is None:
        return "—"
    return _aware(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def mask_contact(contact: str) -> str:
    """Hide the middle of an email's local part or a phone number, keep enough to
    recognise it: `sa***@example.jp`, `090-****-5678`."""
    contact = contact.strip()
    if not contact:
        return ""
    if "@" in contact:
        local, _, domain = contact.rpartition("@")
        keep = 1 if len(local) <= 3 else 2
        return f"{local[:keep]}***@{domain}"
    digits = [i for i, ch in enumerate(contact) if ch.isdigit()]
    if len(digits) >= 7:
        hidden = set(digits[3:-4])
        return "".join("*" if i in hidden else ch for i, ch in enumerate(contact))
    return contact[:2] + "*" * max(len(contact) - 2, 3)


class _Styles:
    def __init__(self, font: str) -> None:
        self.font = font
        base = {"fontName": font, "wordWrap": "CJK"}
        self.title = ParagraphStyle("title", fontSize=18, leading=24, alignment=1, **base)
        self.heading = ParagraphStyle("heading", fontSize=11, leading=16, spaceAfter=4, **base)
        self.note = ParagraphStyle("note", fontSize=8.5, leading=12, **base)
        self.cell = ParagraphStyle("cell", fontSize=8.5, leading=11, **base)
        self.small = ParagraphStyle("small", fontSize=7, leading=9, **base)
        self.head = ParagraphStyle("head", fontSize=8.5, leading=11, **base)
        # A full timestamp on one line: the column is sized to it, padding included.
        self.time_width = stringWidth("2026-12-31 23:59:59+09:00", font, 8.5) + 10
        # 署名済み on one line in the 状態 column.
        self.status_width = stringWidth("署名済み", font, 8.5) + 12


MAX_CELL_CHARS = 400
"""A cell taller than a page would stop reportlab; nothing legitimate is that long."""


def _e(text: object) -> str:
    """Escape for reportlab's mini-markup (user data must never be read as tags), with
    characters IPAex lacks (𠮷) in the fallback font that has them."""
    text = _printable(str(text))
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return markup(text)


def _printable(text: str) -> str:
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def _table(rows: list[list], widths: list[float], styles: "_Styles", header: bool = True) -> Table:
    """A grid; a plain `str` cell that fits its column on one line is drawn as is (CJK
    line breaking in a Paragraph is most of the certificate's cost), else wrapped."""
    cells = [
        [
            _fit(cell, width, styles) if isinstance(cell, str) else cell
            for cell, width in zip(row, widths, strict=True)
        ]
        for row in rows
    ]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("FONT", (0, 0), (-1, -1), styles.font, styles.cell.fontSize, styles.cell.leading),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), _HEAD))
    table.setStyle(TableStyle(style))
    return table


def _fit(text: str, width: float, styles: "_Styles") -> str | Paragraph:
    text = _printable(text)
    if (
        len(text) < 120
        and stringWidth(text, styles.font, styles.cell.fontSize) <= width - 7
        and not needs_fallback(text)
    ):
        return text
    return Paragraph(_e(text), styles.cell)


def _summary_table(entries: AuditCertificate, styles: _Styles, width: float) -> Table:
    rows = [
        ("件名", entries.envelope_title),
        ("文書名", entries.document_name or "—"),
        ("署名依頼ID", entries.envelope_id),
        ("送信者", entries.sender or "—"),
        ("締結日時", f"{format_jst(entries.completed_at)}（{format_utc(entries.completed_at)}）"),
        ("原本のSHA-256", entries.original_sha256),
    ]
    if entries.stamped_sha256:
        rows.append(("押印後のSHA-256", entries.stamped_sha256))
    if entries.trail_digest:
        rows.append(("監査ログのハッシュ", entries.trail_digest))
    if entries.verify_url:
        rows.append(("検証ページ", entries.verify_url))
    rows.append(("発行日時", format_jst(entries.issued_at)))
    table = _table([list(row) for row in rows], [32 * mm, width - 32 * mm], styles, header=False)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), _HEAD)]))
    return table


def _parties_table(parties: Sequence[AuditParty], styles: _Styles, width: float) -> Table:
    widths = [10 * mm, 24 * mm, 32 * mm, 0.0, styles.time_width, styles.status_width]
    widths[3] = width - sum(widths)
    rows: list[list] = [["順番", "役割", "氏名", "連絡先", "署名日時", "状態"]]
    for party in sorted(parties, key=lambda item: item.order):
        rows.append(
            [
                str(party.order),
                party.role,
                party.name,
                mask_contact(party.contact),
                format_jst(party.signed_at),
                party.status or "—",
            ]
        )
    return _table(rows, widths, styles)


def _events_table(events: Sequence[AuditEvent], styles: _Styles, width: float) -> Table:
    p = styles.cell
    widths = [styles.time_width, 36 * mm, 32 * mm, 0.0]
    widths[3] = width - sum(widths)
    rows: list[list] = [["日時（日本時間／UTC）", "操作", "実行者", "接続元"]]
    for event in sorted(events, key=lambda item: _aware(item.at)):
        action: str | Paragraph = event.action
        if event.detail:
            action = Paragraph(
                f'{_e(event.action)}<br/><font size="7">{_e(event.detail)}</font>', p
            )
        origin: str | Paragraph = event.ip or "—"
        if event.user_agent:
            origin = Paragraph(
                f'{_e(event.ip or "—")}<br/><font size="7">{_e(event.user_agent)}</font>', p
            )
        when = Paragraph(
            f'{_e(format_jst(event.at))}<br/><font size="7">{_e(format_utc(event.at))}</font>', p
        )
        rows.append([when, action, event.actor or "—", origin])
    if len(rows) == 1:
        rows.append(["—", "記録なし", "", ""])
    return _table(rows, widths, styles)


def _filled_table(filled: Sequence[FilledValue], styles: _Styles, width: float) -> Table:
    with_party = any(item.party for item in filled)
    heads = ["頁", "種類", "入力者", "内容"] if with_party else ["頁", "種類", "内容"]
    widths = [14 * mm, 24 * mm, 36 * mm, 0.0] if with_party else [14 * mm, 24 * mm, 0.0]
    widths[-1] = width - sum(widths)
    rows: list[list] = [heads]
    for item in filled:
        party = [item.party or "—"] if with_party else []
        rows.append([str(item.page), item.kind, *party, item.value])
    return _table(rows, widths, styles)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
