"""The seal service process: draws 印影, keeps them by content, stores uploaded seals."""

import asyncio
import logging

from services.common import fonts
from services.common.commands import DrawSeal, UploadSealImage
from services.common.events import EnvelopeSent
from services.common.queries import GetSealImage
from services.common.runtime import ServiceRuntime
from services.seal.handlers import SealHandlers
from services.seal.repository import COLLECTIONS

log = logging.getLogger(__name__)

runtime = ServiceRuntime("seal", COLLECTIONS)
handlers = SealHandlers(runtime.blobs)
runtime.answer(
    {
        DrawSeal: handlers.draw,
        UploadSealImage: handlers.upload,
        GetSealImage: handlers.get_image,
    }
)
runtime.on("draw_ahead", EnvelopeSent, handlers.draw_ahead)


@runtime.app.after_startup
async def load_fonts() -> None:
    """Every font's coverage is read now, not on the first signer's request."""
    if not await asyncio.to_thread(fonts.preload):
        log.error("no Japanese font found: install fonts-ipaexfont-mincho and fonts-noto-cjk")


app = runtime.app
