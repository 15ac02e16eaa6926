"""The document aggregate: an adopted PDF, its page renders and the finished, sealed copy of
each envelope that used it (one upload may be sent in several envelopes)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, PrivateAttr, model_validator

from services.common.events import DocumentFinalized, DocumentFinalizeFailed, DocumentUploaded
from services.common.messages import Event, Refused, new_id
from services.common.refusals import RefusalCode
from services.document.geometry import PageGeometry

RenderSize = Literal["thumbnail", "preview"]


class FinishedCopy(BaseModel):
    blob_id: str
    sha256: str
    finalized_at: datetime
    certificate_blob_id: str | None = None
    """The audit certificate's pages as a PDF of their own, once asked for."""
    certificate_sha256: str | None = None


class Document(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    filename: str
    blob_id: str
    sha256: str
    pages: list[PageGeometry]
    signed_by_others: bool = False
    certified_by_others: bool = False
    page_images: dict[str, str] = {}
    """`"<size>/<page>"` (or a bare page number from older renders) → PNG blob id."""
    created_at: datetime
    finished: dict[str, FinishedCopy] = {}
    """Envelope id → its finished PDF."""
    failures: dict[str, str] = {}
    given_up: list[str] = []
    """Envelopes whose finishing failed for good (no automatic retry follows)."""
    """Envelope id → why its finished PDF could not be made (a refusal code)."""
    _events: list[Event] = PrivateAttr(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _one_finished_copy(cls, data: Any) -> Any:
        """Documents stored before copies were kept per envelope had one copy."""
        if isinstance(data, dict) and data.get("finished_blob_id") and not data.get("finished"):
            data = dict(data)
            data["finished"] = {
                data.get("envelope_id") or "": {
                    "blob_id": data["finished_blob_id"],
                    "sha256": data.get("finished_sha256") or "",
                    "finalized_at": data.get("finalized_at") or data["created_at"],
                }
            }
        return data

    @classmethod
    def adopt(
        cls,
        *,
        tenant_id: str,
        filename: str,
        blob_id: str,
        sha256: str,
        pages: list[PageGeometry],
        signed_by_others: bool = False,
        certified_by_others: bool = False,
        now: datetime,
    ) -> "Document":
        document = cls(
            id=new_id(),
            tenant_id=tenant_id,
            filename=_clean_filename(filename),
            blob_id=blob_id,
            sha256=sha256,
            pages=pages,
            signed_by_others=signed_by_others,
            certified_by_others=certified_by_others,
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

    def page_image(self, page: int, size: RenderSize) -> str | None:
        return self.page_images.get(f"{size}/{page}")

    def record_page_image(self, page: int, size: RenderSize, blob_id: str) -> None:
        self.check_page(page)
        self.page_images[f"{size}/{page}"] = blob_id

    def finished_copy(self, envelope_id: str | None) -> FinishedCopy | None:
        """That envelope's copy; without an envelope id, the latest one."""
        if envelope_id is not None:
            return self.finished.get(envelope_id)
        copies = sorted(self.finished.values(), key=lambda c: c.finalized_at)
        return copies[-1] if copies else None

    def record_certificate(self, envelope_id: str, blob_id: str, sha256: str) -> None:
        copy = self.finished[envelope_id]
        copy.certificate_blob_id, copy.certificate_sha256 = blob_id, sha256

    def finalize(self, envelope_id: str, blob_id: str, sha256: str, now: datetime) -> bool:
        """Record the envelope's finished PDF; False (and nothing changes) if it already
        has one, so a redelivered event or a second worker leaves the first copy."""
        if envelope_id in self.finished:
            return False
        self.finished[envelope_id] = FinishedCopy(blob_id=blob_id, sha256=sha256, finalized_at=now)
        self.failures.pop(envelope_id, None)
        if envelope_id in self.given_up:
            self.given_up.remove(envelope_id)
        self._events.append(
            DocumentFinalized(
                tenant_id=self.tenant_id,
                document_id=self.id,
                envelope_id=envelope_id,
                finished_blob_id=blob_id,
                sha256=sha256,
            )
        )
        return True

    def finishing_failed(
        self, envelope_id: str, code: str, message: str, *, retrying: bool = False
    ) -> None:
        """Finishing failed, and is retried or not (`retrying`): say so, once per cause and
        state, so the sender sees it."""
        if envelope_id in self.finished:
            return
        given_up = envelope_id in self.given_up
        if self.failures.get(envelope_id) == code and (retrying or given_up):
            return
        self.failures[envelope_id] = code
        if not retrying and not given_up:
            self.given_up.append(envelope_id)
        elif retrying and given_up:
            self.given_up.remove(envelope_id)  # an operator's replay tries again
        self._events.append(
            DocumentFinalizeFailed(
                tenant_id=self.tenant_id,
                document_id=self.id,
                envelope_id=envelope_id,
                code=code,
                message=message,
                retrying=retrying,
            )
        )

    def collect_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events


def _clean_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "document.pdf")[:200]
