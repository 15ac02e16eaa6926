"""The gateway's view of the services: one query client, blobs, and errors turned into HTTP."""

from collections.abc import AsyncIterator
from typing import Any

from fastapi import HTTPException

from services.common.blobs import BlobStore
from services.common.messages import Query
from services.common.rpc import QueryClient, QueryFailed, ServiceUnavailable


class ApiError(HTTPException):
    """Rendered as `{"error": {"code", "message", "detail"}}` by the API's handler."""

    def __init__(self, status: int, code: str, message: str, **detail: Any) -> None:
        super().__init__(status_code=status, detail=message)
        self.code = code
        self.message = message
        self.extra = detail


class Backends:
    def __init__(self, queries: QueryClient, blobs: BlobStore) -> None:
        self.queries = queries
        self.blobs = blobs

    async def ask(self, service: str, query: Query) -> dict[str, Any]:
        try:
            return await self.queries.ask(service, query)
        except QueryFailed as exc:
            e = exc.error
            raise ApiError(e.status, e.code, e.message, **e.detail) from exc
        except ServiceUnavailable as exc:
            raise ApiError(
                503,
                "service_unavailable",
                f"The {exc.service} service did not answer ({exc.reason}). Try again shortly.",
                service=exc.service,
            ) from exc

    async def open_blob(self, blob_id: str) -> AsyncIterator[bytes]:
        """Checked before the response starts, so a missing blob is a clean 404."""
        if not await self.blobs.exists(blob_id):
            raise ApiError(404, "blob_not_found", "The file is not available.")
        return self.blobs.stream(blob_id)
