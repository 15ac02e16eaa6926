"""The parameters of every notification the envelope asks for, in one place.

Each kind is one of the typed parameter models the notify service renders, so a request
that lacks a field fails when the envelope builds it, not when a worker renders the mail.
The sender's comment goes to e-mail only, never to SMS (S12).
"""

from services.common.notifications import (
    AccessLocked,
    CancellationNotice,
    DeclineNotice,
    ExpiryNotice,
    NotificationParams,
    SignatureCompleted,
    SignatureReminder,
    SignatureRequest,
    SignatureReRequest,
)
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
) -> NotificationParams:
    """A mail or SMS to a party: asked, reminded, completed, cancelled; or told that
    `about` (another party) declined, in the words of the sender's mail."""
    name = party.recipient_name or party.name
    if kind == "envelope_declined":
        return DeclineNotice(
            document_title=title, party_name=about or "-", recipient_name=name, reason=reason
        )
    common = {"recipient_name": name, "sender_name": sender_name, "document_title": title}
    if kind == "signature_completed":
        return SignatureCompleted(**common, download_url=link or "")
    if kind == "envelope_cancelled":
        return CancellationNotice(**common, reason=reason)
    asks = {"signature_reminder": SignatureReminder, "signature_rerequest": SignatureReRequest}
    request = asks.get(kind, SignatureRequest)
    return request(
        **common,
        sign_url=link or "",
        comment=(party.comment or None) if channel == "email" else None,
        access_code_hint=party.access_code_hint or None,
    )


def to_sender(
    kind: str,
    party_name: str,
    *,
    sender_name: str,
    title: str,
    reason: str | None = None,
) -> NotificationParams:
    """A mail to the sender about a party: locked, declined, expired."""
    common = {"recipient_name": sender_name, "document_title": title, "party_name": party_name}
    if kind == "access_locked":
        return AccessLocked(**common)
    if kind == "envelope_expired":
        return ExpiryNotice(**common)
    return DeclineNotice(**common, reason=reason)
