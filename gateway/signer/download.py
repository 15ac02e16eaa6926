"""The finished contract from the signer's own link (G7), named by the contract's title,
for a limited time after completion."""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from gateway.refusals import Problem
from gateway.signer.link import again, backends, refused, require_access, state_page
from services.common.queries import GetFinishedDocument
from services.common.refusals import RefusalCode

DOWNLOAD_DAYS = 30
"""The finished PDF downloads from the signer's link this long after completion (G7)."""
router = APIRouter()


def attachment(title: str) -> str:
    """RFC 6266/5987: the contract's title for browsers that read `filename*`, and an ASCII
    fallback for those that do not."""
    name = title.strip().replace("/", "／").replace("\\", "＼") or "contract"
    ascii_name = "".join(c for c in name if c.isascii() and c.isprintable() and c not in '"%;')
    fallback = (ascii_name.strip(" .") or "contract") + ".pdf"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name + '.pdf')}"


@router.get("/{token}/download")
async def finished_pdf(request: Request, token: str) -> Response:
    try:
        view = await require_access(request, token)
    except Problem as exc:
        if exc.code == RefusalCode.access_code_required:
            return again(token)
        return refused(request, token, exc)
    if not view.finished or view.completed_at is None:
        return again(token)
    if datetime.now(UTC) >= view.completed_at + timedelta(days=DOWNLOAD_DAYS):
        return state_page(request, token, "download_expired", 410, view=view)
    finished = await backends(request).ask(
        "document",
        GetFinishedDocument(
            tenant_id=view.tenant_id, document_id=view.document_id, envelope_id=view.envelope_id
        ),
    )
    return StreamingResponse(
        await backends(request).open_blob(finished.blob_id),
        media_type="application/pdf",
        headers={"Content-Disposition": attachment(view.title), "Cache-Control": "no-store"},
    )
