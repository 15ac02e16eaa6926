"""A company's own seal image (S17): upload it once, then stamp it instead of a drawn one.

The answer's `seal_id` is what a party refers to (`seal_image_id`) for its seal. Errors are
RFC 9457 problem documents, like the rest of the API.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import StreamingResponse

from gateway.api.auth import TenantDep
from gateway.api.routes import BackendsDep, _problems
from gateway.refusals import GatewayCode, Problem
from services.common.blobs import BlobTooLarge
from services.common.commands import UploadSealImage
from services.common.queries import GetSealImage
from services.common.views import SealView

router = APIRouter(prefix="/api/v1", tags=["seals"], responses=_problems(401, 404, 422, 502, 503))

MAX_SEAL_BYTES = 2 * 1024 * 1024
HIDDEN = {"blob_id"}
"""The blob is streamed by `/seals/{seal_id}/image`; its id is of no use to a caller."""


@router.post(
    "/seals",
    status_code=201,
    summary="Upload a company's own seal image (S17)",
    response_model=SealView,
    response_model_exclude=HIDDEN,
    responses=_problems(413),
)
async def upload_seal(
    tenant: TenantDep,
    b: BackendsDep,
    file: Annotated[UploadFile, File(description="The seal on white paper: PNG or JPEG, ≤ 2 MB.")],
    label: Annotated[
        str, Form(max_length=100, description="What the agency calls it (代表者印, 角印 …).")
    ] = "",
    size_mm: Annotated[
        float | None, Form(ge=6, le=60, description="Its size on paper, longer side, in mm.")
    ] = None,
) -> SealView:
    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await file.read(64 * 1024):
            yield chunk

    try:
        blob_id, size = await b.blobs.put_stream(chunks(), MAX_SEAL_BYTES)
    except BlobTooLarge as exc:
        raise Problem(GatewayCode.file_too_large, limit_mb=MAX_SEAL_BYTES // 2**20) from exc
    if size == 0:
        raise Problem(GatewayCode.empty_file)
    return await b.ask(
        "seal",
        UploadSealImage(tenant_id=tenant.id, blob_id=blob_id, label=label, size_mm=size_mm),
    )


@router.get(
    "/seals/{seal_id}",
    summary="An uploaded seal: its size for stamping",
    response_model=SealView,
    response_model_exclude=HIDDEN,
)
async def get_seal(seal_id: str, tenant: TenantDep, b: BackendsDep) -> SealView:
    return await b.ask("seal", GetSealImage(tenant_id=tenant.id, seal_id=seal_id))


@router.get(
    "/seals/{seal_id}/image",
    summary="The cleaned seal image (transparent PNG)",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/png": {}}, "description": "The PNG."}},
)
async def seal_image(seal_id: str, tenant: TenantDep, b: BackendsDep) -> StreamingResponse:
    seal = await b.ask("seal", GetSealImage(tenant_id=tenant.id, seal_id=seal_id))
    return StreamingResponse(await b.open_blob(seal.blob_id), media_type="image/png")
