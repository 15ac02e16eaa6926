"""Queries: a caller reads from one service; each names its reply model.

The service answers on `<service>.query`; `kind` picks the handler.
"""

from datetime import datetime
from typing import Literal

from pydantic import Field

from services.common.messages import Query
from services.common.values import EnvelopeStatus
from services.common.views import (
    ContractTypesView,
    DashboardView,
    DeliveryListView,
    DocumentView,
    EnvelopePageView,
    EnvelopeView,
    FinishedDocumentView,
    HealthView,
    PageImageView,
    SealView,
    StoredPdfView,
    VerifyView,
    WebhookListView,
)


class Health(Query[HealthView]):
    """Every service answers it: how tests, `./run up` and operators see a service is up."""

    kind: Literal["health"] = "health"


# --- document ---------------------------------------------------------------------------


class GetDocument(Query[DocumentView]):
    """One document of the agency."""

    kind: Literal["document.get"] = "document.get"
    tenant_id: str
    """The agency asking; another agency's document is not found."""
    document_id: str
    """The document."""


class GetPageImage(Query[PageImageView]):
    """One page as PNG (rendered once, then kept)."""

    kind: Literal["document.page_image"] = "document.page_image"
    tenant_id: str
    """The agency the document belongs to."""
    document_id: str
    """The document."""
    page: int
    """Page number, from 1."""
    size: Literal["thumbnail", "preview"] = "preview"
    """thumbnail: 200 px wide (lists); preview: 1000 px wide (signer pages, previews)."""


class GetFinishedDocument(Query[FinishedDocumentView]):
    """The finished, sealed PDF of a document (D5)."""

    kind: Literal["document.finished"] = "document.finished"
    tenant_id: str
    """The agency asking."""
    document_id: str
    """The document."""
    envelope_id: str | None = None
    """The envelope whose copy is wanted (one document may be sent in several); null: the
    latest."""


class GetOriginalDocument(Query[StoredPdfView]):
    """The PDF as it was uploaded, before any seal (D5)."""

    kind: Literal["document.original"] = "document.original"
    tenant_id: str
    """The agency asking; another agency's document is not found."""
    document_id: str
    """The document."""


class GetAuditCertificate(Query[StoredPdfView]):
    """The audit certificate (監査証明書) of an envelope's finished PDF, as a PDF of its
    own: the pages finishing appended after the original's (D5)."""

    kind: Literal["document.certificate"] = "document.certificate"
    tenant_id: str
    """The agency asking; another agency's document is not found."""
    document_id: str
    """The document the envelope sent."""
    envelope_id: str
    """The envelope whose finished copy holds the certificate."""


class VerifyDocument(Query[VerifyView]):
    """Is this uploaded PDF intact and sealed by this platform, when, for which envelope (B2)?"""

    kind: Literal["document.verify"] = "document.verify"
    blob_id: str
    """The uploaded bytes."""
    tenant_id: str | None = None
    """The agency asking, when it is one: its own envelopes show their title and parties."""


# --- signing ----------------------------------------------------------------------------


class GetEnvelope(Query[EnvelopeView]):
    """One envelope of the agency, with each party's history (D3)."""

    kind: Literal["signing.get"] = "signing.get"
    tenant_id: str
    """The agency asking; another agency's envelope is not found."""
    envelope_id: str
    """The envelope."""


# --- seal -------------------------------------------------------------------------------


class GetSealImage(Query[SealView]):
    """An agency's uploaded seal (S17)."""

    kind: Literal["seal.get_image"] = "seal.get_image"
    tenant_id: str
    """The agency asking; another agency's seal is not found."""
    seal_id: str
    """The uploaded seal."""


class ListContractTypes(Query[ContractTypesView]):
    """The four contract types and their default parties (S2): the same for console and API."""

    kind: Literal["signing.contract_types"] = "signing.contract_types"


# --- webhooks ---------------------------------------------------------------------------


class ListWebhooks(Query[WebhookListView]):
    """The agency's webhook subscriptions."""

    kind: Literal["webhooks.list"] = "webhooks.list"
    tenant_id: str
    """The agency asking."""


class ListDeliveries(Query[DeliveryListView]):
    """A subscription's recent deliveries with each attempt's outcome."""

    kind: Literal["webhooks.deliveries"] = "webhooks.deliveries"
    tenant_id: str
    """The agency asking; another agency's subscription is not found."""
    webhook_id: str
    """The subscription."""
    limit: int = 50
    """How many, newest first."""


class ListEnvelopes(Query[EnvelopePageView]):
    """The agency's envelopes, newest first, filtered by every condition given (D2)."""

    kind: Literal["signing.list"] = "signing.list"
    tenant_id: str
    """The agency asking."""
    statuses: list[EnvelopeStatus] = Field(default_factory=list, max_length=7)
    """Any of these statuses; empty: all."""
    created_from: datetime | None = None
    """Created at or after (UTC)."""
    created_before: datetime | None = None
    """Created before (UTC)."""
    amount_min: int | None = Field(default=None, ge=0)
    """取引金額 at least (yen)."""
    amount_max: int | None = Field(default=None, ge=0)
    """取引金額 at most (yen)."""
    counterparty: str | None = Field(default=None, max_length=200)
    """取引先 contains this (case-insensitive for Latin letters)."""
    title: str | None = Field(default=None, max_length=200)
    """文書名 contains this (case-insensitive for Latin letters)."""
    cursor: str | None = Field(default=None, max_length=200)
    """`next_cursor` of the previous page."""
    limit: int = Field(default=50, ge=1, le=200)
    """Page size (1–200)."""


class GetDashboard(Query[DashboardView]):
    """The dashboard counts (D1)."""

    kind: Literal["signing.dashboard"] = "signing.dashboard"
    tenant_id: str
    """The agency asking."""
    plan_limit: int | None = None
    """The plan's document limit, echoed beside the stored count."""
    latest: int = Field(default=5, ge=0, le=50)
    """How many latest envelopes to include."""
