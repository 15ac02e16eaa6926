"""Page images of an uploaded document for the console and API clients (D5)."""

from typing import Literal

from fastapi import Request
from fastapi.responses import StreamingResponse

from gateway.api.auth import TenantDep
from gateway.api.common import api_router
from gateway.backends import Backends
from services.common.queries import GetPageImage

router = api_router("/api/v1", "api", 401, 404, 422, 502, 503)


@router.get(
    "/documents/{document_id}/pages/{page}",
    summary="A page as displayed, as PNG: thumbnail (200 px) or preview (1000 px) (D5)",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/png": {}}, "description": "The page as PNG."}},
)
async def page_image(
    request: Request,
    document_id: str,
    page: int,
    tenant: TenantDep,
    size: Literal["thumbnail", "preview"] = "preview",
) -> StreamingResponse:
    """The picture shows the page after /Rotate and within its crop box: the frame in which
    fields are placed (PDF points, origin top-left, y down; scale = pixels / page width)."""
    backends: Backends = request.app.state.backends
    image = await backends.ask(
        "document",
        GetPageImage(tenant_id=tenant.id, document_id=document_id, page=page, size=size),
    )
    return StreamingResponse(
        await backends.open_blob(image.blob_id),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )
