"""What a service may ask the notify service to send, and what notify answers about it.

One parameter model per kind of message (the guide's mails and SMS, plus account mails);
`notification.requested` carries one of them, told apart by `kind`, so a requester that
forgets a field fails when it builds the event, not when a worker renders the mail. The
sender's comment exists only on the mails to parties (S12): no SMS shows it.
"""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.messages import Command, Model, Query

Locale = Literal["ja", "en"]
Text = Annotated[str, Field(min_length=1, max_length=300)]
Url = Annotated[str, Field(min_length=1, max_length=2000)]


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class _ToParty(_Params):
    """A mail or SMS to a party of an envelope about its document."""

    recipient_name: Text
    """The party's name, as the greeting shows it."""
    sender_name: Text
    """The agency that sent the request."""
    document_title: Text
    """The document's title (文書名)."""


class _ToSender(_Params):
    """A mail to the sender (the agency's staff) about one party of an envelope."""

    document_title: Text
    """The document's title (文書名)."""
    party_name: Text
    """The party the message is about."""
    recipient_name: str | None = None
    """The staff member or agency greeted; "ご担当者 様" when absent."""
    detail_url: Url | None = None
    """A link to the envelope's page, when there is one."""


class SignatureRequest(_ToParty):
    """署名依頼 (S13, G1): a party's turn to sign."""

    kind: Literal["signature_request"] = "signature_request"
    """Which message: the discriminator of the parameter union."""
    sign_url: Url
    """The party's own link to the signing page."""
    comment: Annotated[str, Field(max_length=2000)] | None = None
    """The sender's comment: shown in the e-mail only, never by SMS (S12)."""
    access_code_hint: Annotated[str, Field(max_length=200)] | None = None
    """The hint to the access code, when the party has one (S9)."""
    expires_at: datetime | None = None
    """The signing deadline, when there is one."""


class SignatureReRequest(SignatureRequest):
    """署名再依頼 (D4): asked again, with a new link."""

    kind: Literal["signature_rerequest"] = "signature_rerequest"  # type: ignore[assignment]
    """Which message: the discriminator of the parameter union."""


class SignatureReminder(SignatureRequest):
    """リマインド (B3): still waiting for this party's signature."""

    kind: Literal["signature_reminder"] = "signature_reminder"  # type: ignore[assignment]
    """Which message: the discriminator of the parameter union."""


class SignatureCompleted(_ToParty):
    """締結完了 (G7): every party has signed; the finished PDF is ready."""

    kind: Literal["signature_completed"] = "signature_completed"
    """Which message: the discriminator of the parameter union."""
    download_url: Url
    """The party's own link to the finished PDF."""
    completed_at: datetime | None = None
    """When the last party signed."""
    verify_url: Url | None = None
    """Where anyone can check the PDF was not altered."""


class CancellationNotice(_ToParty):
    """取消 (B3): the sender withdrew the request; the link no longer opens."""

    kind: Literal["envelope_cancelled"] = "envelope_cancelled"
    """Which message: the discriminator of the parameter union."""
    reason: Annotated[str, Field(max_length=500)] | None = None
    """Why the sender cancelled, when given."""


class DeclineNotice(_ToSender):
    """署名拒否 (G4): a party declined to sign, with a reason."""

    kind: Literal["envelope_declined"] = "envelope_declined"
    """Which message: the discriminator of the parameter union."""
    reason: Annotated[str, Field(max_length=500)] | None = None
    """The party's reason, when given."""


class ExpiryNotice(_ToSender):
    """期限切れ (B3): the signing deadline passed before this party signed."""

    kind: Literal["envelope_expired"] = "envelope_expired"
    """Which message: the discriminator of the parameter union."""
    expired_at: datetime | None = None
    """The deadline that passed."""


class AccessLocked(_ToSender):
    """アクセスロック (G2): a party typed a wrong access code too often."""

    kind: Literal["access_locked"] = "access_locked"
    """Which message: the discriminator of the parameter union."""
    locked_at: datetime | None = None
    """When the page was locked."""


class DeliveryFailed(_ToSender):
    """送信失敗 (B4): a mail or SMS to a party could not be delivered."""

    kind: Literal["delivery_failed"] = "delivery_failed"
    """Which message: the discriminator of the parameter union."""
    channel: Literal["email", "sms"]
    """The channel that failed."""
    contact: Text
    """The address or number it went to (a number is shown masked)."""
    reason: Annotated[str, Field(max_length=500)]
    """Why, as the mail server or provider said it."""


class DeliverySuppressed(_ToSender):
    """SMS停止 (S8): the number changed hands after the party's acquisition date."""

    kind: Literal["delivery_suppressed"] = "delivery_suppressed"
    """Which message: the discriminator of the parameter union."""
    phone_number: Text
    """The number (shown masked)."""
    acquired_on: date | None = None
    """The acquisition date the sender entered (携帯番号取得日)."""
    changed_on: date | None = None
    """When the number passed to a new holder."""


class AccountIssued(_Params):
    """アカウント発行 (A1): the agency's first administrator's login."""

    kind: Literal["account_issued"] = "account_issued"
    """Which message: the discriminator of the parameter union."""
    recipient_name: Text
    """The administrator's name."""
    agency_name: Text
    """The agency the account belongs to."""
    login_id: Text
    """The login ID."""
    temporary_password: Text
    """The temporary password, changed at the first login (A2)."""
    login_url: Url
    """Where to log in."""


class PasswordReset(_Params):
    """パスワード再設定 (A3)."""

    kind: Literal["password_reset"] = "password_reset"
    """Which message: the discriminator of the parameter union."""
    recipient_name: Text
    """The staff member's name."""
    reset_url: Url
    """The one-time link to choose a new password."""
    expires_at: datetime | None = None
    """When the link stops working."""


NotificationParams = Annotated[
    SignatureRequest
    | SignatureReRequest
    | SignatureReminder
    | SignatureCompleted
    | CancellationNotice
    | DeclineNotice
    | ExpiryNotice
    | AccessLocked
    | DeliveryFailed
    | DeliverySuppressed
    | AccountIssued
    | PasswordReset,
    Field(discriminator="kind"),
]
SMS_KINDS = frozenset(
    {
        "signature_request",
        "signature_rerequest",
        "signature_reminder",
        "signature_completed",
        "envelope_cancelled",
    }
)
"""The kinds a party may receive by SMS (S7); the rest go to staff by mail only."""


# --- delivery state (B4), asked by the gateway ------------------------------------------

MessageStatus = Literal["queued", "sent", "delivered", "failed", "suppressed"]


class MessageState(Model):
    """One mail or SMS and how far it got."""

    notification_id: str
    """The notification."""
    kind: str
    """Which message: signature_request, signature_completed, delivery_failed …"""
    channel: Literal["email", "sms"]
    """email or sms."""
    to: str
    """The address or number it goes to."""
    party_id: str | None
    """The party it is about."""
    status: MessageStatus
    """queued (waiting or retrying), sent (the mail server or SMS provider took it),
    delivered (the SMS provider reached the phone), failed or suppressed (S8)."""
    reason: str | None = None
    """Why it failed or was suppressed, in words the sender can act on."""
    attempts: int
    """How many times a send was tried."""
    requested_at: datetime
    """When it was requested (UTC)."""
    updated_at: datetime
    """When its state last changed (UTC)."""


class EnvelopeMessages(Model):
    """Every mail and SMS of one envelope, oldest first (B4)."""

    envelope_id: str
    """The envelope."""
    messages: list[MessageState]
    """Its messages, including the notices to the sender."""


class ListEnvelopeMessages(Query[EnvelopeMessages]):
    """The delivery state of an envelope's messages, for the sender (B4)."""

    kind: Literal["notify.envelope_messages"] = "notify.envelope_messages"
    tenant_id: str
    """The agency asking; another agency's messages are not listed."""
    envelope_id: str
    """The envelope."""


SMS_STATUS_PATH = "/callbacks/twilio/status"
"""Where the gateway takes the SMS provider's status callbacks (notify tells the provider)."""

SmsStatus = Literal[
    "accepted", "queued", "sending", "sent", "delivered", "undelivered", "failed", "read"
]


class SmsStatusRecorded(Model):
    """What the report changed."""

    known: bool
    """False when no sent SMS has this id yet (the report is kept for it)."""
    status: MessageStatus | None = None
    """The message's state after the report."""


class ReportSmsStatus(Command[SmsStatusRecorded]):
    """The SMS provider's status callback, checked and forwarded by the gateway."""

    kind: Literal["notify.sms_status"] = "notify.sms_status"
    provider_id: str = Field(min_length=1, max_length=64)
    """The provider's message id (Twilio's MessageSid)."""
    status: SmsStatus
    """The provider's status (Twilio's MessageStatus)."""
    error_code: str | None = None
    """The provider's error code, for a failure."""
