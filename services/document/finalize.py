"""Finishing an envelope's contract (G7): the PDF work first, off the event loop, then one
short unit of work that records the result.

A write conflict therefore never redoes the stamping and signing, and the store is not
held while pyHanko works. Redone work (a redelivery after a crash) is harmless: the
document keeps the first finished copy it recorded for the envelope.

Failures never leave an envelope silently stuck: a time-stamp authority that does not
answer is retried with growing delay (never a silent fall-back to an untimestamped
signature), and what retrying cannot fix becomes a `document.finalize_failed` event the
envelope shows to its sender.
"""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from services.common.blobs import BlobNotFound, BlobStore
from services.common.events import EnvelopeSigned
from services.common.messages import utcnow
from services.common.store import InUnitOfWork, UnitOfWork
from services.document.finishing import prepare_unsigned
from services.document.model import Document
from services.document.pades import TimestampUnavailable, seal_pdf
from services.document.platform_key import PlatformCredentials
from services.document.repository import DocumentRepository
from services.document.stamping import StampError

log = logging.getLogger(__name__)

TSA_RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0, 60.0)
"""Seconds between attempts to reach the time-stamp authority (≈ 5 minutes in all);
after that the sender is told and the message goes back to the broker for redelivery."""

FAILURES = {
    "finishing_blob_missing": (
        "契約書または印影のファイルが見つからず、締結済みPDFを作成できませんでした。"
    ),
    "cannot_stamp": "この PDF には押印・入力内容を書き込めませんでした。",
    "finishing_failed": "締結済みPDFの作成に失敗しました。",
    "timestamp_unavailable": (
        "タイムスタンプ局が応答しないため、締結済みPDFの作成を待っています。自動で再試行します。"
    ),
}


class Finisher:
    def __init__(
        self,
        in_unit_of_work: InUnitOfWork,
        blobs: BlobStore,
        credentials: Callable[[], PlatformCredentials],
        tsa_url: str,
        verify_url: str,
        retry_delays: Sequence[float] = TSA_RETRY_DELAYS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._uow = in_unit_of_work
        self._blobs = blobs
        self._credentials = credentials
        self._tsa_url = tsa_url
        self._verify_url = verify_url
        self._delays = tuple(retry_delays)
        self._sleep = sleep

    async def finalize(self, event: EnvelopeSigned) -> None:
        """Make, then record, the envelope's finished PDF; once per event."""
        document = await self._uow(lambda uow: self._load(uow, event))
        if document is None:
            return
        try:
            original = await self._blobs.get(document.blob_id)
            seal_ids = {f.seal_blob_id for f in event.fields if f.seal_blob_id}
            seals = {blob_id: await self._blobs.get(blob_id) for blob_id in seal_ids}
        except BlobNotFound as exc:
            log.error("finishing envelope %s: blob %s missing", event.envelope_id, exc)
            await self._failed(event, "finishing_blob_missing", done=True)
            return
        try:
            finished = await self._make(original, seals, event, document.filename)
        except TimestampUnavailable:
            await self._failed(event, "timestamp_unavailable", done=False)
            raise  # back to the broker: redelivered, then dead-lettered for an operator
        except StampError as exc:
            log.error("finishing envelope %s: %s", event.envelope_id, exc)
            await self._failed(event, "cannot_stamp", done=True)
            return
        except Exception:
            log.exception("finishing envelope %s failed", event.envelope_id)
            await self._failed(event, "finishing_failed", done=True)
            return
        blob_id = await self._blobs.put(finished)
        await self._uow(lambda uow: self._record(uow, event, blob_id, finished))

    async def _load(self, uow: UnitOfWork, event: EnvelopeSigned) -> Document | None:
        if await uow.was_processed(event.event_id):
            log.info("event %s already processed", event.event_id)
            return None
        document = await DocumentRepository(uow).get(event.tenant_id, event.document_id)
        if event.envelope_id in document.finished:
            log.info("envelope %s already has its finished PDF", event.envelope_id)
            return None
        return document

    async def _make(
        self,
        original: bytes,
        seals: Mapping[str, bytes],
        event: EnvelopeSigned,
        filename: str,
    ) -> bytes:
        unsigned = await asyncio.to_thread(
            prepare_unsigned, original, event, seals, filename, self._verify_url
        )
        credentials = self._credentials()
        reason = f"Shomei 電子契約 {event.envelope_id}"
        for attempt, delay in enumerate((*self._delays, None), start=1):
            try:
                return await asyncio.to_thread(
                    _seal_in_thread, unsigned, credentials, self._tsa_url or None, reason
                )
            except TimestampUnavailable as exc:
                if delay is None:
                    raise
                log.warning("attempt %d: %s; again in %.0f s", attempt, exc, delay)
                if attempt == 1:
                    await self._failed(event, "timestamp_unavailable", done=False)
                await self._sleep(delay)
        raise AssertionError("unreachable")

    async def _record(
        self, uow: UnitOfWork, event: EnvelopeSigned, blob_id: str, finished: bytes
    ) -> None:
        if await uow.was_processed(event.event_id):
            return
        repo = DocumentRepository(uow, event.correlation_id)
        document = await repo.get(event.tenant_id, event.document_id)
        sha256 = hashlib.sha256(finished).hexdigest()
        now = utcnow()
        if document.finalize(event.envelope_id, blob_id, sha256, now):
            repo.record_finished(
                sha256,
                {
                    "tenant_id": event.tenant_id,
                    "document_id": document.id,
                    "envelope_id": event.envelope_id,
                    "title": event.title,
                    "parties": [{"role": p.role, "name": p.name} for p in event.parties],
                    "finalized_at": now.isoformat(),
                },
            )
        repo.save(document)
        uow.mark_processed(event.event_id)
        await uow.commit()

    async def _failed(self, event: EnvelopeSigned, code: str, *, done: bool) -> None:
        """Tell the sender (once per cause); `done`: retrying cannot help, so the event
        counts as processed."""

        async def work(uow: UnitOfWork) -> None:
            if await uow.was_processed(event.event_id):
                return
            repo = DocumentRepository(uow, event.correlation_id)
            document = await repo.get(event.tenant_id, event.document_id)
            document.finishing_failed(event.envelope_id, code, FAILURES[code])
            repo.save(document)
            if done:
                uow.mark_processed(event.event_id)
            await uow.commit()

        await self._uow(work)


def _seal_in_thread(
    unsigned: bytes, credentials: PlatformCredentials, tsa_url: str | None, reason: str
) -> bytes:
    """pyHanko's async API on this worker thread's own loop: the service's loop stays free."""
    return asyncio.run(seal_pdf(unsigned, credentials, tsa_url=tsa_url, reason=reason))
