"""The envelope's history (D3): append-only, each entry hash-chained to the one before.

Any edit of a past entry changes its hash and breaks the link to every later one; a
removed entry breaks the chain where it was, and a removed last entry no longer matches
the head and length the trail keeps beside its entries. The digest carried by the
finished PDF proves the whole history.
"""

import hashlib
import json
from datetime import datetime

from pydantic import BaseModel, Field

GENESIS = "0" * 64


class AuditEntry(BaseModel):
    seq: int
    at: datetime
    action: str
    party_id: str | None = None
    actor: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    detail: dict[str, str] = Field(default_factory=dict)
    prev: str
    hash: str

    def expected_hash(self) -> str:
        body = self.model_dump(mode="json", exclude={"hash"})
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class ChainCheck(BaseModel):
    intact: bool
    first_bad_seq: int | None = None
    """The first entry that does not verify (or where one is missing)."""


def verify_chain(entries: list[AuditEntry], head: str, length: int) -> ChainCheck:
    """Every entry hashes to itself and links to the one before; the last is the head."""
    prev = GENESIS
    for position, entry in enumerate(entries, start=1):
        if entry.seq != position or entry.prev != prev or entry.hash != entry.expected_hash():
            return ChainCheck(intact=False, first_bad_seq=position)
        prev = entry.hash
    if len(entries) != length or prev != head:
        return ChainCheck(intact=False, first_bad_seq=len(entries) + 1)
    return ChainCheck(intact=True)


class AuditTrail(BaseModel):
    entries: list[AuditEntry] = Field(default_factory=list)
    head: str = GENESIS
    length: int = 0

    @property
    def digest(self) -> str:
        return self.head

    def append(
        self,
        at: datetime,
        action: str,
        party_id: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
        actor: str | None = None,
        **detail: str,
    ) -> AuditEntry:
        entry = AuditEntry(
            seq=len(self.entries) + 1,
            at=at,
            action=action,
            party_id=party_id,
            actor=actor,
            ip=ip,
            user_agent=user_agent,
            detail=detail,
            prev=self.head,
            hash="",
        )
        entry.hash = entry.expected_hash()
        self.entries.append(entry)
        self.head, self.length = entry.hash, entry.seq
        return entry

    def check(self) -> ChainCheck:
        return verify_chain(self.entries, self.head, self.length)

    def is_intact(self) -> bool:
        return self.check().intact

    def for_party(self, party_id: str) -> list[AuditEntry]:
        return [e for e in self.entries if e.party_id == party_id]
