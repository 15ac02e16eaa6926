"""Uploads nobody adopted (S3): a verified file, or bytes the gateway stored for an upload
whose adoption never came. After a day their blob is deleted, unless an adopted document
or a finished copy is made of the same bytes."""

import logging
from datetime import datetime, timedelta
from typing import Any

from services.common.blobs import BlobStore
from services.common.store import InUnitOfWork, UnitOfWork
from services.document.repository import DocumentRepository

log = logging.getLogger(__name__)
UNADOPTED_TTL = timedelta(days=1)


async def sweep_unadopted(
    in_unit_of_work: InUnitOfWork, blobs: BlobStore, now: datetime, batch: int = 200
) -> int:
    """Delete the blobs of uploads older than a day that no document adopted; how many."""
    cutoff = now - UNADOPTED_TTL

    def old(upload: dict[str, Any] | None) -> bool:
        return (
            upload is not None
            and upload["state"] == "pending"
            and datetime.fromisoformat(upload["received_at"]) < cutoff
        )

    async def due(uow: UnitOfWork) -> list[dict[str, Any]]:
        return [u for u in await DocumentRepository(uow).pending_uploads(batch) if old(u)]

    swept = 0
    for upload in await in_unit_of_work(due):

        async def remove(uow: UnitOfWork, blob_id: str = upload["id"]) -> bool:
            repo = DocumentRepository(uow)
            fresh = await uow.get("uploads", blob_id)
            if fresh is None or not old(fresh):
                return False
            if not await repo.blob_in_use(blob_id):
                await blobs.delete(blob_id)
            repo.mark_swept(fresh)
            await uow.commit()
            return True

        swept += bool(await in_unit_of_work(remove))
    if swept:
        log.info("swept %d unadopted uploads", swept)
    return swept
