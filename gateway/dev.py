"""The dev inbox: what the local mail/SMS catcher received, so a newcomer can follow a contract."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(prefix="/dev", include_in_schema=False)
JST = ZoneInfo("Asia/Tokyo")


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
        request, "dev/inbox.html", {"messages": [_as_seen(m) for m in messages], "error": error}
    )


def _as_seen(message: dict[str, Any]) -> dict[str, Any]:
    """The time in Japan, and the HTML part with its links opening outside the frame."""
    try:
        at = datetime.fromisoformat(message["received_at"]).astimezone(JST)
        shown = f"{at.year}年{at.month}月{at.day}日 {at:%H:%M:%S} JST"
    except (KeyError, TypeError, ValueError):
        shown = str(message.get("received_at", ""))
    html = message.get("html")
    if html:
        html = html.replace("<head>", '<head><base target="_blank">', 1)
    return {**message, "received_jst": shown, "html_for_frame": html}
