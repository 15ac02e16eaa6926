"""The public REST API (B1): documents, envelopes, status and download.

Coordinates of signature boxes are PDF points on the page as displayed (after its
rotation), with the origin at the page's top-left corner and y growing downward. Errors are
RFC 9457 problem documents in the caller's language (Accept-Language; Japanese by default).
"""

from typing import Annotated

from fastapi import File, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.auth import TenantDep
from gateway.api.common import BackendsDep, api_router, problems, store_upload
from services.common.commands import (
    AdoptDocument,
    CancelEnvelope,
    CorrectDocumentInfo,
    CreateEnvelope,
    FieldInput,
    PartyInput,
    ReRequest,
    ReRequestParty,
    SendEnvelope,
    SenderContext,
)
from services.common.queries import (
    GetDocument,
    GetEnvelope,
    GetSealImage,
    ListContractTypes,
)
from services.common.values import ContractType, DocumentInfo, ReminderSettings
from services.common.views import ContractTypesView, DocumentView, EnvelopeView

router = api_router()


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
    contract_type: ContractType = "other"
    """契約種別 (S2); the two rental types ask tenant and landlord for the 37条 consent."""
    reminders: ReminderSettings = ReminderSettings()
    """Reminder and expiry days (B3): defaults 3, 2 and 30."""
    document_info: DocumentInfo = DocumentInfo()
    """契約日, 取引金額 and 取引先 for 電子帳簿保存法; the counterparty defaults to the first
    party outside the agency."""


class CancelRequest(BaseModel):
    """Why the request is withdrawn; every party already asked is told (B3)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    reason: str | None = Field(default=None, max_length=500)
    """Shown to the parties (up to 500 characters)."""


class ReRequestBody(BaseModel):
    """署名再依頼 (D4): the parties to ask again, with corrections."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    parties: list[ReRequestParty] = Field(min_length=1, max_length=20)
    """Parties now asked or locked; each gets a new link and the old one stops working."""


def _context(request: Request, tenant_name: str) -> SenderContext:
    return SenderContext(
        actor=tenant_name,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent", "")[:300],
    )


@router.post(
    "/documents",
    status_code=201,
    summary="Upload a contract PDF (S3)",
    response_model=DocumentView,
    responses=problems(413),
)
async def upload_document(
    request: Request,
    tenant: TenantDep,
    b: BackendsDep,
    file: Annotated[UploadFile, File(description="The contract, a PDF.")],
) -> DocumentView:
    blob_id = await store_upload(request, file)
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
async def create_envelope(
    request: Request, body: EnvelopeRequest, tenant: TenantDep, b: BackendsDep
) -> EnvelopeView:
    document = await b.ask(
        "document", GetDocument(tenant_id=tenant.id, document_id=body.document_id)
    )
    for seal_id in dict.fromkeys(p.seal_image_id for p in body.parties if p.seal_image_id):
        await b.ask("seal", GetSealImage(tenant_id=tenant.id, seal_id=seal_id))
    context = _context(request, tenant.name)
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
            contract_type=body.contract_type,
            certificate_option=tenant.certificate_option,
            reminders=body.reminders,
            document_info=body.document_info,
            context=context,
        ),
    )
    if body.send:
        envelope = await b.ask(
            "signing",
            SendEnvelope(tenant_id=tenant.id, envelope_id=envelope.id, context=context),
        )
    return envelope


@router.post(
    "/envelopes/{envelope_id}/send",
    summary="Send: the first signing order is asked",
    response_model=EnvelopeView,
)
async def send_envelope(
    request: Request, envelope_id: str, tenant: TenantDep, b: BackendsDep
) -> EnvelopeView:
    return await b.ask(
        "signing",
        SendEnvelope(
            tenant_id=tenant.id, envelope_id=envelope_id, context=_context(request, tenant.name)
        ),
    )


@router.post(
    "/envelopes/{envelope_id}/cancel",
    summary="Cancel: every party already asked is told (B3)",
    response_model=EnvelopeView,
)
async def cancel_envelope(
    request: Request,
    envelope_id: str,
    body: CancelRequest,
    tenant: TenantDep,
    b: BackendsDep,
) -> EnvelopeView:
    return await b.ask(
        "signing",
        CancelEnvelope(
            tenant_id=tenant.id,
            envelope_id=envelope_id,
            reason=body.reason,
            context=_context(request, tenant.name),
        ),
    )


@router.post(
    "/envelopes/{envelope_id}/rerequest",
    summary="Re-request (署名再依頼): ask chosen parties again with a new link (D4)",
    response_model=EnvelopeView,
    responses=problems(429),
)
async def rerequest(
    request: Request,
    envelope_id: str,
    body: ReRequestBody,
    tenant: TenantDep,
    b: BackendsDep,
) -> EnvelopeView:
    return await b.ask(
        "signing",
        ReRequest(
            tenant_id=tenant.id,
            envelope_id=envelope_id,
            parties=body.parties,
            context=_context(request, tenant.name),
        ),
    )


@router.put(
    "/envelopes/{envelope_id}/document-info",
    summary="Correct 契約日, 取引金額 and 取引先; the old values stay in the history",
    response_model=EnvelopeView,
)
async def correct_document_info(
    request: Request,
    envelope_id: str,
    body: DocumentInfo,
    tenant: TenantDep,
    b: BackendsDep,
) -> EnvelopeView:
    return await b.ask(
        "signing",
        CorrectDocumentInfo(
            tenant_id=tenant.id,
            envelope_id=envelope_id,
            document_info=body,
            context=_context(request, tenant.name),
        ),
    )


@router.get(
    "/contract-types",
    summary="The four contract types and their default parties (S2)",
    response_model=ContractTypesView,
)
async def contract_types(tenant: TenantDep, b: BackendsDep) -> ContractTypesView:
    return await b.ask("signing", ListContractTypes())


@router.get(
    "/envelopes/{envelope_id}",
    summary="Status and each party's history (D3)",
    response_model=EnvelopeView,
)
async def get_envelope(envelope_id: str, tenant: TenantDep, b: BackendsDep) -> EnvelopeView:
    return await b.ask("signing", GetEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))
