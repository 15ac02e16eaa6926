"""The public REST API (B1): documents, envelopes, status and download.

Coordinates of signature boxes are PDF points on the page as displayed (after its
rotation), with the origin at the page's top-left corner and y growing downward. Errors are
RFC 9457 problem documents in the caller's language (Accept-Language; Japanese by default).
"""

from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.auth import TenantDep
from gateway.api.common import COMMON_STATUSES, PROBLEM_JSON, BackendsDep
from gateway.api.common import problems as _problems
from gateway.refusals import GatewayCode, Problem
from services.common.blobs import BlobTooLarge
from services.common.commands import (
    AdoptDocument,
    CreateEnvelope,
    FieldInput,
    PartyInput,
    SendEnvelope,
)
from services.common.queries import GetDocument, GetEnvelope, GetFinishedDocument
from services.common.refusals import RefusalCode
from services.common.views import DocumentView, EnvelopeView

router = APIRouter(prefix="/api/v1", tags=["api"], responses=_problems(*COMMON_STATUSES))


class EnvelopeRequest(BaseModel):
    """A new signature request (署名依頼): the document, its parties and their boxes."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    title: str = Field(min_length=1, max_length=200)
    """文書名, shown to the parties (1–200 characters)."""
    document_id: str
    """An uploaded document's id (POST /documents)."""
    parties: list[PartyInput] = Field(min_length=1, max_length=20)
    """The parties, 1–20, in the order entered; `fields[].party` indexes this list."""
    fields: list[FieldInput] = Field(max_length=200)
    """The boxes the parties fill, up to 200; every signing party needs a signature box."""
    send: bool = False
    """True: send at once after creating, so the first signing order is asked."""


@router.post(
    "/documents",
    status_code=201,
    summary="Upload a contract PDF (S3)",
    response_model=DocumentView,
    responses=_problems(413),
)
async def upload_document(
    request: Request,
    tenant: TenantDep,
    b: BackendsDep,
    file: Annotated[UploadFile, File(description="The contract, a PDF.")],
) -> DocumentView:
    limit = request.app.state.settings.max_upload_bytes

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await file.read(256 * 1024):
            yield chunk

    try:
        blob_id, size = await b.blobs.put_stream(chunks(), limit)
    except BlobTooLarge as exc:
        raise Problem(GatewayCode.file_too_large, limit_mb=limit // (1024 * 1024)) from exc
    if size == 0:
        raise Problem(GatewayCode.empty_file)
    return await b.ask(
        "document",
        AdoptDocument(
            tenant_id=tenant.id, blob_id=blob_id, filename=file.filename or "document.pdf"
        ),
    )


@router.get(
    "/documents/{document_id}",
    summary="A document's pages and hashes",
    response_model=DocumentView,
)
async def get_document(document_id: str, tenant: TenantDep, b: BackendsDep) -> DocumentView:
    return await b.ask("document", GetDocument(tenant_id=tenant.id, document_id=document_id))


@router.post(
    "/envelopes",
    status_code=201,
    summary="Create a signature request (署名依頼)",
    response_model=EnvelopeView,
)
async def create_envelope(body: EnvelopeRequest, tenant: TenantDep, b: BackendsDep) -> EnvelopeView:
    document = await b.ask(
        "document", GetDocument(tenant_id=tenant.id, document_id=body.document_id)
    )
    envelope = await b.ask(
        "signing",
        CreateEnvelope(
            tenant_id=tenant.id,
            sender_name=tenant.name,
            sender_email=tenant.contact_email,
            title=body.title,
            document_id=body.document_id,
            document_pages=document.pages,
            parties=body.parties,
            fields=body.fields,
        ),
    )
    if body.send:
        envelope = await b.ask(
            "signing", SendEnvelope(tenant_id=tenant.id, envelope_id=envelope.id)
        )
    return envelope


@router.post(
    "/envelopes/{envelope_id}/send",
    summary="Send: the first signing order is asked",
    response_model=EnvelopeView,
)
async def send_envelope(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> EnvelopeView:
    return await b.ask("signing", SendEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))


@router.get(
    "/envelopes/{envelope_id}",
    summary="Status and each party's history (D3)",
    response_model=EnvelopeView,
)
async def get_envelope(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> EnvelopeView:
    return await b.ask("signing", GetEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))


@router.get(
    "/envelopes/{envelope_id}/download",
    summary="The finished, sealed PDF (D5)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/pdf": {}}, "description": "The signed PDF."}},
)
async def download(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> StreamingResponse:
    envelope = await b.ask("signing", GetEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))
    if not envelope.finished:
        raise Problem(RefusalCode.not_finished, envelope_status=envelope.status)
    finished = await b.ask(
        "document",
        GetFinishedDocument(
            tenant_id=tenant.id, document_id=envelope.document_id, envelope_id=envelope_id
        ),
    )
    return StreamingResponse(
        await b.open_blob(finished.blob_id),
        media_type="application/pdf",
        headers={"Content-Disposition": _attachment(finished.filename)},
    )


def problems_as_problem_json(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI files a response model under the route's media type; problems are
    `application/problem+json`, so their schema moves there."""
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if PROBLEM_JSON in content and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return schema


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"signed.pdf\"; filename*=UTF-8''{quote(filename)}"
