"""Queries: a caller reads from one service; each names its reply model.

The service answers on `<service>.query`; `kind` picks the handler.
"""

from typing import Literal

from services.common.messages import Query
from services.common.views import (
    DocumentView,
    EnvelopeView,
    FinishedDocumentView,
    HealthView,
    PageImageView,
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


class GetFinishedDocument(Query[FinishedDocumentView]):
    """The finished, sealed PDF of a document (D5)."""

    kind: Literal["document.finished"] = "document.finished"
    tenant_id: str
    """The agency asking."""
    document_id: str
    """The document."""


# --- signing ----------------------------------------------------------------------------


class GetEnvelope(Query[EnvelopeView]):
    """One envelope of the agency, with each party's history (D3)."""

    kind: Literal["signing.get"] = "signing.get"
    tenant_id: str
    """The agency asking; another agency's envelope is not found."""
    envelope_id: str
    """The envelope."""
