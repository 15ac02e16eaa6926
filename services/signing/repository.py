"""Loads and saves envelopes through the store port, with their signer links and events.

Beside the envelope's own fields the saved document carries `index`: the values the list,
the dashboard and the sweeper search on, as declared indexed fields of both engines.
"""

from datetime import UTC, datetime
from typing import Any

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork
from services.signing.credentials import token_hash
from services.signing.model import Envelope

INDEXED = (
    "tenant_id",
    "status",
    "document_id",
    "index.created_at",
    "index.sent_at",
    "index.amount",
    "index.counterparty",
    "index.title",
    "index.due_at",
    "index.awaiting",
)
COLLECTIONS = (
    Collection(
        "envelopes",
        indexed=INDEXED,
        sorted_within=(
            ("tenant_id", "index.created_at"),
            ("tenant_id", "status", "index.created_at"),
        ),
    ),
    Collection("signer_links", indexed=("envelope_id",)),
)


def utc_text(value: datetime | None) -> str | None:
    """Sortable text of a time in UTC: the same order in SQLite and MongoDB."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value else None


def index_of(envelope: Envelope) -> dict[str, Any]:
    return {
        "created_at": utc_text(envelope.created_at),
        "sent_at": utc_text(envelope.sent_at),
        "amount": envelope.document_info.amount,
        "counterparty": envelope.document_info.counterparty,
        "title": envelope.title,
        "due_at": utc_text(envelope.due_at),
        "awaiting": envelope.awaiting,
    }


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

    async def by_id(self, envelope_id: str) -> Envelope | None:
        doc = await self._uow.get("envelopes", envelope_id)
        return None if doc is None else Envelope.model_validate(doc)

    async def by_token(self, token: str) -> tuple[Envelope, str, int]:
        """The envelope, party id and link serial a link token names."""
        link = await self._uow.get("signer_links", token_hash(token))
        if link is None:
            raise Refused(RefusalCode.link_invalid)
        doc = await self._uow.get("envelopes", link["envelope_id"])
        if doc is None:
            raise Refused(RefusalCode.link_invalid)
        return Envelope.model_validate(doc), link["party_id"], int(link.get("serial", 0))

    def save(self, envelope: Envelope) -> None:
        for link in envelope.collect_links():
            self._uow.save(
                "signer_links",
                {
                    "id": token_hash(link.token),
                    "version": 0,
                    "envelope_id": envelope.id,
                    "party_id": link.party_id,
                    "serial": link.serial,
                },
            )
        stage(
            self._uow,
            "envelopes",
            {**envelope.model_dump(mode="json"), "index": index_of(envelope)},
            envelope.collect_events(),
            self._correlation_id,
        )
