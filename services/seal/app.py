"""The seal service process: draws 印影 and keeps them by content."""

from services.common.commands import DrawSeal
from services.common.runtime import ServiceRuntime
from services.seal.handlers import SealHandlers
from services.seal.repository import COLLECTIONS

runtime = ServiceRuntime("seal", COLLECTIONS)
handlers = SealHandlers(runtime.blobs)
runtime.answer({DrawSeal: handlers.draw})
app = runtime.app
