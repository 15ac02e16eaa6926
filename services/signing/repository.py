"""Loads and saves envelopes through the store port, with their signer links and events."""

from services.common.messages import Refused
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork
from services.signing.credentials import token_hash
from services.signing.model import Envelope

COLLECTIONS = (
    Collection("envelopes", indexed=("tenant_id", "status", "document_id")),
    Collection("signer_links", indexed=("envelope_id",)),
)

_INVALID_LINK = "このリンクは無効です。メールまたはSMSのリンクを確認してください。"


class EnvelopeRepository:
    def __init__(self, uow: UnitOfWork, correlation_id: str | None = None) -> None:
        self._uow = uow
        self._correlation_id = correlation_id

    async def get(self, tenant_id: str, envelope_id: str) -> Envelope:
        """Another tenant's envelope is as absent as a missing one."""
        doc = await self._uow.get("envelopes", envelope_id)
        if doc is None or doc["tenant_id"] != tenant_id:
            raise Refused("envelope_not_found", "署名依頼が見つかりません。", 404)
        return Envelope.model_validate(doc)

    async def by_token(self, token: str) -> tuple[Envelope, str]:
        link = await self._uow.get("signer_links", token_hash(token))
        if link is None:
            raise Refused("link_invalid", _INVALID_LINK, 404)
        doc = await self._uow.get("envelopes", link["envelope_id"])
        if doc is None:
            raise Refused("link_invalid", _INVALID_LINK, 404)
        return Envelope.model_validate(doc), link["party_id"]

    def save(self, envelope: Envelope) -> None:
        for link in envelope.collect_links():
            self._uow.save(
                "signer_links",
                {
                    "id": link.token_hash,
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
