"""The gateway's view of the services: one request client, blobs, and refusals as Problems."""

from collections.abc import AsyncIterator

from pydantic import BaseModel

from gateway.idempotency import request_key
from gateway.refusals import GatewayCode, Problem
from services.common.blobs import BlobStore
from services.common.messages import Command, Request
from services.common.rpc import QueryClient, QueryFailed, ServiceUnavailable


class Backends:
    def __init__(self, queries: QueryClient, blobs: BlobStore) -> None:
        self.queries = queries
        self.blobs = blobs

    async def ask[R: BaseModel](self, service: str, request: Request[R]) -> R:
        """The request's reply model; a refusal or a silent service becomes a `Problem`.

        A command sent while an API request with an `Idempotency-Key` runs carries that key
        (one per command kind), so its retry is answered by the service, not run again.
        """
        key = request_key.get()
        command_key = f"{key}:{request.kind}" if key and isinstance(request, Command) else None
        try:
            return await self.queries.ask(service, request, idempotency_key=command_key)
        except QueryFailed as exc:
            error = exc.error
            raise Problem(error.code, refusals=error.errors, **error.params) from exc
        except ServiceUnavailable as exc:
            raise Problem(GatewayCode.service_unavailable, service=exc.service) from exc

    async def open_blob(self, blob_id: str) -> AsyncIterator[bytes]:
        """Checked before the response starts, so a missing blob is a clean 404."""
        if not await self.blobs.exists(blob_id):
            raise Problem(GatewayCode.blob_not_found)
        return self.blobs.stream(blob_id)
