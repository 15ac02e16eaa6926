"""Refuse an oversized upload by its declared length, before a byte of it is read.

A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` would cost every request.
"""

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.refusals import GatewayCode, Problem, problem_response

UPLOAD_PATH = "/api/v1/documents"
MULTIPART_OVERHEAD = 64 * 1024


class UploadLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == UPLOAD_PATH
            and self._declared_length(scope) > self.max_bytes + MULTIPART_OVERHEAD
        ):
            problem = Problem(GatewayCode.file_too_large, limit_mb=self.max_bytes // (1024 * 1024))
            response = problem_response(problem, Headers(scope=scope).get("accept-language"))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _declared_length(scope: Scope) -> int:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():
                return int(value)
        return 0
