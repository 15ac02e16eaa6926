"""Every event on `shomei.events`. Routing key = `<entity>.<past-tense verb>`.

Each event's docstring says when it is published and who consumes it; the AsyncAPI
documents show it as the message's description.
"""

from datetime import date, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.messages import Event
from services.common.notifications import Locale, NotificationParams
from services.common.values import Channel, FieldType, PartyKind, PartyRole, Placement

__all__ = [
    "PUBLIC_EVENT_TYPES",
    "AuditEventRecord",
    "AuditPartyRecord",
    "DocumentFinalizeFailed",
    "DocumentFinalized",
    "DocumentUploaded",
    "EnvelopeCancelled",
    "EnvelopeCompleted",
    "EnvelopeDeclined",
    "EnvelopeExpired",
    "EnvelopeSent",
    "EnvelopeSigned",
    "FilledField",
    "NotificationDelivered",
    "NotificationFailed",
    "NotificationRequested",
    "NotificationSuppressed",
    "PartySigned",
    "Placement",
    "SentParty",
    "WebhookDeliveryRequested",
]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)


class DocumentUploaded(Event):
    """An upload passed inspection and became a document. Published by document; no
    consumer yet (the staff console will list it)."""

    name: ClassVar[str] = "document.uploaded"
    document_id: str
    """The new document."""
    sha256: str
    """SHA-256 of the uploaded bytes, hex."""
    pages: int
    """Number of pages."""
    filename: str
    """The cleaned file name."""


class SentParty(_Part):
    """A signing party as the seal service needs it to draw the seal ahead of time."""

    party_id: str
    """The party."""
    name: str
    """Name, as the seal is made from it."""
    kind: PartyKind
    """individual, corporation or corporation_registered: decides the seal's shape."""
    role: PartyRole
    """The party's role; `agent` presses a licensed agent's seal (取引士印)."""
    seal_image_id: str | None = None
    """The agency's uploaded seal the party presses (S17): nothing to draw."""


class EnvelopeSent(Event):
    """A draft envelope was sent and its first signing order asked. Published by signing;
    consumed by seal, which draws every signing party's seal ahead (webhooks will carry it)."""

    name: ClassVar[str] = "envelope.sent"
    envelope_id: str
    """The envelope."""
    document_id: str
    """Its contract PDF."""
    parties: list[SentParty] = Field(default_factory=list)
    """The parties who sign, so their seals can be drawn before they open their page."""


class PartySigned(Event):
    """One party sealed and signed. Published by signing; no consumer yet (webhooks)."""

    name: ClassVar[str] = "party.signed"
    envelope_id: str
    """The envelope."""
    party_id: str
    """The party who signed."""


class FilledField(_Part):
    """A box as its party filled it."""

    placement: Placement
    """Where, in PDF points on the page as displayed: origin top-left, y downward."""
    type: FieldType
    """signature, text or checkbox."""
    seal_blob_id: str | None = None
    """The seal drawn into a signature box."""
    text: str | None = None
    """A text field's content."""
    checked: bool | None = None
    """A checkbox's mark."""


class AuditEventRecord(_Part):
    """One step of a party's history, for the audit certificate."""

    at: datetime
    """When (UTC)."""
    action: str
    """asked, opened, access_verified, signed …"""
    ip: str | None = None
    """The signer's IP address."""
    user_agent: str | None = None
    """The signer's browser."""
    consent: dict[str, bool | str] | None = None
    """The signer's answers to consent questions, when the step asked any."""


class AuditPartyRecord(_Part):
    """A party as the audit certificate names it."""

    role: str
    """The party's role."""
    name: str
    """The party's name."""
    contact: str
    """E-mail address or phone number the requests went to."""
    signing_order: int | None
    """Signing order, null for a share-only party."""
    events: list[AuditEventRecord]
    """The party's history, oldest first."""
    recipient_name: str | None = None
    """受信者 of a corporation."""
    signs: bool = True
    """False for a share-only party (S11)."""
    article37_consent: str | None = None
    """37条書面の電子交付 (S18): given, refused, or null when not (yet) answered."""


class EnvelopeSigned(Event):
    """Every signing party has signed. Published by signing; consumed by document, which
    stamps the seals, adds the audit certificate and signs the PDF (then publishes
    document.finalized)."""

    name: ClassVar[str] = "envelope.signed"
    envelope_id: str
    """The envelope."""
    document_id: str
    """The contract PDF to finish."""
    title: str
    """文書名, for the audit certificate."""
    sender_name: str = ""
    """The sending agency, for the audit certificate."""
    contract_type: str = "other"
    """契約種別 (S2), for the audit certificate."""
    fields: list[FilledField]
    """Every box, filled."""
    parties: list[AuditPartyRecord]
    """Every party with its history."""
    audit_digest: str
    """Hash of the envelope's last audit entry; the certificate carries it."""


class EnvelopeDeclined(Event):
    """A party declined with a reason; the envelope ended (G4). Published by signing; no
    consumer yet (webhooks)."""

    name: ClassVar[str] = "envelope.declined"
    envelope_id: str
    """The envelope."""
    party_id: str
    """The party who declined."""
    reason: str
    """The party's reason."""


class EnvelopeCancelled(Event):
    """The sender cancelled the envelope (B3). Published by signing; no consumer yet."""

    name: ClassVar[str] = "envelope.cancelled"
    envelope_id: str
    """The envelope."""
    reason: str | None = None
    """The sender's reason."""


class EnvelopeExpired(Event):
    """The envelope's time ran out before everyone signed (B3). Published by signing; no
    consumer yet."""

    name: ClassVar[str] = "envelope.expired"
    envelope_id: str
    """The envelope."""


class DocumentFinalized(Event):
    """The finished, sealed and signed PDF of an envelope is stored. Published by document;
    consumed by signing, which completes the envelope (then publishes envelope.completed)."""

    name: ClassVar[str] = "document.finalized"
    document_id: str
    """The document."""
    envelope_id: str
    """The envelope it finishes."""
    finished_blob_id: str
    """The finished PDF's blob."""
    sha256: str
    """SHA-256 of the finished PDF, hex."""


class DocumentFinalizeFailed(Event):
    """The finished PDF of an envelope cannot be made yet (`retrying`: the time-stamp
    authority does not answer, `timestamp_unavailable`, or another passing failure) or
    without help (`cannot_stamp`, `finishing_blob_missing`, retries used up). Published by
    document; consumed by signing, whose envelope shows it to the sender."""

    name: ClassVar[str] = "document.finalize_failed"
    document_id: str
    """The document."""
    envelope_id: str
    """The envelope whose finished PDF is missing."""
    code: str
    """Why, as a stable code."""
    message: str
    """Why, in Japanese, for the sender."""
    retrying: bool = False
    """True while finishing is retried by itself; false when it stopped (an operator
    replays it once the cause is fixed)."""


class EnvelopeCompleted(Event):
    """The finished PDF exists and every party is sent it (G7). Published by signing; no
    consumer yet (webhooks and the staff console will carry it)."""

    name: ClassVar[str] = "envelope.completed"
    envelope_id: str
    """The envelope."""
    document_id: str
    """Its contract PDF."""
    finished_sha256: str
    """SHA-256 of the finished PDF, hex."""


class NotificationRequested(Event):
    """An e-mail or SMS should go out. Published by signing; consumed by notify, which
    sends it once and publishes notification.delivered or notification.failed."""

    name: ClassVar[str] = "notification.requested"
    notification_id: str
    """Unique per notification; a repeated request sends nothing."""
    channel: Channel
    """email or sms."""
    to: str
    """E-mail address or Japanese mobile number."""
    params: NotificationParams
    """What the message says: one parameter model per kind, told apart by `kind`."""
    locale: Locale = "ja"
    """The language of the message (B5)."""
    envelope_id: str | None = None
    """The envelope it is about."""
    party_id: str | None = None
    """The party it is about."""
    tell_sender: str | None = None
    """The sender's mail address, told when this message fails or is suppressed (B4)."""
    number_acquired_on: date | None = None
    """S8: when the party got this mobile number; SMS stops if it changed hands since."""

    @property
    def kind(self) -> str:
        return self.params.kind

    @model_validator(mode="before")
    @classmethod
    def _kind_inside_params(cls, data: Any) -> Any:
        """A request of the older shape (`kind` beside untyped params) still reads."""
        if isinstance(data, dict) and "kind" in data and isinstance(data.get("params"), dict):
            data = {**data, "params": {"kind": data["kind"], **data["params"]}}
        return data


class NotificationDelivered(Event):
    """The mail server or SMS provider took the message. Published by notify; no consumer
    yet (the staff console will show it)."""

    name: ClassVar[str] = "notification.delivered"
    notification_id: str
    """The notification."""
    channel: Channel
    """email or sms."""
    envelope_id: str | None = None
    """The envelope it is about."""
    party_id: str | None = None
    """The party it is about."""
    provider_id: str | None = None
    """The SMS provider's message id."""


class NotificationSuppressed(Event):
    """Not sent on purpose (S8: the number changed hands). Published by notify, which also
    mails the sender why; no other consumer yet."""

    name: ClassVar[str] = "notification.suppressed"
    notification_id: str
    """The notification."""
    channel: Channel
    """email or sms."""
    reason: str
    """Why it was not sent, for the sender."""
    envelope_id: str | None = None
    """The envelope it is about."""
    party_id: str | None = None
    """The party it is about."""


class NotificationFailed(Event):
    """A notification could not be delivered for good. Published by notify; no consumer yet
    (the sender will be told, B4)."""

    name: ClassVar[str] = "notification.failed"
    notification_id: str
    """The notification."""
    channel: Channel
    """email or sms."""
    reason: str
    """Why, as the mail server or provider said it."""
    envelope_id: str | None = None
    """The envelope it is about."""
    party_id: str | None = None
    """The party it is about."""


class WebhookDeliveryRequested(Event):
    """One event should be POSTed to one webhook subscription (again). Published by
    webhooks for each subscription an event concerns, and on a redelivery; consumed by
    webhooks' delivery workers (competing consumers, retried through delay queues)."""

    name: ClassVar[str] = "webhook.delivery_requested"
    delivery_id: str
    """The delivery: its `webhook-id`."""


PUBLIC_EVENT_TYPES: tuple[str, ...] = tuple(
    event.name
    for event in (
        EnvelopeSent,
        PartySigned,
        EnvelopeDeclined,
        EnvelopeCompleted,
        EnvelopeExpired,
        EnvelopeCancelled,
        NotificationFailed,
    )
)
"""The events an agency's system may subscribe to by webhook (B1), in the order staff read
them."""
