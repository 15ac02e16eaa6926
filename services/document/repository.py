"""Loads and saves documents through the store port, with their events; and the two
records beside them: uploads (for the sweep) and finished copies (for verification)."""

from datetime import datetime
from typing import Any

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork
from services.document.model import Document

COLLECTIONS = (
    Collection("documents", indexed=("tenant_id", "sha256", "blob_id")),
    Collection("uploads", indexed=("state", "received_at")),
    Collection("finished", indexed=("envelope_id",)),
)
"""`uploads`: id = blob id, `state` pending → adopted | swept.
`finished`: id = SHA-256 of a finished PDF, with its envelope, title and parties."""


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

    async def blob_in_use(self, blob_id: str) -> bool:
        """An adopted original or a finished copy: never swept."""
        if await self._uow.count("documents", {"blob_id": blob_id}):
            return True
        return await self._uow.get("finished", blob_id) is not None

    # --- uploads ------------------------------------------------------------------------

    async def record_upload(self, blob_id: str, now: datetime, *, adopted: bool) -> None:
        upload = await self._uow.get("uploads", blob_id)
        if upload is None:
            upload = {"id": blob_id, "version": 0, "received_at": now.isoformat()}
        elif upload["state"] == "adopted":
            return
        upload["state"] = "adopted" if adopted else "pending"
        upload["received_at"] = now.isoformat()
        self._uow.save("uploads", upload)

    async def pending_uploads(self, limit: int) -> list[dict[str, Any]]:
        return await self._uow.find(
            "uploads", {"state": "pending"}, order_by="received_at", limit=limit
        )

    def mark_swept(self, upload: dict[str, Any]) -> None:
        self._uow.save("uploads", {**upload, "state": "swept"})

    # --- finished copies ----------------------------------------------------------------

    def record_finished(self, sha256: str, record: dict[str, Any]) -> None:
        self._uow.save("finished", {"id": sha256, "version": 0, **record})

    async def finished_record(self, sha256: str) -> dict[str, Any] | None:
        return await self._uow.get("finished", sha256)
