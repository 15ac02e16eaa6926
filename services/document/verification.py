"""Answer "is this PDF intact, and ours?" for any uploaded file (B2).

The last signature is checked against the platform's own trust root. The file as it was
signed (the bytes up to the end of that signature's revision) is looked up among the
finished copies we recorded: that names the envelope even when something was appended
afterwards. The envelope's title and parties are shown only to its own tenant.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.common.blobs import BlobNotFound, BlobStore
from services.common.messages import Refused, utcnow
from services.common.queries import VerifyDocument
from services.common.refusals import RefusalCode
from services.common.store import UnitOfWork
from services.common.views import VerifiedEnvelope, VerifyView
from services.document.pades import VerifyResult, verify_pdf
from services.document.platform_key import PlatformCredentials
from services.document.repository import DocumentRepository


def verdict(result: VerifyResult, ours: bool) -> str:
    """One word for the page: `intact` (ours, unchanged), `altered` (ours, but changed
    after signing or broken), `foreign` (validly signed, not by us), `unsigned`,
    `unreadable`."""
    if result.problem in ("unreadable", "no_signature"):
        return "unreadable" if result.problem == "unreadable" else "unsigned"
    if result.ok:
        return "intact"
    if ours or result.trusted or result.signed_by == "Shomei Platform Signature":
        return "altered"
    if result.valid:
        return "foreign"
    return "altered" if result.signature_count else "unsigned"


class Verifier:
    def __init__(self, blobs: BlobStore, credentials: Callable[[], PlatformCredentials]) -> None:
        self._blobs = blobs
        self._credentials = credentials

    async def verify(self, q: VerifyDocument, uow: UnitOfWork) -> VerifyView:
        """The upload is recorded, so the sweep deletes it after a day."""
        repo = DocumentRepository(uow)
        await repo.record_upload(q.blob_id, utcnow(), adopted=False)
        try:
            data = await self._blobs.get(q.blob_id)
        except BlobNotFound as exc:
            raise Refused(RefusalCode.upload_not_found) from exc
        roots = self._credentials().trust_roots
        result = await asyncio.to_thread(_verify_in_thread, data, roots)
        sha = result.signed_revision_sha256
        record = await repo.finished_record(sha) if sha else None
        ours = record is not None and result.trusted
        envelope = None
        if ours and record is not None:
            own = q.tenant_id is not None and q.tenant_id == record["tenant_id"]
            envelope = VerifiedEnvelope(
                id=record["envelope_id"],
                finalized_at=datetime.fromisoformat(record["finalized_at"]),
                title=record["title"] if own else None,
                parties=record["parties"] if own else None,
            )
        return VerifyView(
            verdict=verdict(result, ours),
            intact=result.intact,
            valid=result.valid,
            signed_by_platform=ours,
            covers_whole_document=result.covers_whole_document,
            modified_after_signing=bool(result.intact and not result.covers_whole_document),
            signed_by=result.signed_by,
            signed_at=result.signed_at,
            timestamped=result.timestamped,
            signature_count=result.signature_count,
            envelope=envelope,
        )


def _verify_in_thread(data: bytes, roots: list[Any]) -> VerifyResult:
    """pyHanko's validation is CPU work: on a worker thread, with its own loop."""
    return asyncio.run(verify_pdf(data, roots))
