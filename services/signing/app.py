"""The signing service process: envelopes, parties, signing order, audit trail."""

from functools import partial

from services.common.commands import (
    CreateEnvelope,
    OpenSignerLink,
    SendEnvelope,
    SignAsParty,
    VerifyAccessCode,
)
from services.common.events import (
    DocumentFinalized,
    EnvelopeCompleted,
    EnvelopeSent,
    EnvelopeSigned,
    NotificationRequested,
    PartySigned,
)
from services.common.links import signer_link
from services.common.queries import GetEnvelope, ListEnvelopes
from services.common.runtime import ServiceRuntime
from services.signing.credentials import AccessCodes, access_code_key
from services.signing.envelope_list import list_envelopes
from services.signing.handlers import SigningHandlers
from services.signing.repository import COLLECTIONS

runtime = ServiceRuntime("signing", COLLECTIONS)
settings = runtime.settings
access_codes = AccessCodes(partial(access_code_key, settings.access_code_key, settings.var_dir))
handlers = SigningHandlers(access_codes, partial(signer_link, settings.public_url))

runtime.answer(
    {
        CreateEnvelope: handlers.create_envelope,
        SendEnvelope: handlers.send,
        GetEnvelope: handlers.get,
        ListEnvelopes: list_envelopes,
        OpenSignerLink: handlers.open_link,
        VerifyAccessCode: handlers.verify_access_code,
        SignAsParty: handlers.sign,
    }
)
runtime.on("record_finished", DocumentFinalized, handlers.record_finished)


@runtime.app.on_startup
async def load_access_code_key() -> None:
    """Read, or generate at first start, before any code is checked."""
    access_codes.load()


runtime.publishes(
    EnvelopeSent, PartySigned, EnvelopeSigned, EnvelopeCompleted, NotificationRequested
)
app = runtime.app
