"""Every event on `shomei.events`. Routing key = `<entity>.<past-tense verb>`."""

from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from services.common.messages import Event


class DocumentUploaded(Event):
    name: ClassVar[str] = "document.uploaded"
    document_id: str
    sha256: str
    pages: int
    filename: str


class EnvelopeSent(Event):
    name: ClassVar[str] = "envelope.sent"
    envelope_id: str
    document_id: str


class PartySigned(Event):
    name: ClassVar[str] = "party.signed"
    envelope_id: str
    party_id: str


class Placement(BaseModel):
    """A box on a page, in PDF points from the top-left corner of the page, y downward."""

    page: int
    x: float
    y: float
    width: float
    height: float


class FilledField(BaseModel):
    placement: Placement
    type: Literal["signature", "text", "checkbox"]
    seal_blob_id: str | None = None
    text: str | None = None
    checked: bool | None = None


class AuditPartyRecord(BaseModel):
    role: str
    name: str
    contact: str
    signing_order: int | None
    events: list[dict[str, Any]]
    """Each: {"at": ISO time, "action": str, "ip": str | None, "user_agent": str | None}."""


class EnvelopeCompleted(Event):
    """Every signing party has signed: the document service can finish the PDF."""

    name: ClassVar[str] = "envelope.completed"
    envelope_id: str
    document_id: str
    title: str
    sender_name: str = ""
    fields: list[FilledField]
    parties: list[AuditPartyRecord]
    audit_digest: str


class DocumentFinalized(Event):
    name: ClassVar[str] = "document.finalized"
    document_id: str
    envelope_id: str
    finished_blob_id: str
    sha256: str


Channel = Literal["email", "sms"]


class NotificationRequested(Event):
    name: ClassVar[str] = "notification.requested"
    notification_id: str
    kind: str
    channel: Channel
    to: str
    params: dict[str, Any]
    envelope_id: str | None = None
    party_id: str | None = None


class NotificationDelivered(Event):
    name: ClassVar[str] = "notification.delivered"
    notification_id: str
    channel: Channel
    envelope_id: str | None = None
    party_id: str | None = None
    provider_id: str | None = None


class NotificationFailed(Event):
    name: ClassVar[str] = "notification.failed"
    notification_id: str
    channel: Channel
    reason: str
    envelope_id: str | None = None
    party_id: str | None = None
