"""The public verify page (B2): upload a PDF on any phone and read, in Japanese, whether it
is intact and sealed by this platform."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse

from gateway.api.verify import verify_upload
from gateway.refusals import Problem

router = APIRouter(include_in_schema=False)
JST = timezone(timedelta(hours=9), "JST")

VERDICTS = {
    "intact": "この PDF は Shomei で締結された契約書で、署名後に改変されていません。",
    "altered": (
        "この PDF は Shomei の署名を含みますが、署名後に変更されているか、保存し直されています。"
    ),
    "foreign": "この PDF には Shomei 以外の電子署名があります。Shomei では内容を保証できません。",
    "unsigned": "この PDF には電子署名がありません。Shomei で締結された契約書ではありません。",
    "unreadable": "PDF として読み取れませんでした。",
}


def _page(request: Request, status: int = 200, **ctx: object) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request, "verify/verify.html", ctx, status_code=status
    )


@router.get("/verify", response_class=HTMLResponse)
async def verify_form(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/verify", response_class=HTMLResponse)
async def verify_result(request: Request, file: Annotated[UploadFile, File()]) -> HTMLResponse:
    try:
        result = await verify_upload(request, file, None)
    except Problem as exc:
        if exc.status >= 500:
            raise
        return _page(request, exc.status, error=exc.message("ja"))
    return _page(
        request,
        result=result,
        message=VERDICTS[result.verdict],
        signed_at=_jst(result.signed_at),
    )


def _jst(at: datetime | None) -> str:
    """`2026年11月28日 00:23:41（日本時間）`."""
    if at is None:
        return "—"
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return at.astimezone(JST).strftime("%Y年%m月%d日 %H:%M:%S（日本時間）")
