"""One POST of a delivery, bounded by a timeout so a hanging receiver holds one slot only,
over connections that reach only public addresses (or the allowed networks)."""

import asyncio
import time
from collections.abc import Sequence

import httpx

from services.common.messages import utcnow
from services.webhooks import signatures
from services.webhooks.destinations import Network
from services.webhooks.guard import GuardedTransport
from services.webhooks.model import Attempt


class Sender:
    def __init__(self, timeout: float, allowed: Sequence[Network] = ()) -> None:
        self._timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": "Shomei-Webhooks/1"},
            transport=GuardedTransport(allowed),
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
