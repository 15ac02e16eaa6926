"""Document use cases: adopt an upload, serve page renders, finish the signed contract."""

import asyncio
import hashlib
import logging
from collections.abc import Callable

from services.common.blobs import BlobNotFound, BlobStore
from services.common.commands import AdoptDocument
from services.common.events import EnvelopeSigned
from services.common.messages import Refused, utcnow
from services.common.queries import GetDocument, GetFinishedDocument, GetPageImage
from services.common.refusals import RefusalCode
from services.common.store import UnitOfWork
from services.common.values import PageSize
from services.common.views import DocumentView, FinishedDocumentView, PageImageView
from services.document.finishing import finish_contract
from services.document.inspection import InvalidPdf, inspect_pdf
from services.document.model import Document
from services.document.platform_key import PlatformCredentials
from services.document.rendering import render_page_png
from services.document.repository import DocumentRepository

log = logging.getLogger(__name__)


def document_view(d: Document) -> DocumentView:
    return DocumentView(
        id=d.id,
        filename=d.filename,
        sha256=d.sha256,
        page_count=len(d.pages),
        pages=d.pages,
        created_at=d.created_at,
        finished=d.finished,
        finished_sha256=d.finished_sha256,
    )


class DocumentHandlers:
    def __init__(
        self,
        blobs: BlobStore,
        max_pages: int,
        credentials: Callable[[], PlatformCredentials],
        tsa_url: str,
    ) -> None:
        self._blobs = blobs
        self._max_pages = max_pages
        self._credentials = credentials
        self._tsa_url = tsa_url

    async def adopt(self, q: AdoptDocument, uow: UnitOfWork) -> DocumentView:
        try:
            data = await self._blobs.get(q.blob_id)
        except BlobNotFound as exc:
            raise Refused(RefusalCode.upload_not_found) from exc
        try:
            info = await asyncio.to_thread(inspect_pdf, data, self._max_pages)
        except InvalidPdf as exc:
            raise self._refusal(exc) from exc
        document = Document.adopt(
            tenant_id=q.tenant_id,
            filename=q.filename,
            blob_id=q.blob_id,
            sha256=info.sha256,
            pages=[PageSize(width=p.width, height=p.height) for p in info.pages],
            now=utcnow(),
        )
        DocumentRepository(uow, q.correlation_id).save(document)
        return document_view(document)

    def _refusal(self, exc: InvalidPdf) -> Refused:
        if exc.code == RefusalCode.too_many_pages:
            return Refused(RefusalCode.too_many_pages, max_pages=self._max_pages)
        known = exc.code in RefusalCode.__members__
        return Refused(RefusalCode(exc.code) if known else RefusalCode.unreadable)

    async def get(self, q: GetDocument, uow: UnitOfWork) -> DocumentView:
        return document_view(await DocumentRepository(uow).get(q.tenant_id, q.document_id))

    async def page_image(self, q: GetPageImage, uow: UnitOfWork) -> PageImageView:
        """Rendered at the first ask and kept; a twin render loses the conflict and retries."""
        repo = DocumentRepository(uow)
        document = await repo.get(q.tenant_id, q.document_id)
        document.check_page(q.page)
        if blob_id := document.page_images.get(str(q.page)):
            return PageImageView(blob_id=blob_id)
        original = await self._blobs.get(document.blob_id)
        png = await asyncio.to_thread(render_page_png, original, q.page)
        blob_id = await self._blobs.put(png)
        document.record_page_image(q.page, blob_id)
        repo.save(document)
        return PageImageView(blob_id=blob_id)

    async def finished(self, q: GetFinishedDocument, uow: UnitOfWork) -> FinishedDocumentView:
        document = await DocumentRepository(uow).get(q.tenant_id, q.document_id)
        if document.finished_blob_id is None or document.finished_sha256 is None:
            raise Refused(RefusalCode.not_finished)
        return FinishedDocumentView(
            blob_id=document.finished_blob_id,
            sha256=document.finished_sha256,
            filename=document.filename,
        )

    async def finalize(self, event: EnvelopeSigned, uow: UnitOfWork) -> None:
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
