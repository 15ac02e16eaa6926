"""本人確認書類 (S10, G3) for the sender: each photo a signer attached, streamed to staff of
the same agency who hold the download right, never cached and never public.

The signing service authorises each request: it answers the envelope only to its own agency,
and only a photo that its party really attached is streamed.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from gateway.console.web import SessionDep, backends, require
from gateway.refusals import GatewayCode, Problem
from services.common.queries import GetEnvelope
from services.common.refusals import RefusalCode

router = APIRouter(prefix="/console", include_in_schema=False)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}
SHOWN_INLINE = {"image/jpeg", "image/png"}
"""Browsers draw JPEG and PNG; a HEIC photo (an iPhone's) is offered as a download."""


@router.get("/documents/{envelope_id}/identity/{party_id}/{kind}/{side}")
async def identity_photo(
    request: Request, session: SessionDep, envelope_id: str, party_id: str, kind: str, side: str
) -> Response:
    require(request, session, "download")
    b = backends(request)
    envelope = await b.ask(
        "signing", GetEnvelope(tenant_id=session.user.tenant_id, envelope_id=envelope_id)
    )
    party = next((p for p in envelope.parties if p.id == party_id), None)
    if party is None:
        raise Problem(RefusalCode.party_not_found)
    image = next((i for i in party.identity_documents if i.kind == kind and i.side == side), None)
    if image is None:
        raise Problem(GatewayCode.blob_not_found)
    disposition = "inline" if image.content_type in SHOWN_INLINE else "attachment"
    filename = f"{kind}-{side}.{EXTENSIONS[image.content_type]}"
    return StreamingResponse(
        await b.open_blob(image.blob_id),
        media_type=image.content_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "Pragma": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Referrer-Policy": "no-referrer",
        },
    )
