"""The document aggregate: an adopted PDF, its page renders and its finished, sealed version."""

from datetime import datetime

from pydantic import BaseModel, PrivateAttr

from services.common.events import DocumentFinalized, DocumentUploaded
from services.common.messages import Event, Refused, new_id
from services.common.refusals import RefusalCode
from services.common.values import PageSize


class Document(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    filename: str
    blob_id: str
    sha256: str
    pages: list[PageSize]
    page_images: dict[str, str] = {}
    created_at: datetime
    envelope_id: str | None = None
    finished_blob_id: str | None = None
    finished_sha256: str | None = None
    finalized_at: datetime | None = None
    _events: list[Event] = PrivateAttr(default_factory=list)

    @classmethod
    def adopt(
        cls,
        *,
        tenant_id: str,
        filename: str,
        blob_id: str,
        sha256: str,
        pages: list[PageSize],
        now: datetime,
    ) -> "Document":
        document = cls(
            id=new_id(),
            tenant_id=tenant_id,
            filename=_clean_filename(filename),
            blob_id=blob_id,
            sha256=sha256,
            pages=pages,
            created_at=now,
        )
        document._events.append(
            DocumentUploaded(
                tenant_id=tenant_id,
                document_id=document.id,
                sha256=sha256,
                pages=len(pages),
                filename=document.filename,
            )
        )
        return document

    def check_page(self, page: int) -> None:
        if not 1 <= page <= len(self.pages):
            raise Refused(RefusalCode.page_not_found, page=page)

    def record_page_image(self, page: int, blob_id: str) -> None:
        self.check_page(page)
        self.page_images[str(page)] = blob_id

    @property
    def finished(self) -> bool:
        return self.finished_blob_id is not None

    def finalize(self, envelope_id: str, blob_id: str, sha256: str, now: datetime) -> None:
        if self.finished:
            raise Refused(RefusalCode.already_finished)
        self.envelope_id = envelope_id
        self.finished_blob_id = blob_id
        self.finished_sha256 = sha256
        self.finalized_at = now
        self._events.append(
            DocumentFinalized(
                tenant_id=self.tenant_id,
                document_id=self.id,
                envelope_id=envelope_id,
                finished_blob_id=blob_id,
                sha256=sha256,
            )
        )

    def collect_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events


def _clean_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "document.pdf")[:200]
