"""A company's own seal image (S17): upload it once, then stamp it instead of a drawn one.

The answer's `seal_id` is what a party refers to (`seal_image_id`) for its seal. Errors are
RFC 9457 problem documents, like the rest of the API.
"""

from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import StreamingResponse

from gateway.api.auth import TenantDep
from gateway.api.common import BackendsDep, api_router, problems, store_upload
from services.common.commands import UploadSealImage
from services.common.queries import GetSealImage
from services.common.views import SealView

router = api_router("/api/v1", "seals", 401, 404, 422, 502, 503)

MAX_SEAL_BYTES = 2 * 1024 * 1024
HIDDEN = {"blob_id"}
"""The blob is streamed by `/seals/{seal_id}/image`; its id is of no use to a caller."""


@router.post(
    "/seals",
    status_code=201,
    summary="Upload a company's own seal image (S17)",
    response_model=SealView,
    response_model_exclude=HIDDEN,
    responses=problems(413),
)
async def upload_seal(
    request: Request,
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
    blob_id = await store_upload(request, file, MAX_SEAL_BYTES)
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
