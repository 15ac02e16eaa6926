"""The public REST API (B1): documents, envelopes, status and download."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gateway.api.auth import TenantDep
from gateway.backends import ApiError, Backends
from services.common.blobs import BlobTooLarge
from services.common.queries import (
    AdoptDocument,
    CreateEnvelope,
    FieldInput,
    GetDocument,
    GetEnvelope,
    GetFinishedDocument,
    PageSize,
    PartyInput,
    SendEnvelope,
)

router = APIRouter(prefix="/api/v1", tags=["api"])


def backends(request: Request) -> Backends:
    return request.app.state.backends


BackendsDep = Annotated[Backends, Depends(backends)]


class EnvelopeRequest(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    document_id: str
    parties: list[PartyInput] = Field(min_length=1, max_length=20)
    fields: list[FieldInput] = Field(max_length=200)
    send: bool = Field(default=False, description="Send at once after creating.")


@router.post("/documents", status_code=201, summary="Upload a contract PDF (S3)")
async def upload_document(
    request: Request, tenant: TenantDep, b: BackendsDep, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    limit = request.app.state.settings.max_upload_bytes

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await file.read(256 * 1024):
            yield chunk

    try:
        blob_id, size = await b.blobs.put_stream(chunks(), limit)
    except BlobTooLarge as exc:
        raise ApiError(
            413, "file_too_large", f"The file is larger than {limit // (1024 * 1024)} MB."
        ) from exc
    if size == 0:
        raise ApiError(422, "empty_file", "The file is empty.")
    return await b.ask(
        "document",
        AdoptDocument(
            tenant_id=tenant.id, blob_id=blob_id, filename=file.filename or "document.pdf"
        ),
    )


@router.get("/documents/{document_id}", summary="A document's pages and hashes")
async def get_document(document_id: str, tenant: TenantDep, b: BackendsDep) -> dict[str, Any]:
    return await b.ask("document", GetDocument(tenant_id=tenant.id, document_id=document_id))


@router.post("/envelopes", status_code=201, summary="Create a signature request (署名依頼)")
async def create_envelope(
    body: EnvelopeRequest, tenant: TenantDep, b: BackendsDep
) -> dict[str, Any]:
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
            document_pages=[PageSize.model_validate(p) for p in document["pages"]],
            parties=body.parties,
            fields=body.fields,
        ),
    )
    if body.send:
        envelope = await b.ask(
            "signing", SendEnvelope(tenant_id=tenant.id, envelope_id=envelope["id"])
        )
    return envelope


@router.post("/envelopes/{envelope_id}/send", summary="Send: the first signing order is asked")
async def send_envelope(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> dict[str, Any]:
    return await b.ask("signing", SendEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))


@router.get("/envelopes/{envelope_id}", summary="Status and each party's history (D3)")
async def get_envelope(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> dict[str, Any]:
    return await b.ask("signing", GetEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))


@router.get(
    "/envelopes/{envelope_id}/download",
    summary="The finished, sealed PDF (D5)",
    response_class=StreamingResponse,
)
async def download(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> StreamingResponse:
    envelope = await b.ask("signing", GetEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))
    if not envelope["finished"]:
        raise ApiError(
            409, "not_finished", "The contract is not finished yet.", status=envelope["status"]
        )
    finished = await b.ask(
        "document", GetFinishedDocument(tenant_id=tenant.id, document_id=envelope["document_id"])
    )
    return StreamingResponse(
        await b.open_blob(finished["blob_id"]),
        media_type="application/pdf",
        headers={"Content-Disposition": _attachment(finished["filename"])},
    )


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"signed.pdf\"; filename*=UTF-8''{quote(filename)}"
