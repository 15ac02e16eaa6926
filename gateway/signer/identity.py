"""Identity documents from the phone (S10, G3): which photos each document needs, and
whether an upload is an image at all, judged by its first bytes, not by its name."""

from collections.abc import AsyncIterator
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from gateway.refusals import Problem
from gateway.signer.link import (
    COOKIE,
    again,
    backends,
    context,
    refused,
    require_access,
    state_page,
)
from gateway.signer.texts import TEXTS
from gateway.signer.web import csrf_ok, language, page
from services.common.blobs import BlobTooLarge
from services.common.commands import AttachIdentityDocuments
from services.common.values import ID_SIDES, IdImage
from services.common.views import SignerView

IMAGE_MAX_BYTES = 10 * 1024 * 1024
"""One photo: a phone's camera makes 2–6 MB."""
UPLOAD_MAX_BYTES = 8 * IMAGE_MAX_BYTES
"""The whole form, refused by its declared length before it is read."""
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
ImageType = Literal["image/jpeg", "image/png", "image/heic"]


def image_type(head: bytes) -> ImageType | None:
    """JPEG, PNG or HEIC by the first bytes; anything else is not a photo."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


async def chunks(upload: UploadFile, first: bytes) -> AsyncIterator[bytes]:
    """The upload again from its start, in pieces, for the blob store's bounded write."""
    yield first
    while piece := await upload.read(256 * 1024):
        yield piece


router = APIRouter()


def identity_page(
    request: Request,
    token: str,
    view: SignerView,
    errors: list[str],
    status: int = 200,
    code: str | None = None,
) -> HTMLResponse:
    """The photos still to send; `code` names a service's refusal for machines."""
    return page(
        request,
        token,
        "signer/identity.html",
        status,
        view=view,
        errors=errors,
        sides=ID_SIDES,
        code=code,
    )


@router.post("/{token}/identity", response_class=HTMLResponse)
async def attach_identity(request: Request, token: str) -> Response:
    """Photos of the documents asked for, each checked and streamed into a blob (G3)."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > UPLOAD_MAX_BYTES:
        return state_page(request, token, "too_large", 413)
    form = await request.form(max_files=12, max_fields=20)
    if not csrf_ok(request, form.get("csrf")):
        return page(request, token, "signer/state.html", 403, state="csrf")
    try:
        view = await require_access(request, token)
        t = TEXTS[language(request)]
        images: list[IdImage] = []
        errors: list[str] = []
        for kind in view.party.required_documents:
            for side in ID_SIDES[kind]:
                name = f"{t[kind]}（{t['id_' + side]}）"
                upload = form.get(f"img_{kind}_{side}")
                if not isinstance(upload, UploadFile) or not upload.size:
                    errors.append(t["id_missing"])
                    continue
                head = await upload.read(16)
                kind_of_image = image_type(head)
                if kind_of_image is None:
                    errors.append(t["id_bad_image"].format(name=name))
                    continue
                try:
                    blob_id, _ = await backends(request).blobs.put_stream(
                        chunks(upload, head), IMAGE_MAX_BYTES
                    )
                except BlobTooLarge:
                    errors.append(t["id_too_large"].format(name=name))
                    continue
                images.append(
                    IdImage(kind=kind, side=side, blob_id=blob_id, content_type=kind_of_image)
                )
        if errors:
            unique = list(dict.fromkeys(errors))
            return identity_page(request, token, view, unique, 422)
        await backends(request).ask(
            "signing",
            AttachIdentityDocuments(
                token=token,
                session=request.cookies.get(COOKIE),
                images=images,
                context=context(request),
            ),
        )
    except Problem as exc:
        return refused(request, token, exc)
    return again(token)
