"""The document service process: uploads, page renders, the finished and sealed PDF."""

import asyncio
import contextlib
import logging
from functools import cache

from services.common.commands import AdoptDocument
from services.common.events import (
    DocumentFinalized,
    DocumentFinalizeFailed,
    DocumentUploaded,
)
from services.common.messages import utcnow
from services.common.queries import (
    GetAuditCertificate,
    GetDocument,
    GetFinishedDocument,
    GetOriginalDocument,
    GetPageImage,
    VerifyDocument,
)
from services.common.runtime import ServiceRuntime
from services.document import fonts
from services.document.finalize import Finisher, consume_signed_envelopes
from services.document.handlers import DocumentHandlers
from services.document.platform_key import PlatformCredentials, ensure_platform_certificate
from services.document.repository import COLLECTIONS
from services.document.sweep import sweep_unadopted
from services.document.verification import Verifier

SWEEP_EVERY_SECONDS = 3600.0
log = logging.getLogger(__name__)

runtime = ServiceRuntime("document", COLLECTIONS)
settings = runtime.settings


@cache
def credentials() -> PlatformCredentials:
    return ensure_platform_certificate(settings.platform_dir, settings.generate_keys)


handlers = DocumentHandlers(runtime.blobs, settings.max_pages)
verifier = Verifier(runtime.blobs, credentials)
finisher = Finisher(
    runtime.in_unit_of_work,
    runtime.blobs,
    credentials,
    settings.tsa_url,
    verify_url=settings.public_url.rstrip("/") + "/verify",
)
runtime.answer(
    {
        AdoptDocument: handlers.adopt,
        GetDocument: handlers.get,
        GetPageImage: handlers.page_image,
        GetFinishedDocument: handlers.finished,
        GetOriginalDocument: handlers.original,
        GetAuditCertificate: handlers.certificate,
        VerifyDocument: verifier.verify,
    }
)
_sweeper: list[asyncio.Task[None]] = []


@runtime.app.on_startup
async def load_credentials() -> None:
    """Generated at first start, so the first contract does not wait for a key."""
    await asyncio.to_thread(credentials)


@runtime.app.after_startup
async def start_sweeper() -> None:
    _sweeper.append(asyncio.create_task(_sweep_forever()))


@runtime.app.after_startup
async def load_fonts() -> None:
    """Font coverage (seconds for IPAmj) is read while the service already answers, so a
    restart is not held up; the first contract after it waits for it at most once."""
    await asyncio.to_thread(fonts.preload)


@runtime.app.on_shutdown
async def stop_sweeper() -> None:
    for task in _sweeper:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _sweep_forever() -> None:
    while True:
        try:
            await sweep_unadopted(runtime.in_unit_of_work, runtime.blobs, utcnow())
        except Exception:
            log.exception("sweeping unadopted uploads failed; next round in an hour")
        await asyncio.sleep(SWEEP_EVERY_SECONDS)


consume_signed_envelopes(runtime, finisher)
runtime.publishes(DocumentUploaded, DocumentFinalized, DocumentFinalizeFailed)
app = runtime.app
