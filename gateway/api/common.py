"""What every API router shares: the backends dependency, problem responses, uploads into
the blob store and file answers."""

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import StreamingResponse

from gateway.backends import Backends
from gateway.refusals import GatewayCode, Problem, ProblemDetails
from services.common.blobs import BlobTooLarge

PROBLEM_JSON = "application/problem+json"
PROBLEM = {"model": ProblemDetails, "content": {PROBLEM_JSON: {}}}
COMMON_STATUSES = (400, 401, 403, 404, 409, 413, 422, 429, 502, 503)
PDF_RESPONSE = {200: {"content": {"application/pdf": {}}, "description": "The PDF."}}
UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;%]+')
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._()-]{0,150}")


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {**PROBLEM, "description": "A problem document."} for status in statuses}


def api_router(prefix: str = "/api/v1", tag: str = "api", *statuses: int) -> APIRouter:
    """A router of the public API whose operations document the problems they may answer
    (the common ones unless `statuses` names others)."""
    return APIRouter(prefix=prefix, tags=[tag], responses=problems(*(statuses or COMMON_STATUSES)))


def backends(request: Request) -> Backends:
    return request.app.state.backends


BackendsDep = Annotated[Backends, Depends(backends)]


async def store_upload(request: Request, file: UploadFile, limit: int | None = None) -> str:
    """Stream an upload into the blob store, bounded by `limit` (the PDF upload limit
    unless given); the service that adopts the blob records it, its sweep takes the rest."""
    limit = limit or request.app.state.settings.max_upload_bytes

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await file.read(256 * 1024):
            yield chunk

    blobs = backends(request).blobs
    try:
        blob_id, size = await blobs.put_stream(chunks(), limit)
    except BlobTooLarge as exc:
        raise Problem(GatewayCode.file_too_large, limit_mb=limit // (1024 * 1024)) from exc
    if size == 0:
        raise Problem(GatewayCode.empty_file)
    return blob_id


def attachment(name: str, fallback: str) -> str:
    """`Content-Disposition` for a PDF named `name` in any script: RFC 6266 with the RFC 5987
    `filename*` (UTF-8, percent-encoded), and `filename` for clients that read only that:
    the name itself when it is plain ASCII, else `fallback`."""
    clean = UNSAFE_IN_NAME.sub("_", name).strip(" ._") or fallback
    if not clean.lower().endswith(".pdf"):
        clean += ".pdf"
    plain = clean if PLAIN_NAME.fullmatch(clean) else fallback
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(clean, safe='')}"


async def pdf_download(b: Backends, blob_id: str, name: str, fallback: str) -> StreamingResponse:
    return StreamingResponse(
        await b.open_blob(blob_id),
        media_type="application/pdf",
        headers={"Content-Disposition": attachment(name, fallback)},
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
