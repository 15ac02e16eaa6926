"""The parameters of every notification the envelope asks for, in one place.

Each kind's parameters are exactly those its notify template takes, so a test can render
every notification the domain requests from what it really sends. Times are left out: on
the bus they would arrive as ISO text, which a mail should not show. The sender's comment
goes to e-mail only, never to SMS (S12).
"""

from typing import Any

from services.common.values import Channel
from services.signing.parties import Party


def to_party(
    kind: str,
    party: Party,
    channel: Channel,
    *,
    sender_name: str,
    title: str,
    link: str | None = None,
    reason: str | None = None,
    about: str | None = None,
) -> dict[str, Any]:
    """A mail or SMS to a party: asked, reminded, completed, cancelled; or told that
    `about` (another party) declined, in the words of the sender's mail."""
    if kind == "envelope_declined":
        return {
            **to_sender(about or "", sender_name=sender_name, title=title, reason=reason),
            "recipient_name": party.recipient_name or party.name,
        }
    params: dict[str, Any] = {
        "recipient_name": party.recipient_name or party.name,
        "sender_name": sender_name,
        "document_title": title,
    }
    if kind == "signature_completed":
        params["download_url"] = link
    elif kind in ("signature_request", "signature_reminder"):
        params["sign_url"] = link
        if party.comment and channel == "email":
            params["comment"] = party.comment
        if party.access_code_hint:
            params["access_code_hint"] = party.access_code_hint
        if kind == "signature_reminder":
            params["reminder"] = True
    elif reason:
        params["reason"] = reason
    return params


def template_kind(kind: str) -> str:
    """A reminder is a request mail with its reminder line (the notify service's kind)."""
    return "signature_request" if kind == "signature_reminder" else kind


def to_sender(
    party_name: str,
    *,
    sender_name: str,
    title: str,
    reason: str | None = None,
) -> dict[str, Any]:
    """A mail to the sender about a party: locked, declined, expired."""
    params: dict[str, Any] = {
        "recipient_name": sender_name,
        "document_title": title,
        "party_name": party_name,
    }
    if reason:
        params["reason"] = reason
    return params
