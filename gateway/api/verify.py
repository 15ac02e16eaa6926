"""Verify any PDF (B2): intact? sealed by this platform? when, for which envelope?

Anyone may ask. The envelope's title and parties are shown only to the envelope's own
agency, i.e. when the call carries that agency's API key.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.security import HTTPAuthorizationCredentials

from gateway.api.auth import bearer, current_tenant
from gateway.api.routes import _problems
from gateway.backends import Backends
from gateway.refusals import GatewayCode, Problem
from services.common.blobs import BlobTooLarge
from services.common.queries import VerifyDocument
from services.common.views import VerifyView

router = APIRouter(prefix="/api/v1", tags=["api"], responses=_problems(401, 413, 422, 502, 503))


async def store_upload(request: Request, file: UploadFile) -> str:
    """Stream the upload into the blob store; the document service records and sweeps it."""
    limit = request.app.state.settings.max_upload_bytes

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await file.read(256 * 1024):
            yield chunk

    backends: Backends = request.app.state.backends
    try:
        blob_id, size = await backends.blobs.put_stream(chunks(), limit)
    except BlobTooLarge as exc:
        raise Problem(GatewayCode.file_too_large, limit_mb=limit // (1024 * 1024)) from exc
    if size == 0:
        raise Problem(GatewayCode.empty_file)
    return blob_id


async def verify_upload(request: Request, file: UploadFile, tenant_id: str | None) -> VerifyView:
    blob_id = await store_upload(request, file)
    backends: Backends = request.app.state.backends
    return await backends.ask("document", VerifyDocument(blob_id=blob_id, tenant_id=tenant_id))


@router.post(
    "/documents/verify",
    summary="Verify a PDF: intact, sealed by Shomei, when, which envelope (B2)",
    response_model=VerifyView,
)
async def verify_document(
    request: Request,
    file: Annotated[UploadFile, File(description="Any PDF, e.g. a finished contract.")],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> VerifyView:
    """No API key needed. With the key of the agency that sent the envelope, the answer
    also names its title and parties."""
    tenant = await current_tenant(request, credentials) if credentials else None
    return await verify_upload(request, file, tenant.id if tenant else None)
