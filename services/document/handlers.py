"""Document use cases: adopt an upload, serve page renders and finished copies."""

import asyncio
import hashlib
import logging

from services.common.blobs import BlobNotFound, BlobStore
from services.common.commands import AdoptDocument
from services.common.messages import Refused, utcnow
from services.common.queries import (
    GetAuditCertificate,
    GetDocument,
    GetFinishedDocument,
    GetOriginalDocument,
    GetPageImage,
)
from services.common.refusals import RefusalCode
from services.common.store import UnitOfWork
from services.common.views import (
    DocumentView,
    FinishedDocumentView,
    PageImageView,
    PageView,
    StoredPdfView,
)
from services.document.certificate_pages import certificate_pages
from services.document.inspection import InvalidPdf, inspect_pdf
from services.document.model import Document
from services.document.rendering import SIZES, render_page_png
from services.document.repository import DocumentRepository

log = logging.getLogger(__name__)


def document_view(d: Document) -> DocumentView:
    """Pages in the frame the user sees (S16): `width`/`height` after /Rotate and relative
    to the crop box, PDF points; fields are placed in it, origin top-left, y down."""
    latest = d.finished_copy(None)
    return DocumentView(
        id=d.id,
        filename=d.filename,
        sha256=d.sha256,
        page_count=len(d.pages),
        pages=[PageView(**p.model_dump()) for p in d.pages],
        created_at=d.created_at,
        finished=latest is not None,
        finished_sha256=latest.sha256 if latest else None,
        signed_by_others=d.signed_by_others,
        warnings=["certified_by_others"] if d.certified_by_others else [],
        finished_envelopes=sorted(d.finished),
        finishing_failures=dict(d.failures),
    )


class DocumentHandlers:
    def __init__(self, blobs: BlobStore, max_pages: int) -> None:
        self._blobs = blobs
        self._max_pages = max_pages

    async def adopt(self, q: AdoptDocument, uow: UnitOfWork) -> DocumentView:
        """A refused upload is deleted at once (unless the same bytes are in use); an
        adopted one is recorded, so the sweep never touches it."""
        try:
            data = await self._blobs.get(q.blob_id)
        except BlobNotFound as exc:
            raise Refused(RefusalCode.upload_not_found) from exc
        repo = DocumentRepository(uow, q.correlation_id)
        try:
            info = await asyncio.to_thread(inspect_pdf, data, self._max_pages)
        except InvalidPdf as exc:
            if not await repo.blob_in_use(q.blob_id):
                await self._blobs.delete(q.blob_id)
            raise Refused(RefusalCode(exc.code), **exc.params) from exc
        now = utcnow()
        document = Document.adopt(
            tenant_id=q.tenant_id,
            filename=q.filename,
            blob_id=q.blob_id,
            sha256=info.sha256,
            pages=list(info.pages),
            signed_by_others=info.signed,
            certified_by_others=info.certified,
            now=now,
        )
        repo.save(document)
        await repo.record_upload(q.blob_id, now, adopted=True)
        return document_view(document)

    async def get(self, q: GetDocument, uow: UnitOfWork) -> DocumentView:
        return document_view(await DocumentRepository(uow).get(q.tenant_id, q.document_id))

    async def page_image(self, q: GetPageImage, uow: UnitOfWork) -> PageImageView:
        """Rendered at the first ask (D5) and kept; a twin render loses the conflict and
        retries. The parsed document stays open for the next pages of the same file."""
        repo = DocumentRepository(uow)
        document = await repo.get(q.tenant_id, q.document_id)
        document.check_page(q.page)
        if blob_id := document.page_image(q.page, q.size):
            return PageImageView(blob_id=blob_id)
        original = await self._blobs.get(document.blob_id)
        png = await asyncio.to_thread(
            render_page_png, original, q.page, SIZES[q.size], key=document.blob_id
        )
        blob_id = await self._blobs.put(png)
        document.record_page_image(q.page, q.size, blob_id)
        repo.save(document)
        return PageImageView(blob_id=blob_id)

    async def finished(self, q: GetFinishedDocument, uow: UnitOfWork) -> FinishedDocumentView:
        document = await DocumentRepository(uow).get(q.tenant_id, q.document_id)
        copy = document.finished_copy(q.envelope_id)
        if copy is None:
            raise Refused(RefusalCode.not_finished)
        return FinishedDocumentView(
            blob_id=copy.blob_id, sha256=copy.sha256, filename=document.filename
        )

    async def original(self, q: GetOriginalDocument, uow: UnitOfWork) -> StoredPdfView:
        document = await DocumentRepository(uow).get(q.tenant_id, q.document_id)
        return StoredPdfView(
            blob_id=document.blob_id, sha256=document.sha256, filename=document.filename
        )

    async def certificate(self, q: GetAuditCertificate, uow: UnitOfWork) -> StoredPdfView:
        """Cut from the finished copy at the first ask and kept, like page renders: the
        very pages the signed PDF carries, not a second rendering that could differ."""
        repo = DocumentRepository(uow)
        document = await repo.get(q.tenant_id, q.document_id)
        copy = document.finished_copy(q.envelope_id)
        if copy is None:
            raise Refused(RefusalCode.not_finished)
        if copy.certificate_blob_id is None or copy.certificate_sha256 is None:
            finished = await self._blobs.get(copy.blob_id)
            pdf = await asyncio.to_thread(certificate_pages, finished, len(document.pages))
            blob_id = await self._blobs.put(pdf)
            document.record_certificate(q.envelope_id, blob_id, hashlib.sha256(pdf).hexdigest())
            repo.save(document)
        return StoredPdfView(
            blob_id=copy.certificate_blob_id or "",
            sha256=copy.certificate_sha256 or "",
            filename=document.filename,
        )
