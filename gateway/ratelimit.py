"""Request limits per API key and per agency, counted in the gateway's store.

Counting in the store, not in a process, keeps the limit right with any number of gateway
instances. Each subject (a key, an agency) has a fixed window; its count is split over a
few counter documents, so concurrent requests rarely race for one version: a request adds
one to a random shard (optimistic concurrency, retried on a clash), then sums the shards.
Adding before summing makes the limit exact: the n-th committed request sees at least n.
Refused requests count too, which only matters until the window ends.
"""

import random
import time
from dataclasses import dataclass

from services.common.store import Collection, ConcurrencyConflict, Store

COLLECTIONS = (Collection("rate_counters", indexed=("window_of",)),)
SHARDS = 8


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
        for attempt in range(20):
            try:
                await self._add(limits, start)
                break
            except ConcurrencyConflict:
                if attempt == 19:
                    raise
        budgets = [
            Budget(limit, await self._used(subject, start), reset)
            for subject, limit in limits.items()
        ]
        return min(budgets, key=lambda b: (not b.exceeded, b.remaining))

    async def _add(self, limits: dict[str, int], start: int) -> None:
        async with self._store.unit_of_work() as uow:
            for subject in limits:
                window_of = f"{subject}@{start}"
                shard = f"{window_of}#{random.randrange(SHARDS)}"
                doc = await uow.get("rate_counters", shard) or {
                    "id": shard,
                    "version": 0,
                    "window_of": window_of,
                    "count": 0,
                }
                doc["count"] += 1
                uow.save("rate_counters", doc)
            await uow.commit()

    async def _used(self, subject: str, start: int) -> int:
        async with self._store.unit_of_work() as uow:
            docs = await uow.find("rate_counters", {"window_of": f"{subject}@{start}"})
        return sum(int(d["count"]) for d in docs)
