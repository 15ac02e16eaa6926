"""The signing service process: envelopes, parties, signing order, history, and the sweep
that sends reminders and expires envelopes (B3)."""

import asyncio
import contextlib
import logging
from datetime import timedelta
from functools import partial
from typing import Any

from services.common import fonts
from services.common.commands import (
    AnswerConsent,
    AttachIdentityDocuments,
    CancelEnvelope,
    ChangeSigner,
    CorrectDocumentInfo,
    CreateEnvelope,
    DeclineAsParty,
    OpenSignerLink,
    ReRequest,
    SendEnvelope,
    SignAsParty,
    VerifyAccessCode,
)
from services.common.events import (
    DocumentFinalized,
    DocumentFinalizeFailed,
    EnvelopeCancelled,
    EnvelopeCompleted,
    EnvelopeDeclined,
    EnvelopeExpired,
    EnvelopeSent,
    EnvelopeSigned,
    NotificationRequested,
    PartySigned,
)
from services.common.links import signer_link
from services.common.messages import utcnow
from services.common.queries import GetDashboard, GetEnvelope, ListContractTypes, ListEnvelopes
from services.common.runtime import ServiceRuntime
from services.common.store import UnitOfWork
from services.signing.credentials import AccessCodes, access_code_key
from services.signing.handlers import SigningHandlers
from services.signing.repository import COLLECTIONS

log = logging.getLogger(__name__)

runtime = ServiceRuntime("signing", COLLECTIONS)
settings = runtime.settings
access_codes = AccessCodes(
    partial(access_code_key, settings.access_code_key, settings.var_dir, settings.generate_keys)
)
offset = timedelta(seconds=settings.clock_offset)
handlers = SigningHandlers(
    access_codes, partial(signer_link, settings.public_url), lambda: utcnow() + offset
)


def envelope_key(request: Any) -> str | None:
    """Changes through one link or to one envelope run one at a time in this process."""
    return getattr(request, "token", None) or getattr(request, "envelope_id", None)


runtime.answer(
    {
        CreateEnvelope: handlers.create_envelope,
        SendEnvelope: handlers.send,
        CancelEnvelope: handlers.cancel,
        ReRequest: handlers.rerequest,
        CorrectDocumentInfo: handlers.correct_document_info,
        GetEnvelope: handlers.get,
        ListContractTypes: handlers.contract_types,
        ListEnvelopes: handlers.list_envelopes,
        GetDashboard: handlers.dashboard,
        OpenSignerLink: handlers.open_link,
        VerifyAccessCode: handlers.verify_access_code,
        SignAsParty: handlers.sign,
        DeclineAsParty: handlers.decline,
        ChangeSigner: handlers.change_signer,
        AnswerConsent: handlers.consent,
        AttachIdentityDocuments: handlers.attach_identity,
    },
    serial_key=envelope_key,
)
runtime.on("record_finished", DocumentFinalized, handlers.record_finished)
runtime.on("record_finishing_failed", DocumentFinalizeFailed, handlers.record_finishing_failed)


async def sweep_once() -> int:
    """Remind or expire every envelope that is due; each in its own unit of work."""
    due = await runtime.in_unit_of_work(handlers.due)
    for envelope_id in due:

        async def tick(uow: UnitOfWork, envelope_id: str = envelope_id) -> None:
            await handlers.tick(envelope_id, uow)
            await uow.commit()

        await runtime.in_unit_of_work(tick)
    if due:
        log.info("sweep: %d envelopes due", len(due))
    return len(due)


async def sweep_forever() -> None:
    while True:
        try:
            await sweep_once()
        except Exception:
            log.exception("reminder sweep failed; trying again next round")
        await asyncio.sleep(settings.sweep_seconds)


_sweeper: list[asyncio.Task[None]] = []


@runtime.app.on_startup
async def load_access_code_key() -> None:
    """Read, or generate at first start, before any code is checked; read the fonts'
    coverage now, so that checking a name never reads a font file during a request."""
    access_codes.load()
    if not fonts.preload():
        log.warning("no Japanese font installed: every party's name will be refused")


@runtime.app.after_startup
async def start_sweeping() -> None:
    _sweeper.append(asyncio.create_task(sweep_forever()))


@runtime.app.on_shutdown
async def stop_sweeping() -> None:
    for task in _sweeper:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    _sweeper.clear()


runtime.publishes(
    EnvelopeSent,
    PartySigned,
    EnvelopeSigned,
    EnvelopeCompleted,
    EnvelopeDeclined,
    EnvelopeCancelled,
    EnvelopeExpired,
    NotificationRequested,
)
app = runtime.app
