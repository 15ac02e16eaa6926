"""The seal service process: draws 印影 and keeps them by content."""

from services.common.queries import DrawSeal
from services.common.runtime import ServiceRuntime
from services.seal.handlers import COLLECTIONS, SealHandlers

runtime = ServiceRuntime("seal", COLLECTIONS)
handlers = SealHandlers(runtime.in_unit_of_work, runtime.blobs)
runtime.answer({DrawSeal: handlers.draw})
app = runtime.app
