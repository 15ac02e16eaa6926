"""Loads and saves envelopes through the store port, with their signer links and events."""

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork
from services.signing.credentials import token_hash
from services.signing.model import Envelope

COLLECTIONS = (
    Collection("envelopes", indexed=("tenant_id", "status", "document_id")),
    Collection("signer_links", indexed=("envelope_id",)),
)


class EnvelopeRepository:
    def __init__(self, uow: UnitOfWork, correlation_id: str | None = None) -> None:
        self._uow = uow
        self._correlation_id = correlation_id

    async def get(self, tenant_id: str, envelope_id: str) -> Envelope:
        """Another tenant's envelope is as absent as a missing one."""
        doc = await self._uow.get("envelopes", envelope_id)
        if doc is None or doc["tenant_id"] != tenant_id:
            raise Refused(RefusalCode.envelope_not_found)
        return Envelope.model_validate(doc)

    async def by_token(self, token: str) -> tuple[Envelope, str]:
        link = await self._uow.get("signer_links", token_hash(token))
        if link is None:
            raise Refused(RefusalCode.link_invalid)
        doc = await self._uow.get("envelopes", link["envelope_id"])
        if doc is None:
            raise Refused(RefusalCode.link_invalid)
        return Envelope.model_validate(doc), link["party_id"]

    def save(self, envelope: Envelope) -> None:
        for link in envelope.collect_links():
            self._uow.save(
                "signer_links",
                {
                    "id": token_hash(link.token),
                    "version": 0,
                    "envelope_id": envelope.id,
                    "party_id": link.party_id,
                },
            )
        stage(
            self._uow,
            "envelopes",
            envelope.model_dump(mode="json"),
            envelope.collect_events(),
            self._correlation_id,
        )
