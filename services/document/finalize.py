"""Finishing an envelope's contract (G7): the PDF work first, off the event loop, then one
short unit of work that records the result.

A write conflict therefore never redoes the stamping and signing, and the store is not
held while pyHanko works. Redone work (a redelivery after a crash) is harmless: the
document keeps the first finished copy it recorded for the envelope.

Failures never leave an envelope silently stuck, and each is a `document.finalize_failed`
event the envelope shows its sender:
- a passing failure (the time-stamp authority does not answer, anything unexpected) is
  retried through the broker's delay queues with growing delay (`RetryLater`), never by
  a silent fall-back to an untimestamped signature; the sender sees "retrying" meanwhile,
  and after the last attempt the message goes to the dead-letter queue;
- what retrying cannot fix (a box the document cannot take, a missing file) goes to the
  dead-letter queue at once.
Either way the event is not marked processed, so an operator's replay of the dead letter
finishes the contract once its cause is fixed.
"""

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import NoReturn

from services.common.blobs import BlobNotFound, BlobStore
from services.common.events import EnvelopeSigned
from services.common.messages import utcnow
from services.common.retry import RetryLater, current_attempt
from services.common.runtime import ServiceRuntime
from services.common.store import InUnitOfWork, UnitOfWork
from services.document.finishing import prepare_unsigned
from services.document.model import Document
from services.document.pades import TimestampUnavailable, seal_pdf
from services.document.platform_key import PlatformCredentials
from services.document.repository import DocumentRepository
from services.document.stamping import StampError

log = logging.getLogger(__name__)

FAILURES = {
    "finishing_blob_missing": "契約書または印影のファイルが見つかりません。",
    "cannot_stamp": "この PDF には押印・入力内容を書き込めません。",
    "finishing_failed": "締結済みPDFの作成中にエラーが起きました。",
    "timestamp_unavailable": "タイムスタンプ局が応答しません。",
}
"""Why, in Japanese, for the sender; `RETRYING` or `GIVEN_UP` follows."""
RETRYING = "自動で再試行しています。"
GIVEN_UP = "締結済みPDFを作成できませんでした。運用担当者が原因を確認して再処理します。"


class Outcome(StrEnum):
    finished = "finished"
    skipped = "skipped"
    """Already finished, or this event already processed."""
    refused = "refused"
    """Cannot be made from these inputs: the sender is told, the message is dead-lettered."""


class Finisher:
    def __init__(
        self,
        in_unit_of_work: InUnitOfWork,
        blobs: BlobStore,
        credentials: Callable[[], PlatformCredentials],
        tsa_url: str,
        verify_url: str,
    ) -> None:
        self._uow = in_unit_of_work
        self._blobs = blobs
        self._credentials = credentials
        self._tsa_url = tsa_url
        self._verify_url = verify_url

    async def finalize(self, event: EnvelopeSigned) -> Outcome:
        """Make, then record, the envelope's finished PDF; once per event. Raises
        `RetryLater` for a failure that another attempt may not meet."""
        document = await self._uow(lambda uow: self._load(uow, event))
        if document is None:
            return Outcome.skipped
        try:
            original = await self._blobs.get(document.blob_id)
            seal_ids = {f.seal_blob_id for f in event.fields if f.seal_blob_id}
            seals = {blob_id: await self._blobs.get(blob_id) for blob_id in seal_ids}
        except BlobNotFound as exc:
            log.error("finishing envelope %s: blob %s missing", event.envelope_id, exc)
            await self._failed(event, "finishing_blob_missing", retrying=False)
            return Outcome.refused
        try:
            finished = await self._make(original, seals, event, document.filename)
        except StampError as exc:
            log.error("finishing envelope %s: %s", event.envelope_id, exc)
            await self._failed(event, "cannot_stamp", retrying=False)
            return Outcome.refused
        except TimestampUnavailable as exc:
            await self._retry_later(event, "timestamp_unavailable", exc)
        except Exception as exc:
            log.exception("finishing envelope %s failed", event.envelope_id)
            await self._retry_later(event, "finishing_failed", exc)
        blob_id = await self._blobs.put(finished)
        await self._uow(lambda uow: self._record(uow, event, blob_id, finished))
        return Outcome.finished

    async def _retry_later(self, event: EnvelopeSigned, code: str, exc: Exception) -> NoReturn:
        """Tell the sender, then hand the message to the broker's delay queues (or, after
        the last attempt, to the dead-letter queue)."""
        await self._failed(event, code, retrying=not current_attempt().final)
        raise RetryLater(f"{code}: {exc}") from exc

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
        return await asyncio.to_thread(
            _seal_in_thread, unsigned, credentials, self._tsa_url or None, reason
        )

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

    async def _failed(self, event: EnvelopeSigned, code: str, *, retrying: bool) -> None:
        """Tell the sender, once per cause and state; the event stays unprocessed, so a
        later attempt or an operator's replay can still finish the contract."""
        message = f"{FAILURES[code]}{RETRYING if retrying else GIVEN_UP}"

        async def work(uow: UnitOfWork) -> None:
            if await uow.was_processed(event.event_id):
                return
            repo = DocumentRepository(uow, event.correlation_id)
            document = await repo.get(event.tenant_id, event.document_id)
            document.finishing_failed(event.envelope_id, code, message, retrying=retrying)
            repo.save(document)
            await uow.commit()

        await self._uow(work)


def consume_signed_envelopes(runtime: ServiceRuntime, finisher: Finisher) -> None:
    """`document.finalize` on `envelope.signed`, with broker delay retries; a refused
    finishing goes to the dead-letter queue at once, for an operator to replay."""

    @runtime.on_event("finalize", EnvelopeSigned, retry=True)
    async def on_envelope_signed(event: EnvelopeSigned) -> None:
        if await finisher.finalize(event) is Outcome.refused:
            await runtime.broker.context.get_local("message").reject(requeue=False)


def _seal_in_thread(
    unsigned: bytes, credentials: PlatformCredentials, tsa_url: str | None, reason: str
) -> bytes:
    """pyHanko's async API on this worker thread's own loop: the service's loop stays free."""
    return asyncio.run(seal_pdf(unsigned, credentials, tsa_url=tsa_url, reason=reason))
