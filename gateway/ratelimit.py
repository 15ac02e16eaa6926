"""Request limits per API key and per agency, counted in the gateway's store.

Counting in the store, not in a process, keeps the limit right with any number of gateway
instances. Each subject (a key, an agency) has a fixed window whose count is split over a
few counter documents, so concurrent requests seldom race for one version. A request reads
the shards, adds one to a random shard (optimistic concurrency: on a clash it reads again)
and takes the sum it read plus one as its place in the window. No increment is ever lost;
one at a time the limit is exact, and in a burst at most a few requests (one per shard)
can share a place, so the limit may be passed by fewer than the number of shards — never
does a burst shut out everyone. Refused requests count too, until the window ends. Should
a count keep clashing, the request passes uncounted rather than fail: a limit protects the
service, it must not become the outage. A window's counters carry its end as `expires_at`,
after which the gateway's sweep (gateway.sweep) deletes them.
"""

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from services.common.store import Collection, ConcurrencyConflict, Store

log = logging.getLogger(__name__)
COLLECTIONS = (Collection("rate_counters", indexed=("window_of", "expires_at")),)
SHARDS = 4
ATTEMPTS = 50


@dataclass(frozen=True)
class Budget:
    """Where one subject stands in the current window."""

    limit: int
    used: int
    reset_seconds: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


class RateLimiter:
    def __init__(self, store: Store, window_seconds: int) -> None:
        self._store = store
        self._window = window_seconds

    async def hit(self, limits: dict[str, int], now: float | None = None) -> Budget:
        """Count one request against every subject (`{subject: limit}`); the tightest budget."""
        now = time.time() if now is None else now
        start = int(now // self._window) * self._window
        reset = max(1, int(start + self._window - now + 0.999))
        ends = datetime.fromtimestamp(start + self._window, UTC).isoformat()
        budgets = [
            Budget(limit, await self._take(f"{subject}@{start}", ends), reset)
            for subject, limit in limits.items()
        ]
        return min(budgets, key=lambda b: (not b.exceeded, b.remaining))

    async def _take(self, window_of: str, expires_at: str) -> int:
        """Count one request; its place in the window (0 when it could not be counted)."""
        for attempt in range(ATTEMPTS):
            async with self._store.unit_of_work() as uow:
                shards = await uow.find("rate_counters", {"window_of": window_of})
                used = sum(int(d["count"]) for d in shards)
                shard = f"{window_of}#{random.randrange(SHARDS)}"
                doc = next((d for d in shards if d["id"] == shard), None) or {
                    "id": shard,
                    "version": 0,
                    "window_of": window_of,
                    "expires_at": expires_at,
                    "count": 0,
                }
                doc["count"] += 1
                uow.save("rate_counters", doc)
                try:
                    await uow.commit()
                    return used + 1
                except ConcurrencyConflict:
                    await asyncio.sleep(random.random() * 0.002 * attempt)
        log.warning("rate counter %s kept clashing; request not counted", window_of)
        return 0
