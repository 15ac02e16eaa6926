"""What services answer: one reply model per command and query.

The gateway returns most of them as they are from the public API, so every field says what
it means; nothing here carries a blob id a caller could not use, except where a gateway
route streams that blob.
"""

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from services.common.messages import Model
from services.common.values import (
    ConsentAnswer,
    ContractType,
    DocumentInfo,
    EnvelopeStatus,
    FieldType,
    IdDocument,
    IdImage,
    PageSize,
    PartyKind,
    PartyRole,
    PartyStatus,
    Placement,
    ReminderSettings,
)


class HealthView(Model):
    """A service answers: it is up and reads its queue."""

    service: str
    """The service's name."""
    status: Literal["ok"] = "ok"
    """Always "ok" when it answers at all."""
    instance: str | None = None
    """Which instance answered, when one was asked by name."""


# --- document ---------------------------------------------------------------------------


class PageView(PageSize):
    """A page as displayed: the frame in which fields are placed (S16)."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    rotation: int = 0
    """The page's /Rotate in degrees (0, 90, 180, 270), already applied to width and height."""
    crop_box: tuple[float, float, float, float] | None = None
    """The visible area in the PDF's own coordinates: left, bottom, right, top, in points."""


class DocumentView(Model):
    """An uploaded contract PDF (S3)."""

    id: str
    """The document's id, to name it in an envelope."""
    filename: str
    """The uploaded file's name, cleaned of folders and control characters."""
    sha256: str
    """SHA-256 of the uploaded bytes, hex."""
    page_count: int
    """Number of pages."""
    pages: list[PageView]
    """Each page's size as displayed, in PDF points: the frame for field coordinates."""
    created_at: datetime
    """When it was uploaded (UTC)."""
    finished: bool
    """True once a sealed, signed PDF of it exists (for any envelope)."""
    finished_sha256: str | None = None
    """SHA-256 of the latest finished PDF, hex, once it exists."""
    signed_by_others: bool = False
    """It already carries someone else's signature; ours is added without breaking it."""
    warnings: list[Literal["certified_by_others"]] = Field(default_factory=list)
    """certified_by_others: another party's certification signature allows no added pages,
    so finishing will make it report changes it does not allow."""
    finished_envelopes: list[str] = Field(default_factory=list)
    """The envelopes whose finished PDF of this document exists."""
    finishing_failures: dict[str, str] = Field(default_factory=dict)
    """Envelope id → why its finished PDF is not made (yet): a code such as
    timestamp_unavailable (retrying) or cannot_stamp."""


class PageImageView(Model):
    """A page rendered as PNG, kept as a blob the gateway streams."""

    blob_id: str
    """The PNG's blob."""


class VerifiedEnvelope(Model):
    """The envelope a verified PDF finishes."""

    id: str
    """The envelope's id, as the audit certificate shows it."""
    finalized_at: datetime
    """When its finished PDF was made (UTC)."""
    title: str | None = None
    """文書名: only for the envelope's own agency."""
    parties: list[dict[str, str]] | None = None
    """Each party's role and name: only for the envelope's own agency."""


class VerifyView(Model):
    """What a PDF says about itself, checked against this platform's trust root (B2)."""

    verdict: Literal["intact", "altered", "foreign", "unsigned", "unreadable"]
    """intact: sealed by this platform, unchanged; altered: ours, but changed or appended
    to after sealing; foreign: signed by someone else; unsigned; unreadable."""
    intact: bool
    """The signed bytes of the last signature are unchanged."""
    valid: bool
    """Intact and the signature's cryptography holds."""
    signed_by_platform: bool
    """Sealed by this platform, for an envelope it finished."""
    covers_whole_document: bool
    """Nothing was appended after the last signature."""
    modified_after_signing: bool
    """Something was appended after the last signature."""
    signed_by: str | None = None
    """The signer certificate's name."""
    signed_at: datetime | None = None
    """When it was signed: the time-stamp's time when there is one, else the signer's."""
    timestamped: bool = False
    """It carries a valid RFC 3161 time-stamp (PAdES-B-T)."""
    signature_count: int = 0
    """How many signatures the PDF carries."""
    envelope: VerifiedEnvelope | None = None
    """The envelope it finishes, when it is ours."""


class FinishedDocumentView(Model):
    """The finished, sealed PDF, kept as a blob the gateway streams."""

    blob_id: str
    """The PDF's blob."""
    sha256: str
    """SHA-256 of the finished PDF, hex."""
    filename: str
    """The original upload's file name."""


class StoredPdfView(Model):
    """A PDF kept as a blob the gateway streams: an upload as it came, or an audit
    certificate on its own (D5)."""

    blob_id: str
    """The PDF's blob."""
    sha256: str
    """SHA-256 of the PDF, hex."""
    filename: str
    """The original upload's file name."""


# --- seal --------------------------------------------------------------------------------


class SealView(Model):
    """A seal (印影), drawn or uploaded by the agency (S17), kept as a transparent PNG blob."""

    blob_id: str
    """The PNG's blob."""
    text: str
    """The characters on the seal; empty for an uploaded image."""
    style: str
    """personal_round, agent, corporate_square, corporate_round, or uploaded."""
    source: Literal["drawn", "uploaded"] = "drawn"
    """Drawn from the name, or the agency's own uploaded image."""
    seal_id: str | None = None
    """An uploaded seal's id, for a party's `seal_image_id`; none for a drawn seal."""
    label: str = ""
    """What the agency called an uploaded seal (代表者印 …)."""
    size_mm: float = 0.0
    """The seal's size on paper, in millimetres (its longer side)."""
    width_px: int = 0
    """Image width in pixels (300 dpi for a drawn seal)."""
    height_px: int = 0
    """Image height in pixels."""
    width_pt: float = 0.0
    """Width to stamp at, in PDF points (1/72 inch)."""
    height_pt: float = 0.0
    """Height to stamp at, in PDF points."""


# --- signing -----------------------------------------------------------------------------


class HistoryEntryView(Model):
    """One step of a party's history (D3)."""

    at: datetime
    """When (UTC)."""
    action: str
    """asked, opened, access_code_failed, access_verified, locked, signed …"""
    ip: str | None = None
    """The signer's IP address, for steps the signer took."""
    user_agent: str | None = None
    """The browser's User-Agent, for steps the signer took."""


class PartyView(Model):
    """A party of an envelope, as the sender sees it."""

    id: str
    """The party's id."""
    role: PartyRole
    """The party's role in the contract."""
    kind: PartyKind
    """Individual or corporation."""
    name: str
    """氏名 or 法人名, as entered."""
    recipient_name: str | None = None
    """受信者 of a corporation."""
    person_in_charge: str | None = None
    """担当者 of a corporation."""
    email: str | None
    """Where the request goes by e-mail."""
    phone: str | None
    """Mobile number for SMS, E.164 (+81…)."""
    mobile_acquired_on: date | None = None
    """携帯番号取得日 (S8)."""
    signs: bool
    """False: only receives the finished contract (S11)."""
    signing_order: int | None
    """1 signs first; equal numbers sign in parallel; null when the party does not sign."""
    status: PartyStatus
    """waiting, asked, opened, verified, signed, declined, replaced, locked or share_only."""
    access_code: bool
    """True when the party must enter an access code; the code itself is never shown."""
    access_code_hint: str | None = None
    """The hint shown with the code prompt."""
    required_documents: list[IdDocument] = Field(default_factory=list)
    """必要書類 (S10)."""
    signer_change_allowed: bool = False
    """署名者変更 (S14)."""
    comment: str | None = None
    """コメント (S12), mailed to the party."""
    replaced_by: str | None = None
    """The party who took over after a signer change (S14)."""
    consent: ConsentAnswer | None = None
    """37条書面の電子交付 (S18): given, refused, or not answered (yet)."""
    identity_documents: list[IdImage] = Field(default_factory=list)
    """Photos of identity documents the signer attached (S10, G3)."""
    consent_at: datetime | None = None
    """When the consent was answered (UTC)."""
    decline_reason: str | None = None
    """Why the party declined (G4)."""
    seal_image_id: str | None = None
    """The agency's uploaded seal the party presses (S17); null: a seal drawn from the name."""
    history: list[HistoryEntryView]
    """What happened to this party, oldest first."""


class EnvelopeHistoryView(Model):
    """One transition of an envelope: what, when, by whom, from where (D3)."""

    seq: int
    """Position in the hash chain, from 1."""
    at: datetime
    """When (UTC)."""
    action: str
    """created, sent, asked, opened, signed, declined, reminded, expired …"""
    party_id: str | None = None
    """The party it concerns."""
    actor: str | None = None
    """Who acted: a party's name, the sender's actor, or system."""
    ip: str | None = None
    """The client's IP address."""
    user_agent: str | None = None
    """The client's User-Agent."""
    detail: dict[str, str] = Field(default_factory=dict)
    """Further facts: reasons, corrected values, the finished PDF's hash …"""
    hash: str
    """SHA-256 of the entry, chained to the previous one."""


class FieldView(Model):
    """A box a party fills: a seal, a text or a check mark."""

    id: str
    """The field's id."""
    party_id: str
    """The party who fills it."""
    type: FieldType
    """signature (the seal), text or checkbox."""
    placement: Placement
    """Where, in PDF points on the page as displayed: origin top-left, y downward."""
    required: bool
    """The party cannot sign while a required text or checkbox is empty."""
    label: str | None = None
    """Shown next to a text or checkbox field."""
    text: str | None = None
    """The text entered, once signed."""
    checked: bool | None = None
    """The check mark, once signed."""


class FinishingFailureView(Model):
    """Why the finished PDF of a signed envelope is missing (G7): the document service is
    retrying by itself, or an operator must look."""

    code: str
    """timestamp_unavailable, finishing_failed, cannot_stamp or finishing_blob_missing."""
    message: str
    """The reason in Japanese, for the sender."""
    retrying: bool
    """True while it is retried by itself (the finished PDF is pending)."""
    at: datetime
    """When it was reported (UTC)."""


class EnvelopeView(Model):
    """A signature request (署名依頼) and where each party stands (D3)."""

    id: str
    """The envelope's id."""
    title: str
    """文書名."""
    status: EnvelopeStatus
    """draft, sent, signed (all signed; the PDF is being finished), completed, declined,
    cancelled or expired."""
    contract_type: ContractType = "other"
    """契約種別 (S2)."""
    document_id: str
    """The contract PDF it is about."""
    sender_name: str
    """The agency that sends it."""
    created_at: datetime
    """When it was created (UTC)."""
    expires_at: datetime | None = None
    """When a sent envelope expires unless every party has signed (B3)."""
    ended_at: datetime | None = None
    """When it was declined, cancelled or expired (UTC)."""
    end_reason: str | None = None
    """The decline or cancel reason."""
    reminders: ReminderSettings = ReminderSettings()
    """Reminder and expiry days (B3)."""
    document_info: DocumentInfo = DocumentInfo()
    """Search keys for 電子帳簿保存法 (契約日, 取引金額, 取引先)."""
    finished_sha256: str | None = None
    """SHA-256 of the finished PDF, once it exists."""
    history: list[EnvelopeHistoryView] = Field(default_factory=list)
    """Every transition of the envelope, oldest first (D3)."""
    sent_at: datetime | None = None
    """When it was sent (UTC)."""
    signed_at: datetime | None = None
    """When the last signing party signed (UTC)."""
    completed_at: datetime | None = None
    """When the finished PDF was ready (UTC)."""
    finished: bool
    """True when the finished PDF can be downloaded."""
    finishing_failure: FinishingFailureView | None = None
    """Set while a signed envelope's finished PDF could not be made (G7); null once it is."""
    audit_digest: str
    """Hash of the last audit entry: the finished PDF carries it."""
    audit_intact: bool
    """False if any audit entry was altered."""
    parties: list[PartyView]
    """In the order they were entered."""
    fields: list[FieldView]
    """Every box of every party."""


class SignerPartyView(Model):
    """The party a signer link belongs to, as the signer's pages need it."""

    id: str
    """The party's id."""
    name: str
    """Name as the sender entered it."""
    kind: PartyKind
    """Individual or corporation: the seal's shape."""
    role: PartyRole
    """The party's role in the contract."""
    seal_image_id: str | None = None
    """The agency's uploaded seal the party presses (S17); null: drawn from the name."""
    status: PartyStatus
    """waiting, asked, signed, locked or share_only."""
    signs: bool
    """False for a party that only receives the contract."""
    access_code_required: bool
    """The party must enter an access code before seeing the contract."""
    access_code_hint: str | None = None
    """The sender's hint for the access code."""
    has_access: bool
    """This session may see the contract (no code needed, or the right code entered)."""
    can_sign: bool = False
    """It is this party's turn and the envelope is open for signing."""
    signer_change_allowed: bool = False
    """The party may hand the request to someone else (S14, G5)."""
    required_documents: list[IdDocument] = Field(default_factory=list)
    """Identity documents to attach (S10)."""
    consent_asked: bool = False
    """The 37条 consent screen is due: signed, rental type, tenant or landlord (S18, G6)."""
    consent: ConsentAnswer | None = None
    """The answer given, if any."""
    identity_documents: list[IdImage] = Field(default_factory=list)
    """Photos of identity documents attached so far (S10, G3)."""
    missing_documents: list[IdDocument] = Field(default_factory=list)
    """Documents asked for with a side not yet photographed: no signature until empty."""


class MarkView(Model):
    """What an earlier party put in a box, drawn over the page for the next signer (G4)."""

    id: str
    """The field's id."""
    type: FieldType
    """signature (the seal), text or checkbox."""
    placement: Placement
    """Where, in PDF points on the page as displayed: origin top-left, y downward."""
    text: str | None = None
    """The text entered."""
    checked: bool | None = None
    """The check mark."""
    seal_blob_id: str | None = None
    """The seal pressed; the gateway's signer route streams it."""


class SignerView(Model):
    """What a signer link opens (G1–G4)."""

    tenant_id: str
    """The agency, for the gateway's further reads."""
    envelope_id: str
    """The envelope's id."""
    envelope_status: EnvelopeStatus
    """draft, sent, signed or completed."""
    document_id: str
    """The contract PDF."""
    title: str
    """文書名."""
    sender_name: str
    """The agency that sent it."""
    sender_email: str | None = None
    """Where the party can write to the sender (the agency's or the staff member's address)."""
    finished: bool
    """True when the finished PDF can be downloaded."""
    party: SignerPartyView
    """The party the link belongs to."""
    fields: list[FieldView]
    """This party's boxes."""
    marks: list[MarkView] = Field(default_factory=list)
    """What the parties who already signed put in their boxes."""
    completed_at: datetime | None = None
    """When the finished contract was made (the download is offered for a while after)."""


class AccessCodeChecked(Model):
    """The outcome of an access-code attempt; a wrong code is recorded, so it is an answer."""

    granted: bool
    """True when the code was right."""
    session: str | None = None
    """A new access session for the signer's cookie, when granted."""
    locked: bool = False
    """True when this attempt used up the last try (G2)."""
    attempts_left: int | None = None
    """Tries left after a wrong code."""
    signer: SignerView
    """The signer's view after the attempt."""


# --- contract types, list, dashboard (S2, D1, D2) ----------------------------------------


class PartyTemplateView(Model):
    """A party a contract type adds by default; the sender may change or remove it."""

    role: PartyRole
    """借主, 保証人, 自社署名者, 取引士, 貸主 or その他."""
    kind: PartyKind
    """The default kind (individual for a tenant)."""
    signs: bool
    """Signs, or only receives the finished contract."""
    signing_order: int | None
    """Default signing order."""


class ContractTypeView(Model):
    """One 契約種別 (S2)."""

    id: ContractType
    """The type's id, as `contract_type` takes it."""
    label: str
    """The guide's label."""
    article37_consent: bool
    """Tenant and landlord are asked for the 37条 consent after signing (S18)."""
    default_parties: list[PartyTemplateView]
    """The parties the type starts with."""


class ContractTypesView(Model):
    """Every contract type, in the guide's order."""

    types: list[ContractTypeView]
    """The four types."""


# --- webhooks ----------------------------------------------------------------------------


class WebhookView(Model):
    """A webhook subscription: where an agency's system is told of events."""

    id: str
    """The subscription's id."""
    url: str
    """Where each event is POSTed."""
    events: list[str]
    """The event types it receives."""
    description: str | None = None
    """The agency's own note."""
    created_at: datetime
    """When it was made (UTC)."""
    secret: str | None = None
    """The signing secret (`whsec_…`): shown only when made and when rotated."""
    secret_previous_valid_until: datetime | None = None
    """After a rotation, until when the previous secret still signs too (UTC)."""


class WebhookListView(Model):
    """The agency's webhook subscriptions, oldest first."""

    items: list[WebhookView]
    """The subscriptions, without their secrets."""


class DeliveryAttemptView(Model):
    """One POST of a webhook delivery."""

    at: datetime
    """When it started (UTC)."""
    status_code: int | None = None
    """The receiver's HTTP status, when it answered."""
    error: str | None = None
    """Why it failed without an answer: timeout, connection refused …"""
    duration_ms: int
    """How long it took."""
    ok: bool
    """True when the receiver answered 2xx."""


class DeliveryView(Model):
    """One event on its way to one subscription: the same `webhook-id` on every attempt."""

    id: str
    """The delivery's id, sent as the `webhook-id` header."""
    webhook_id: str
    """The subscription."""
    event_type: str
    """envelope.sent, party.signed …"""
    source_event_id: str
    """The id of the event it carries (`data.event_id` in the body)."""
    status: Literal["pending", "retrying", "succeeded", "failed"]
    """pending: not tried yet; retrying: failed, will try again; succeeded; failed: gave up."""
    created_at: datetime
    """When the event arrived (UTC)."""
    attempts: list[DeliveryAttemptView]
    """Every attempt, oldest first (the last 50)."""


class DeliveryListView(Model):
    """A subscription's recent deliveries, newest first."""

    items: list[DeliveryView]
    """The deliveries."""


class EnvelopeSummaryView(Model):
    """One line of the document list (D2)."""

    id: str
    """The envelope's id."""
    title: str
    """文書名."""
    status: EnvelopeStatus
    """Where it stands."""
    contract_type: ContractType
    """契約種別."""
    created_at: datetime
    """When it was created (UTC)."""
    sent_at: datetime | None = None
    """When it was sent (UTC)."""
    contract_date: date | None = None
    """契約日."""
    amount: int | None = None
    """取引金額 in yen."""
    counterparty: str | None = None
    """取引先."""


class EnvelopePageView(Model):
    """A page of the document list, newest first; pass `next_cursor` for the next."""

    items: list[EnvelopeSummaryView]
    """Up to `limit` envelopes."""
    next_cursor: str | None = None
    """Opaque; null on the last page."""


class DashboardView(Model):
    """The dashboard's counts (D1)."""

    awaiting_own: int
    """自社署名待ち: sent envelopes where an own-company signer or licensed agent is asked."""
    awaiting_others: int
    """送信先署名待ち: sent envelopes waiting for the other parties."""
    sent_this_month: int
    """今月の送信数: envelopes sent since the first of this month (JST)."""
    stored: int
    """文書保管数: completed envelopes (finished documents kept)."""
    plan_limit: int | None = None
    """The plan's document limit, as the caller gave it."""
    latest: list[EnvelopeSummaryView]
    """The latest signature requests, newest first."""
