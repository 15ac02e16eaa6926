"""The words of every notification, rendered from jinja2 templates (Japanese first).

Each kind has a subject, a plain-text and an HTML body for email, and a short SMS body.
HTML is autoescaped (a name like `<b>山田</b>` stays text); plain text and SMS are not
HTML and are not escaped. The sender's comment appears in email only: no SMS template
mentions it (S12, G1). Parameters are checked against the kind's list, so a
misspelt name fails here rather than rendering as an empty line.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, get_args

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

Channel = Literal["email", "sms"]
TEMPLATE_DIR = Path(__file__).parent / "templates"
LOCALES = ("ja",)
"""English (B5) goes in `templates/en/` with the same file names, then here."""

try:
    from zoneinfo import ZoneInfo

    _JST: Any = ZoneInfo("Asia/Tokyo")
except Exception:  # no tz database: Japan has no daylight saving time
    _JST = timezone(timedelta(hours=9), "JST")


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """What a channel sends. For SMS, `subject` is only a label for logs and the
    delivery list (B4), and `html` is None."""

    subject: str
    text: str
    html: str | None


@dataclass(frozen=True, slots=True)
class _Kind:
    required: frozenset[str]
    optional: Mapping[str, Any]


KINDS: Mapping[str, _Kind] = {
    # 署名依頼, to a party whose turn it is (also re-requests and reminders).
    "signature_request": _Kind(
        frozenset({"recipient_name", "sender_name", "document_title", "sign_url"}),
        {"comment": None, "access_code_hint": None, "expires_at": None, "reminder": False},
    ),
    # 締結完了, to every party and share-only recipient (G7).
    "signature_completed": _Kind(
        frozenset({"recipient_name", "sender_name", "document_title", "download_url"}),
        {"completed_at": None, "download_expires_at": None, "verify_url": None},
    ),
    # To the sender: a party typed wrong access codes too often and is locked (G2).
    "access_locked": _Kind(
        frozenset({"document_title", "party_name"}),
        {"recipient_name": None, "locked_at": None, "detail_url": None},
    ),
    # To the sender: SMS stopped, the mobile number changed hands (S8).
    "sms_stopped": _Kind(
        frozenset({"document_title", "party_name", "phone_number"}),
        {"recipient_name": None, "acquired_on": None, "detail_url": None},
    ),
}


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
            value = value.astimezone(_JST)
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
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
)
_env.filters.update(clip=clip, mask_phone=mask_phone, jdate=jdate, nl2br=nl2br)


def render(
    kind: str, channel: Channel, params: Mapping[str, Any], locale: str = "ja"
) -> RenderedMessage:
    """Render one notification; ValueError for an unknown kind, channel, locale or
    parameter, or a missing required parameter."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind: {kind!r}")
    if channel not in get_args(Channel):
        raise ValueError(f"unknown channel: {channel!r}")
    if locale not in LOCALES:
        raise ValueError(f"unknown locale: {locale!r}")
    missing = spec.required - params.keys()
    if missing:
        raise ValueError(f"{kind}: missing parameters {sorted(missing)}")
    unknown = params.keys() - spec.required - spec.optional.keys()
    if unknown:
        raise ValueError(f"{kind}: unknown parameters {sorted(unknown)}")
    for name in spec.required:
        if params[name] is None or not str(params[name]).strip():
            raise ValueError(f"{kind}: parameter {name!r} is empty")
    context = {**spec.optional, **params}

    def part(name: str) -> str:
        return _env.get_template(f"{locale}/{kind}.{name}.j2").render(context)

    subject = " ".join(part("subject").split())
    if channel == "sms":
        return RenderedMessage(subject=subject, text=part("sms").strip(), html=None)
    return RenderedMessage(subject=subject, text=part("text").strip() + "\n", html=part("html"))
