"""The envelope's audit trail: append-only, each entry hash-chained to the one before.

Any edit of a past entry changes every later hash, so the digest carried by the finished
PDF proves the whole history.
"""

import hashlib
import json
from datetime import datetime

from pydantic import BaseModel

GENESIS = "0" * 64


class AuditEntry(BaseModel):
    seq: int
    at: datetime
    action: str
    party_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    detail: dict[str, str] = {}
    prev: str
    hash: str

    def expected_hash(self) -> str:
        body = self.model_dump(mode="json", exclude={"hash"})
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditTrail(BaseModel):
    entries: list[AuditEntry] = []

    @property
    def digest(self) -> str:
        return self.entries[-1].hash if self.entries else GENESIS

    def append(
        self,
        at: datetime,
        action: str,
        party_id: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        **detail: str,
    ) -> AuditEntry:
        entry = AuditEntry(
            seq=len(self.entries) + 1,
            at=at,
            action=action,
            party_id=party_id,
            ip=ip,
            user_agent=user_agent,
            detail=detail,
            prev=self.digest,
            hash="",
        )
        entry.hash = entry.expected_hash()
        self.entries.append(entry)
        return entry

    def is_intact(self) -> bool:
        prev = GENESIS
        for entry in self.entries:
            if entry.prev != prev or entry.hash != entry.expected_hash():
                return False
            prev = entry.hash
        return True

    def for_party(self, party_id: str) -> list[AuditEntry]:
        return [e for e in self.entries if e.party_id == party_id]
