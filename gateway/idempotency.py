"""Idempotency keys: a retried POST creates nothing and gets the first answer again.

A record per (agency, key) lives in the gateway's store. The first request claims it by
inserting it (the store refuses a second insert of one id, so two gateways racing with one
key cannot both win); the winner runs, then keeps its answer (status, headers, body) and the
SHA-256 of the request for 24 hours. A request with the same key meanwhile gets:
- the kept answer, when method, path and body are the same;
- 422 `idempotency_key_reused`, when they differ;
- 409 `idempotency_in_progress` with `Retry-After`, while the first is still running.
An answer of 5xx is not kept (nothing was decided; the retry runs again). A claim held
longer than the lock time (a gateway died mid-request) may be taken over. Expired records
are deleted by the gateway's sweep (gateway.sweep).
"""

import hashlib
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from services.common.store import Collection, ConcurrencyConflict, Store

COLLECTIONS = (Collection("idempotency", indexed=("tenant_id", "expires_at")),)
KEY_MAX = 255

request_key: ContextVar[str | None] = ContextVar("shomei_idempotency_key", default=None)
"""The running request's record id (agency and key hashed), while it runs: the commands it
sends carry it on, so a service answers a retried command with its first reply even when
the gateway never heard that reply (a timeout)."""


def valid_key(key: str) -> bool:
    return 0 < len(key) <= KEY_MAX and key.isprintable() and key.isascii()


class Outcome(Enum):
    claimed = "claimed"
    """Run the request, then `finish` or `release`."""
    replay = "replay"
    """Answered before: compare the body's hash, then send the kept answer."""
    busy = "busy"
    """Another request with this key is running."""
    reused = "reused"
    """The key was used for another method or path."""


@dataclass
class Claim:
    outcome: Outcome
    record: dict[str, Any]

    def answer(self) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        r = self.record
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in r["headers"]]
        return int(r["status"]), headers, bytes.fromhex(r["body"])


def _now() -> datetime:
    return datetime.now(UTC)


class IdempotencyRecords:
    def __init__(self, store: Store, keep_hours: float, lock_seconds: float) -> None:
        self._store = store
        self._keep = timedelta(hours=keep_hours)
        self._lock = timedelta(seconds=lock_seconds)

    @staticmethod
    def record_id(tenant_id: str, key: str) -> str:
        return hashlib.sha256(f"{tenant_id}\n{key}".encode()).hexdigest()

    async def claim(self, tenant_id: str, key: str, request: str) -> Claim:
        """`request` is "METHOD path": the same key on another endpoint is a reuse."""
        record_id = self.record_id(tenant_id, key)
        for _ in range(10):
            now = _now()
            async with self._store.unit_of_work() as uow:
                doc = await uow.get("idempotency", record_id)
                if doc is not None and not self._stale(doc, now):
                    if doc["request"] != request:
                        return Claim(Outcome.reused, doc)
                    if doc["state"] == "done":
                        return Claim(Outcome.replay, doc)
                    return Claim(Outcome.busy, doc)
                fresh = {
                    "id": record_id,
                    "version": doc["version"] if doc else 0,
                    "tenant_id": tenant_id,
                    "request": request,
                    "state": "running",
                    "held_until": (now + self._lock).isoformat(),
                    "expires_at": (now + self._keep).isoformat(),
                }
                uow.save("idempotency", fresh)
                try:
                    await uow.commit()
                except ConcurrencyConflict:
                    continue
                return Claim(Outcome.claimed, fresh)
        raise ConcurrencyConflict(f"idempotency record {record_id} kept changing")

    @staticmethod
    def _stale(doc: dict[str, Any], now: datetime) -> bool:
        if doc["state"] == "released" or datetime.fromisoformat(doc["expires_at"]) <= now:
            return True
        return doc["state"] == "running" and datetime.fromisoformat(doc["held_until"]) <= now

    async def finish(
        self,
        claim: Claim,
        body_sha256: str,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        await self._update(
            claim,
            state="done",
            body_sha256=body_sha256,
            status=status,
            headers=headers,
            body=body.hex(),
        )

    async def release(self, claim: Claim) -> None:
        await self._update(claim, state="released")

    async def _update(self, claim: Claim, **fields: Any) -> None:
        """Only the claim's holder writes; a takeover after the lock time wins over it."""
        async with self._store.unit_of_work() as uow:
            doc = {**claim.record, **fields}
            uow.save("idempotency", doc)
            try:
                await uow.commit()
            except ConcurrencyConflict:
                return
            claim.record = doc
