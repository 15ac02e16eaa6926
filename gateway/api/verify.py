"""Verify any PDF (B2): intact? sealed by this platform? when, for which envelope?

Anyone may ask. The envelope's title and parties are shown only to the envelope's own
agency, i.e. when the call carries that agency's API key.
"""

from typing import Annotated

from fastapi import Depends, File, Request, UploadFile
from fastapi.security import HTTPAuthorizationCredentials

from gateway.api.auth import bearer, current_tenant
from gateway.api.common import api_router, backends, store_upload
from services.common.queries import VerifyDocument
from services.common.views import VerifyView

router = api_router("/api/v1", "api", 401, 413, 422, 502, 503)


async def verify_upload(request: Request, file: UploadFile, tenant_id: str | None) -> VerifyView:
    blob_id = await store_upload(request, file)
    return await backends(request).ask(
        "document", VerifyDocument(blob_id=blob_id, tenant_id=tenant_id)
    )


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
