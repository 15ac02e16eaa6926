"""Document use cases: adopt an upload, serve page renders, finish the signed contract."""

import asyncio
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from services.common.blobs import BlobNotFound, BlobStore
from services.common.events import EnvelopeCompleted
from services.common.messages import Refused, utcnow
from services.common.queries import (
    AdoptDocument,
    GetDocument,
    GetFinishedDocument,
    GetPageImage,
    PageSize,
)
from services.common.store import InUnitOfWork, UnitOfWork
from services.document.finishing import finish_contract
from services.document.inspection import InvalidPdf, inspect_pdf
from services.document.model import Document
from services.document.platform_key import PlatformCredentials
from services.document.rendering import render_page_png
from services.document.repository import DocumentRepository

log = logging.getLogger(__name__)
Data = dict[str, Any]


def document_view(d: Document) -> Data:
    return {
        "id": d.id,
        "filename": d.filename,
        "sha256": d.sha256,
        "page_count": len(d.pages),
        "pages": [p.model_dump() for p in d.pages],
        "created_at": d.created_at.isoformat(),
        "finished": d.finished,
        "finished_sha256": d.finished_sha256,
    }


class DocumentHandlers:
    def __init__(
        self,
        in_unit_of_work: InUnitOfWork,
        blobs: BlobStore,
        max_pages: int,
        credentials: Callable[[], PlatformCredentials],
        tsa_url: str,
    ) -> None:
        self._uow = in_unit_of_work
        self._blobs = blobs
        self._max_pages = max_pages
        self._credentials = credentials
        self._tsa_url = tsa_url

    async def adopt(self, q: AdoptDocument) -> Data:
        try:
            data = await self._blobs.get(q.blob_id)
        except BlobNotFound as exc:
            raise Refused(
                "upload_not_found", "アップロードされたファイルが見つかりません。", 404
            ) from exc
        try:
            info = await asyncio.to_thread(inspect_pdf, data, self._max_pages)
        except InvalidPdf as exc:
            raise Refused(exc.code, exc.message_ja, 422) from exc
        document = Document.adopt(
            tenant_id=q.tenant_id,
            filename=q.filename,
            blob_id=q.blob_id,
            sha256=info.sha256,
            pages=[PageSize(width=p.width, height=p.height) for p in info.pages],
            now=utcnow(),
        )

        async def work(uow: UnitOfWork) -> Data:
            DocumentRepository(uow, q.correlation_id).save(document)
            await uow.commit()
            return document_view(document)

        return await self._uow(work)

    async def get(self, q: GetDocument) -> Data:
        async def work(uow: UnitOfWork) -> Data:
            return document_view(await DocumentRepository(uow).get(q.tenant_id, q.document_id))

        return await self._uow(work)

    async def page_image(self, q: GetPageImage) -> Data:
        async def load(uow: UnitOfWork) -> Document:
            return await DocumentRepository(uow).get(q.tenant_id, q.document_id)

        document = await self._uow(load)
        document.check_page(q.page)
        if blob_id := document.page_images.get(str(q.page)):
            return {"blob_id": blob_id}
        original = await self._blobs.get(document.blob_id)
        png = await asyncio.to_thread(render_page_png, original, q.page)
        blob_id = await self._blobs.put(png)

        async def remember(uow: UnitOfWork) -> None:
            repo = DocumentRepository(uow)
            fresh = await repo.get(q.tenant_id, q.document_id)
            fresh.record_page_image(q.page, blob_id)
            repo.save(fresh)
            await uow.commit()

        await self._uow(remember)
        return {"blob_id": blob_id}

    async def finished(self, q: GetFinishedDocument) -> Data:
        async def work(uow: UnitOfWork) -> Data:
            document = await DocumentRepository(uow).get(q.tenant_id, q.document_id)
            if not document.finished:
                raise Refused("not_finished", "契約書はまだ締結されていません。", 409)
            return {
                "blob_id": document.finished_blob_id,
                "sha256": document.finished_sha256,
                "filename": document.filename,
            }

        return await self._uow(work)

    async def finalize(self, event: EnvelopeCompleted, uow: UnitOfWork) -> None:
        """Stamp, certify and seal; a document already finished is left as it is."""
        repo = DocumentRepository(uow, event.correlation_id)
        document = await repo.get(event.tenant_id, event.document_id)
        if document.finished:
            log.warning(
                "document %s already finished; event %s ignored", document.id, event.event_id
            )
            return
        original = await self._blobs.get(document.blob_id)
        seal_ids = {f.seal_blob_id for f in event.fields if f.seal_blob_id}
        seals = {blob_id: await self._blobs.get(blob_id) for blob_id in seal_ids}
        finished = await finish_contract(original, event, seals, self._credentials(), self._tsa_url)
        blob_id = await self._blobs.put(finished)
        document.finalize(
            event.envelope_id, blob_id, hashlib.sha256(finished).hexdigest(), utcnow()
        )
        repo.save(document)
