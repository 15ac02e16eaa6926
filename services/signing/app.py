"""The signing service process: envelopes, parties, signing order, audit trail."""

from services.common.events import DocumentFinalized
from services.common.queries import (
    CreateEnvelope,
    GetEnvelope,
    OpenSignerLink,
    SendEnvelope,
    SignAsParty,
    VerifyAccessCode,
)
from services.common.runtime import ServiceRuntime
from services.signing.handlers import SigningHandlers
from services.signing.repository import COLLECTIONS

runtime = ServiceRuntime("signing", COLLECTIONS)
handlers = SigningHandlers(runtime.in_unit_of_work, runtime.settings.public_url)

runtime.answer(
    {
        CreateEnvelope: handlers.create_envelope,
        SendEnvelope: handlers.send,
        GetEnvelope: handlers.get,
        OpenSignerLink: handlers.open_link,
        VerifyAccessCode: handlers.verify_access_code,
        SignAsParty: handlers.sign,
    }
)


@runtime.on_event("record_finished", DocumentFinalized)
async def on_document_finalized(event: DocumentFinalized) -> None:
    await runtime.once_per_event(event, lambda uow: handlers.record_finished(event, uow))


app = runtime.app
