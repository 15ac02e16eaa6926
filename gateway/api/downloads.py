"""An envelope's files (D5): the finished PDF, its audit certificate alone, and the
original as uploaded.

Each answer names its file after the envelope's title (Japanese included, RFC 5987), with an
ASCII name for clients that read no other. Another agency's envelope is not found; a file
that does not exist yet is a 409 saying the envelope's status.
"""

from collections.abc import Callable
from typing import Any

from fastapi.responses import StreamingResponse

from gateway.api.auth import TenantDep
from gateway.api.common import PDF_RESPONSE, BackendsDep, api_router, pdf_download
from gateway.backends import Backends
from gateway.refusals import Problem
from services.common.queries import (
    GetAuditCertificate,
    GetEnvelope,
    GetFinishedDocument,
    GetOriginalDocument,
)
from services.common.refusals import RefusalCode
from services.common.views import EnvelopeView

router = api_router()
Endpoint = Callable[..., Any]
CERTIFICATE_SUFFIX = "_監査証明書"


def _pdf(path: str, summary: str) -> Callable[[Endpoint], Endpoint]:
    return router.get(
        path, summary=summary, response_class=StreamingResponse, responses=PDF_RESPONSE
    )


async def _finished(b: Backends, tenant_id: str, envelope_id: str) -> EnvelopeView:
    envelope = await b.ask("signing", GetEnvelope(tenant_id=tenant_id, envelope_id=envelope_id))
    if not envelope.finished:
        raise Problem(RefusalCode.not_finished, envelope_status=envelope.status)
    return envelope


@_pdf("/envelopes/{envelope_id}/download", "The finished, sealed and signed PDF (D5)")
async def download(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> StreamingResponse:
    """Named `<title>.pdf`; 409 `not_finished` until every party has signed."""
    envelope = await _finished(b, tenant.id, envelope_id)
    finished = await b.ask(
        "document",
        GetFinishedDocument(
            tenant_id=tenant.id, document_id=envelope.document_id, envelope_id=envelope_id
        ),
    )
    return await pdf_download(b, finished.blob_id, envelope.title, f"signed-{envelope_id}.pdf")


@_pdf(
    "/envelopes/{envelope_id}/certificate",
    "The audit certificate (監査証明書) alone, as a PDF (D5)",
)
async def certificate(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> StreamingResponse:
    """The certificate pages of the finished PDF, for filing apart from the contract; the
    signature that proves them is the finished PDF's. 409 `not_finished` until then."""
    envelope = await _finished(b, tenant.id, envelope_id)
    pdf = await b.ask(
        "document",
        GetAuditCertificate(
            tenant_id=tenant.id, document_id=envelope.document_id, envelope_id=envelope_id
        ),
    )
    name = envelope.title + CERTIFICATE_SUFFIX
    return await pdf_download(b, pdf.blob_id, name, f"audit-certificate-{envelope_id}.pdf")


@_pdf("/envelopes/{envelope_id}/original", "The original PDF as uploaded, before any seal (D5)")
async def original(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> StreamingResponse:
    """Available in every status; named as it was uploaded."""
    envelope = await b.ask("signing", GetEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))
    pdf = await b.ask(
        "document", GetOriginalDocument(tenant_id=tenant.id, document_id=envelope.document_id)
    )
    return await pdf_download(b, pdf.blob_id, pdf.filename, f"original-{envelope_id}.pdf")


@_pdf("/documents/{document_id}/original", "An uploaded document's PDF as uploaded (D5)")
async def document_original(
    document_id: str, tenant: TenantDep, b: BackendsDep
) -> StreamingResponse:
    pdf = await b.ask("document", GetOriginalDocument(tenant_id=tenant.id, document_id=document_id))
    return await pdf_download(b, pdf.blob_id, pdf.filename, f"original-{document_id}.pdf")
