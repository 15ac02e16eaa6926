"""Loads and saves documents through the store port, with their events."""

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork
from services.document.model import Document

COLLECTIONS = (Collection("documents", indexed=("tenant_id", "sha256")),)


class DocumentRepository:
    def __init__(self, uow: UnitOfWork, correlation_id: str | None = None) -> None:
        self._uow = uow
        self._correlation_id = correlation_id

    async def get(self, tenant_id: str, document_id: str) -> Document:
        """Another tenant's document is as absent as a missing one."""
        doc = await self._uow.get("documents", document_id)
        if doc is None or doc["tenant_id"] != tenant_id:
            raise Refused(RefusalCode.document_not_found)
        return Document.model_validate(doc)

    def save(self, document: Document) -> None:
        stage(
            self._uow,
            "documents",
            document.model_dump(mode="json"),
            document.collect_events(),
            self._correlation_id,
        )
