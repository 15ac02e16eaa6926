"""One POST of a delivery, bounded by a timeout so a hanging receiver holds one slot only."""

import asyncio
import time

import httpx

from services.common.messages import utcnow
from services.webhooks import signatures
from services.webhooks.model import Attempt


class Sender:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"user-agent": "Shomei-Webhooks/1"},
        )

    async def post(self, url: str, secrets: list[str], msg_id: str, body: str) -> Attempt:
        started = utcnow()
        clock = time.monotonic()
        payload = body.encode()
        headers = signatures.headers(secrets, msg_id, int(time.time()), payload)
        status: int | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.post(url, content=payload, headers=headers)
            status = response.status_code
        except (TimeoutError, httpx.TimeoutException):
            error = f"no answer within {self._timeout:g}s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        return Attempt(
            at=started,
            status_code=status,
            error=error,
            duration_ms=round((time.monotonic() - clock) * 1000),
        )

    async def aclose(self) -> None:
        await self._client.aclose()
