"""Commands: a caller wants a change in one service, and its answer.

Each names its reply model; the service answers on `<service>.query`.
"""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.common.messages import Command
from services.common.values import (
    ContractType,
    DocumentInfo,
    FieldType,
    IdDocument,
    IdImage,
    PageSize,
    PartyKind,
    PartyRole,
    ReminderSettings,
)
from services.common.views import (
    AccessCodeChecked,
    DeliveryView,
    DocumentView,
    EnvelopeView,
    SealView,
    SignerView,
    WebhookView,
)


class Input(BaseModel):
    """What a caller typed: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, use_attribute_docstrings=True)


# --- document ---------------------------------------------------------------------------


class AdoptDocument(Command[DocumentView]):
    """Take an uploaded blob as a contract PDF, once it passes inspection (S3)."""

    kind: Literal["document.adopt"] = "document.adopt"
    tenant_id: str
    """The agency that uploaded it."""
    blob_id: str
    """The uploaded bytes."""
    filename: str
    """The name the file was uploaded with."""


# --- signing ----------------------------------------------------------------------------


class PartyInput(Input):
    """One party (送信先) of a new envelope, in the order entered."""

    role: PartyRole = "tenant"
    """The party's role in the contract."""
    kind: PartyKind = "individual"
    """individual, corporation or corporation_registered: decides the seal's shape."""
    name: str = Field(min_length=1, max_length=100)
    """氏名 of an individual, 法人名 of a corporation (S6): as it appears on the seal and in the
    audit certificate (1–100 characters)."""
    recipient_name: str | None = Field(default=None, max_length=100)
    """受信者 of a corporation: the signer or a proxy (S6); required for corporations."""
    person_in_charge: str | None = Field(default=None, max_length=100)
    """担当者 of a corporation (S6); corporations only."""
    email: str | None = Field(default=None, max_length=254)
    """Where the request goes by e-mail (up to 254 characters); a company address for a
    corporation."""
    phone: str | None = Field(default=None, max_length=20)
    """Japanese mobile number without hyphens (070/080/090, 11 digits) for SMS; individuals
    only (S7). Kept as E.164 (+81…)."""
    mobile_acquired_on: date | None = None
    """携帯番号取得日 (S8): SMS stops if the number changed hands after this date."""
    required_documents: list[IdDocument] = Field(default_factory=list, max_length=5)
    """必要書類 (S10): identity documents the signer must attach."""
    signer_change_allowed: bool = False
    """署名者変更 (S14): the asked person may hand the request to someone else; only for a
    landlord or other party who is an individual."""
    signs: bool = True
    """False: the party only receives the finished contract and has no order (S11)."""
    signing_order: int | None = Field(default=None, ge=1, le=99)
    """1 signs first; equal numbers sign in parallel (1–99, default 1) (S13)."""
    access_code: str | None = Field(default=None, max_length=64)
    """A code the party must enter before seeing the contract: letters and digits, up to 64
    (S7). Stored only as a keyed hash."""
    access_code_hint: str | None = Field(default=None, max_length=200)
    """Shown to the party with the code prompt, e.g. 生年月日（西暦8桁） (up to 200)."""
    comment: str | None = Field(default=None, max_length=2000)
    """A message to the party in the request (up to 2000 characters)."""
    seal_image_id: str | None = Field(default=None, max_length=64)
    """An uploaded seal of the agency (`seal_id` of `POST /seals`, S17): the party presses
    and the finished PDF carries it instead of a seal drawn from the name."""


class FieldInput(Input):
    """A box one party fills, in PDF points on the page as displayed (after its rotation):
    origin at the page's top-left corner, y growing downward. A PDF's own user space starts
    bottom-left with y up; these coordinates do not."""

    party: int = Field(ge=0)
    """Index of the party in `parties`, from 0."""
    type: FieldType = "signature"
    """signature (the party's seal), text or checkbox. A seal is stamped at its size on
    paper (15 mm 認印, 13.5 mm 取引士印, 21 mm 角印, an uploaded seal at its `size_mm`),
    centred in the box; a box smaller than the seal shrinks it to fit."""
    page: int = Field(ge=1)
    """Page number, from 1."""
    x: float = Field(ge=0)
    """Left edge: points from the page's left edge."""
    y: float = Field(ge=0)
    """Top edge: points from the page's top edge, downward."""
    width: float = Field(gt=0)
    """Width in points; the box must stay on the page."""
    height: float = Field(gt=0)
    """Height in points; the box must stay on the page."""
    required: bool = True
    """A required text or checkbox must be filled before the party can sign."""
    label: str | None = Field(default=None, max_length=100)
    """Shown next to a text or checkbox field (up to 100 characters)."""


class SignerContext(BaseModel):
    """Where a signer's request came from, for the audit trail."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    ip: str | None = None
    """The client's IP address as the gateway saw it."""
    user_agent: str | None = None
    """The browser's User-Agent, cut to 300 characters."""


class SenderContext(BaseModel):
    """Who at the agency acted, for the history (D3)."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    actor: str | None = None
    """The staff member or API key that acted."""
    ip: str | None = None
    """The client's IP address as the gateway saw it."""
    user_agent: str | None = None
    """The client's User-Agent, cut to 300 characters."""


class CreateEnvelope(Command[EnvelopeView]):
    """Create a draft signature request (S1–S16)."""

    kind: Literal["signing.create_envelope"] = "signing.create_envelope"
    tenant_id: str
    """The sending agency."""
    sender_name: str
    """The agency's name, shown to the parties."""
    sender_email: str | None = None
    """Where the agency hears of locked parties."""
    title: str
    """文書名."""
    document_id: str
    """The contract PDF."""
    document_pages: list[PageSize]
    """The PDF's page sizes, to check that boxes stay on their page."""
    parties: list[PartyInput]
    """The parties, in the order entered."""
    fields: list[FieldInput]
    """The boxes the parties fill."""
    contract_type: ContractType = "other"
    """契約種別 (S2): the rental types add the 37条 consent step (S18)."""
    certificate_option: bool = False
    """The agency's plan has the certificate option: only then may an own-company signer
    (自社署名者) be a party (S4, S15)."""
    reminders: ReminderSettings = ReminderSettings()
    """Reminder and expiry days (B3)."""
    document_info: DocumentInfo = DocumentInfo()
    """Search keys for 電子帳簿保存法; the counterparty defaults to the first party."""
    context: SenderContext = SenderContext()
    """Who created it."""


class SendEnvelope(Command[EnvelopeView]):
    """Send a draft: the first signing order is asked (S13)."""

    kind: Literal["signing.send"] = "signing.send"
    tenant_id: str
    """The sending agency."""
    envelope_id: str
    """The draft to send."""
    context: SenderContext = SenderContext()
    """Who sent it."""


class CancelEnvelope(Command[EnvelopeView]):
    """The sender withdraws a draft or sent envelope; every asked party is told (B3)."""

    kind: Literal["signing.cancel"] = "signing.cancel"
    tenant_id: str
    """The sending agency."""
    envelope_id: str
    """The envelope."""
    reason: str | None = Field(default=None, max_length=500)
    """Why, shown to the parties."""
    context: SenderContext = SenderContext()
    """Who cancelled it."""


class ReRequestParty(Input):
    """One party asked again (署名再依頼, D4), with corrections from the dialog."""

    party_id: str
    """A party now asked, opened, verified or locked."""
    name: str | None = Field(default=None, min_length=1, max_length=100)
    """A corrected name."""
    email: str | None = Field(default=None, max_length=254)
    """A corrected e-mail address."""
    phone: str | None = Field(default=None, max_length=20)
    """A corrected mobile number (no hyphens)."""


class ReRequest(Command[EnvelopeView]):
    """Ask chosen parties again with a new link; the old link dies; unlocks (D4)."""

    kind: Literal["signing.rerequest"] = "signing.rerequest"
    tenant_id: str
    """The sending agency."""
    envelope_id: str
    """The envelope."""
    parties: list[ReRequestParty] = Field(min_length=1, max_length=20)
    """The parties to ask again."""
    context: SenderContext = SenderContext()
    """Who re-requested."""


class CorrectDocumentInfo(Command[EnvelopeView]):
    """Correct the search keys (契約日, 取引金額, 取引先); the change is kept in the history."""

    kind: Literal["signing.correct_document_info"] = "signing.correct_document_info"
    tenant_id: str
    """The sending agency."""
    envelope_id: str
    """The envelope."""
    document_info: DocumentInfo
    """The corrected keys (all three, as they should now read)."""
    context: SenderContext = SenderContext()
    """Who corrected them."""


class OpenSignerLink(Command[SignerView]):
    """A signer opened their link: what they may see; the first view is recorded (G1)."""

    kind: Literal["signing.open_link"] = "signing.open_link"
    token: str
    """The link's token."""
    session: str | None = None
    """The access session from the signer's cookie, if any."""
    context: SignerContext = SignerContext()
    """Where the request came from."""


class VerifyAccessCode(Command[AccessCodeChecked]):
    """A signer entered an access code (G2); a wrong one counts towards the lock."""

    kind: Literal["signing.verify_access_code"] = "signing.verify_access_code"
    token: str
    """The link's token."""
    code: str
    """What the signer typed."""
    context: SignerContext = SignerContext()
    """Where the request came from."""


class SignAsParty(Command[SignerView]):
    """A signer presses their seal and signs (G3, G4)."""

    kind: Literal["signing.sign"] = "signing.sign"
    token: str
    """The link's token."""
    session: str | None = None
    """The access session from the signer's cookie, if any."""
    seal_blob_id: str
    """The drawn seal to place in the party's signature boxes."""
    texts: dict[str, str] = Field(default_factory=dict)
    """Text fields by field id."""
    checks: dict[str, bool] = Field(default_factory=dict)
    """Checkbox fields by field id."""
    article37_consent: bool | None = None
    """The 37条 consent answered on signing, where it applies (S18); recorded right after
    the signature, so the audit certificate carries it."""
    context: SignerContext = SignerContext()
    """Where the request came from."""


class DeclineAsParty(Command[SignerView]):
    """A signer declines with a reason: the envelope ends; sender and asked parties told (G4)."""

    kind: Literal["signing.decline"] = "signing.decline"
    token: str
    """The link's token."""
    session: str | None = None
    """The access session from the signer's cookie, if any."""
    reason: str = Field(min_length=1, max_length=500)
    """Why the signer declines (1–500 characters)."""
    context: SignerContext = SignerContext()
    """Where the request came from."""


class ChangeSigner(Command[SignerView]):
    """The asked person hands the request to someone else, where allowed (S14, G5)."""

    kind: Literal["signing.change_signer"] = "signing.change_signer"
    token: str
    """The link's token."""
    session: str | None = None
    """The access session from the signer's cookie, if any."""
    name: str = Field(min_length=1, max_length=100)
    """The new signer's name."""
    email: str | None = Field(default=None, max_length=254)
    """The new signer's e-mail address."""
    phone: str | None = Field(default=None, max_length=20)
    """The new signer's mobile number (no hyphens)."""
    context: SignerContext = SignerContext()
    """Where the request came from."""


class AttachIdentityDocuments(Command[SignerView]):
    """The signer attaches photos of the identity documents the sender asked for (S10, G3);
    the gateway has checked each image and stored it as a blob."""

    kind: Literal["signing.attach_identity"] = "signing.attach_identity"
    token: str
    """The link's token."""
    session: str | None = None
    """The access session from the signer's cookie, if any."""
    images: list[IdImage] = Field(min_length=1, max_length=10)
    """The photos, each naming its document and side; they replace any attached before."""
    context: SignerContext = SignerContext()
    """Where the request came from."""


class AnswerConsent(Command[SignerView]):
    """A tenant or landlord gives or refuses consent to electronic delivery of the Article
    37 document, after signing (S18, G6)."""

    kind: Literal["signing.consent"] = "signing.consent"
    token: str
    """The link's token."""
    session: str | None = None
    """The access session from the signer's cookie, if any."""
    consent: bool
    """True: consents to electronic delivery; false: refuses."""
    context: SignerContext = SignerContext()
    """Where the request came from."""


# --- seal -------------------------------------------------------------------------------


class DrawSeal(Command[SealView]):
    """Draw (or find, by content) the seal for a name."""

    kind: Literal["seal.draw"] = "seal.draw"
    tenant_id: str
    """The agency, for whom the seal is kept."""
    name: str
    """The party's name as entered."""
    party_kind: PartyKind = "individual"
    """individual: the surname in a circle; corporation: the name in a square;
    corporation_registered: the name round a circle with the title inside."""
    role: PartyRole | None = None
    """The party's role: `agent` (an individual) gets a licensed agent's seal (取引士印)."""
    size_mm: float | None = Field(default=None, ge=6, le=60)
    """The seal's size on paper (6–60 mm); by default 15 mm personal, 13.5 mm agent, 21 mm
    corporate."""
    title: str | None = Field(default=None, max_length=20)
    """The inner text of a corporation_registered seal (default 代表取締役印)."""
    seal_image_id: str | None = None
    """An uploaded seal of the agency (S17), answered instead of a drawn one."""


class UploadSealImage(Command[SealView]):
    """Keep an agency's own seal image (S17): checked, cut from its paper, made transparent."""

    kind: Literal["seal.upload"] = "seal.upload"
    tenant_id: str
    """The agency uploading it."""
    blob_id: str
    """The uploaded PNG or JPEG."""
    label: str = Field(default="", max_length=100)
    """What the agency calls it (代表者印, 角印 …), up to 100 characters."""
    size_mm: float | None = Field(default=None, ge=6, le=60)
    """Its size on paper, longer side (6–60 mm, default 21 mm)."""


# --- webhooks ---------------------------------------------------------------------------


class CreateWebhook(Command[WebhookView]):
    """Subscribe a URL to event types; the answer shows the signing secret once."""

    kind: Literal["webhooks.create"] = "webhooks.create"
    tenant_id: str
    """The agency."""
    url: str
    """Where each event is POSTed (http or https)."""
    events: list[str]
    """Event types to receive."""
    description: str | None = None
    """The agency's own note."""


class DeleteWebhook(Command[WebhookView]):
    """Stop a subscription: nothing more is delivered to it, attempts under way stop."""

    kind: Literal["webhooks.delete"] = "webhooks.delete"
    tenant_id: str
    """The agency."""
    webhook_id: str
    """The subscription."""


class RotateWebhookSecret(Command[WebhookView]):
    """A new signing secret; the previous one keeps signing beside it for a while."""

    kind: Literal["webhooks.rotate_secret"] = "webhooks.rotate_secret"
    tenant_id: str
    """The agency."""
    webhook_id: str
    """The subscription."""


class Redeliver(Command[DeliveryView]):
    """Send one delivery again, with its `webhook-id`, whatever its outcome was."""

    kind: Literal["webhooks.redeliver"] = "webhooks.redeliver"
    tenant_id: str
    """The agency."""
    webhook_id: str
    """The subscription."""
    delivery_id: str
    """The delivery."""
