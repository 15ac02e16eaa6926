"""The document service process: uploads, page renders, the finished and sealed PDF."""

import asyncio
from functools import cache

from services.common.commands import AdoptDocument
from services.common.events import (
    DocumentFinalized,
    DocumentUploaded,
    EnvelopeSigned,
)
from services.common.queries import GetDocument, GetFinishedDocument, GetPageImage
from services.common.runtime import ServiceRuntime
from services.document.handlers import DocumentHandlers
from services.document.platform_key import PlatformCredentials, ensure_platform_certificate
from services.document.repository import COLLECTIONS

runtime = ServiceRuntime("document", COLLECTIONS)
settings = runtime.settings


@cache
def credentials() -> PlatformCredentials:
    return ensure_platform_certificate(settings.var_dir / "platform")


handlers = DocumentHandlers(runtime.blobs, settings.max_pages, credentials, settings.tsa_url)
runtime.answer(
    {
        AdoptDocument: handlers.adopt,
        GetDocument: handlers.get,
        GetPageImage: handlers.page_image,
        GetFinishedDocument: handlers.finished,
    }
)


@runtime.app.on_startup
async def load_credentials() -> None:
    """Generated at first start, so the first contract does not wait for a key."""
    await asyncio.to_thread(credentials)


runtime.on("finalize", EnvelopeSigned, handlers.finalize)

runtime.publishes(DocumentUploaded, DocumentFinalized)
app = runtime.app
