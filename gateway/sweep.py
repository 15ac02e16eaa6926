"""The gateway's housekeeping: kept idempotency answers and rate counters whose time is
over are deleted, or they would pile up for ever (one record per key an agency ever sent,
a few counters per key and agency per minute).

Every gateway instance sweeps on its own clock; the deletes are bounded batches on an
indexed `expires_at`, so a sweep costs little and instances sweeping at once only find
less to do.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from services.common.store import Store

log = logging.getLogger(__name__)
EXPIRING = ("idempotency", "rate_counters")
BATCH = 500


async def sweep_expired(store: Store, now: datetime | None = None) -> int:
    """Delete every expired record once; how many."""
    cutoff = (now or datetime.now(UTC)).isoformat()
    deleted = 0
    for collection in EXPIRING:
        while (n := await store.delete_expired(collection, "expires_at", cutoff, BATCH)) > 0:
            deleted += n
            if n < BATCH:
                break
    return deleted


class Sweeper:
    """Runs `sweep_expired` every `every_seconds` while the gateway runs."""

    def __init__(self, store: Store, every_seconds: float) -> None:
        self._store = store
        self._every = every_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                if deleted := await sweep_expired(self._store):
                    log.info("swept %d expired idempotency records and rate counters", deleted)
            except Exception:
                log.exception("sweeping expired records failed; trying again later")
            await asyncio.sleep(self._every)
