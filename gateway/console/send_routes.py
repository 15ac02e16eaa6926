"""契約を締結 (S1–S16, B3): upload, then the document information, check and placement
steps in one page, sent as one request that creates and sends the envelope."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.console.web import (
    FormText,
    SessionDep,
    backends,
    check_csrf,
    lang,
    redirect,
    render,
    require,
    tenant_of,
)
from gateway.console.wizard_text import WIZARD_TEXTS
from gateway.refusals import GatewayCode, Problem
from services.common.blobs import BlobTooLarge
from services.common.commands import (
    AdoptDocument,
    CreateEnvelope,
    FieldInput,
    PartyInput,
    SendEnvelope,
    SenderContext,
)
from services.common.queries import GetDocument, GetPageImage, ListContractTypes
from services.common.values import ContractType, DocumentInfo, ReminderSettings

router = APIRouter(prefix="/console", include_in_schema=False)


class ConsoleEnvelope(BaseModel):
    """What the wizard posts: the same parts as the public API's request, plus the type."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    contract_type: ContractType
    parties: list[PartyInput] = Field(min_length=1, max_length=20)
    fields: list[FieldInput] = Field(max_length=200)
    reminders: ReminderSettings = ReminderSettings()
    document_info: DocumentInfo = DocumentInfo()


def sender_context(request: Request, session: SessionDep) -> SenderContext:
    return SenderContext(
        actor=f"{session.user.name} ({session.user.login_id})",
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent", "")[:300],
    )


@router.get("/send")
async def upload_page(request: Request, session: SessionDep) -> Response:
    require(request, session, "send")
    types = await backends(request).ask("signing", ListContractTypes())
    return render(request, "upload.html", session=session, active="new", types=types.types)


@router.post("/send")
async def upload(
    request: Request,
    session: SessionDep,
    contract_type: FormText = None,
    file: Annotated[UploadFile | None, File()] = None,
    csrf: FormText = None,
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "send")
    b = backends(request)
    types = (await b.ask("signing", ListContractTypes())).types
    chosen = contract_type if contract_type in {t.id for t in types} else types[0].id
    problem: Problem | None = None
    document = None
    if file is None or not file.filename:
        problem = Problem(GatewayCode.empty_file)
    else:
        limit = request.app.state.settings.max_upload_bytes

        async def chunks() -> AsyncIterator[bytes]:
            while chunk := await file.read(256 * 1024):
                yield chunk

        try:
            blob_id, size = await b.blobs.put_stream(chunks(), limit)
            if size == 0:
                raise Problem(GatewayCode.empty_file)
            document = await b.ask(
                "document",
                AdoptDocument(
                    tenant_id=session.user.tenant_id, blob_id=blob_id, filename=file.filename
                ),
            )
        except BlobTooLarge:
            problem = Problem(GatewayCode.file_too_large, limit_mb=limit // (1024 * 1024))
        except Problem as exc:
            problem = exc
    if document is None:
        return render(
            request,
            "upload.html",
            422,
            session,
            active="new",
            types=types,
            chosen=chosen,
            file_error=problem.message(lang(request)) if problem else None,
        )
    return redirect(f"/console/send/{document.id}?type={chosen}")


@router.get("/send/{document_id}")
async def wizard(
    request: Request, session: SessionDep, document_id: str, type: str = ""
) -> Response:
    require(request, session, "send")
    b = backends(request)
    document = await b.ask(
        "document", GetDocument(tenant_id=session.user.tenant_id, document_id=document_id)
    )
    types = (await b.ask("signing", ListContractTypes())).types
    chosen = next((t for t in types if t.id == type), types[0])
    tenant = await tenant_of(request, session)
    boot: dict[str, Any] = {
        "certificate_option": tenant.certificate_option,
        "document": document.model_dump(mode="json"),
        "contract_type": chosen.model_dump(mode="json"),
        "types": [t.model_dump(mode="json") for t in types],
        "reminders": ReminderSettings().model_dump(),
        "lang": lang(request),
        "t": WIZARD_TEXTS[lang(request)],
    }
    return render(
        request, "wizard.html", session=session, active="new", document=document, boot=boot
    )


@router.post("/send/{document_id}")
async def create_and_send(request: Request, session: SessionDep, document_id: str) -> Response:
    """JSON in, JSON out: refusals come back as problem details with a pointer per field, so
    the wizard shows each one beside its input."""
    check_csrf(request, session, None)
    require(request, session, "send")
    language = lang(request)
    try:
        body = ConsoleEnvelope.model_validate_json(await request.body())
    except ValidationError as exc:
        problem = Problem(GatewayCode.invalid_input, errors=list(exc.errors()))
        return JSONResponse(problem.details(language).model_dump(mode="json"), 422)
    b = backends(request)
    tenant = await tenant_of(request, session)
    context = sender_context(request, session)
    try:
        document = await b.ask(
            "document", GetDocument(tenant_id=tenant.id, document_id=document_id)
        )
        envelope = await b.ask(
            "signing",
            CreateEnvelope(
                tenant_id=tenant.id,
                sender_name=tenant.name,
                sender_email=session.user.email,
                title=body.title,
                document_id=document.id,
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
        await b.ask(
            "signing",
            SendEnvelope(tenant_id=tenant.id, envelope_id=envelope.id, context=context),
        )
    except Problem as problem:
        return JSONResponse(problem.details(language).model_dump(mode="json"), problem.status)
    return JSONResponse({"redirect": f"/console/documents/{envelope.id}?sent=1"})


@router.get("/pages/{document_id}/{page}")
async def page_image(
    request: Request, session: SessionDep, document_id: str, page: int
) -> Response:
    """A page as PNG, for the placement step and the preview (own agency only)."""
    b = backends(request)
    image = await b.ask(
        "document",
        GetPageImage(tenant_id=session.user.tenant_id, document_id=document_id, page=page),
    )
    return StreamingResponse(
        await b.open_blob(image.blob_id),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )
