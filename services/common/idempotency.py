"""Commands applied at most once: dropped past their caller's deadline, and run once per
idempotency key, a retry answering the first run's reply."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from services.common.messages import Answer, Request
from services.common.refusals import RefusalCode
from services.common.store import Store

DEADLINE_HEADER = "x-shomei-deadline"
"""Absolute time (Unix seconds) after which the asker no longer waits for the answer."""
IDEMPOTENCY_HEADER = "x-shomei-idempotency-key"


def deadline(headers: Mapping[str, Any]) -> float | None:
    try:
        return float(headers[DEADLINE_HEADER])
    except (KeyError, TypeError, ValueError):
        return None


def past_deadline(headers: Mapping[str, Any]) -> bool:
    limit = deadline(headers)
    return limit is not None and time.time() > limit


class IdempotentAnswers:
    """Runs a command once per idempotency key and answers retries with its first reply.

    The key is taken in the store before the command runs, so a retry that arrives while
    the first run is still going waits for its reply (up to its own deadline) instead of
    running again. A run that failed inside the service frees the key for a retry, and a
    key whose runner died is free again after `HOLD_SECONDS`.
    """

    HOLD_SECONDS = 120.0
    POLL_SECONDS = 0.05

    def __init__(self, store: Store, keep_seconds: float) -> None:
        self._store = store
        self._keep = keep_seconds

    async def reply(
        self,
        request: Request[Any],
        key: str,
        until: float | None,
        run: Callable[[Request[Any]], Awaitable[Answer]],
    ) -> Answer | None:
        """The answer, or None when the first run outlived this retry's deadline."""
        scoped = f"{getattr(request, 'tenant_id', '')}:{request.kind}:{key}"
        while True:
            claim = await self._store.claim_idempotency_key(scoped, self.HOLD_SECONDS)
            if claim.acquired:
                return await self._run_once(scoped, request, run)
            if claim.reply is not None:
                return Answer.model_validate(claim.reply)
            if until is not None and time.time() > until:
                return None
            await asyncio.sleep(self.POLL_SECONDS)

    async def _run_once(
        self, scoped: str, request: Request[Any], run: Callable[[Request[Any]], Awaitable[Answer]]
    ) -> Answer:
        try:
            answer = await run(request)
        except BaseException:
            await self._store.settle_idempotency_key(scoped, None, self._keep)
            raise
        failed = answer.error is not None and answer.error.code == RefusalCode.internal_error
        kept = None if failed else answer.model_dump(mode="json")
        await self._store.settle_idempotency_key(scoped, kept, self._keep)
        return answer
