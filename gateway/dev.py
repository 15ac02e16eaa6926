"""The dev inbox: what the local mail/SMS catcher received, so a newcomer can follow a contract."""

from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(prefix="/dev", include_in_schema=False)


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request) -> HTMLResponse:
    url = request.app.state.settings.catcher_url
    messages: list[dict[str, Any]] = []
    error = None
    if not url:
        error = "SHOMEI_CATCHER_URL が設定されていません（./run up で起動すると表示されます）。"
    else:
        try:
            async with httpx.AsyncClient(timeout=3) as client:
                response = await client.get(f"{url.rstrip('/')}/messages")
                response.raise_for_status()
                messages = response.json()
        except httpx.HTTPError as exc:
            error = f"キャッチャーに接続できません: {exc}"
    return request.app.state.templates.TemplateResponse(
        request, "dev/inbox.html", {"messages": messages, "error": error}
    )
