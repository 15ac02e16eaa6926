"""The words of every notification, from jinja2 templates in Japanese and English (B5).

Each kind has one template per locale (`templates/<locale>/<kind>.j2`) that sets the
parts of its message: subject, greeting, lead paragraphs, a table of rows, one action
link, notes, and for kinds a party may get by SMS, the SMS text. Two layouts per locale
turn those parts into the plain-text and the HTML body, so every mail looks alike and the
HTML is autoescaped (a name like `<b>山田</b>` stays text). The sender's comment is shown
by the mail layouts only; no SMS template can reach it (S12, G1).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from services.common.notifications import SMS_KINDS, Locale, NotificationParams

Channel = Literal["email", "sms"]
TEMPLATE_DIR = Path(__file__).parent / "templates"
SHARED_TEMPLATE = {"signature_reminder": "signature_request"}
SMS_LEAD_CHARS = 70
"""The text before the link fits one SMS segment of Japanese (UCS-2) characters."""
SMS_MAX_CHARS = 670
"""Japanese carriers join long SMS up to 670 characters."""

try:
    from zoneinfo import ZoneInfo

    JST: Any = ZoneInfo("Asia/Tokyo")
except Exception:  # no tz database: Japan has no daylight saving time
    JST = timezone(timedelta(hours=9), "JST")


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """What a channel sends. For SMS, `subject` is only a label for logs and the
    delivery list (B4), and `html` is None."""

    subject: str
    text: str
    html: str | None


def clip(value: object, length: int) -> str:
    """At most `length` characters, with an ellipsis when cut (for SMS)."""
    text = " ".join(str(value).split())
    return text if len(text) <= length else text[: max(1, length - 1)] + "…"


def mask_phone(value: object) -> str:
    """090****5678: enough for the sender to recognise the number, no more."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if str(value).strip().startswith("+81") and len(digits) == 12:
        digits = "0" + digits[2:]
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def jdate(value: object) -> str:
    """2025年4月1日 15:30 (in Japan time) from a datetime, a date, or text as is."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(JST)
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def edate(value: object) -> str:
    """1 April 2025, 15:30 JST (the times are Japan's, as for every party)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(JST)
        return f"{value.day} {value:%B %Y, %H:%M} JST"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def nl2br(value: object) -> Markup:
    """Escape, then keep the line breaks the sender typed in a comment."""
    return escape(str(value)).replace("\n", Markup("<br>\n"))


_env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    auto_reload=False,  # templates ship with the code: no stat() of each at every render
)
_env.filters.update(clip=clip, mask_phone=mask_phone, jdate=jdate, edate=edate, nl2br=nl2br)


def render(params: NotificationParams, channel: Channel, locale: Locale = "ja") -> RenderedMessage:
    """Render one notification; ValueError for a kind that has no SMS, or an SMS too long."""
    context = params.model_dump()
    name = SHARED_TEMPLATE.get(params.kind, params.kind)
    parts = _env.get_template(f"{locale}/{name}.j2").make_module(context)
    subject = " ".join(str(parts.subject).split())
    if channel == "sms":
        if params.kind not in SMS_KINDS:
            raise ValueError(f"{params.kind} is sent by email only")
        text = str(parts.sms).strip()
        check_sms_length(text)
        return RenderedMessage(subject=subject, text=text, html=None)
    text = _env.get_template(f"{locale}/_mail.text.j2").render(context, m=parts)
    html = _env.get_template(f"{locale}/_mail.html.j2").render(context, m=parts)
    return RenderedMessage(subject=subject, text=text.strip() + "\n", html=html)


def check_sms_length(text: str) -> None:
    lead = text.split("http", 1)[0].strip()
    if len(lead) > SMS_LEAD_CHARS or len(text) > SMS_MAX_CHARS:
        raise ValueError(
            f"SMS too long: {len(lead)} characters before the link (at most {SMS_LEAD_CHARS}),"
            f" {len(text)} in all (at most {SMS_MAX_CHARS})"
        )
