"""Blob store engines behind `services.common.blobs`: a content-addressed folder and GridFS."""

import hashlib
import re
from collections.abc import AsyncIterator

from services.common.blobs import BlobTooLarge

BLOB_ID = re.compile(r"[0-9a-f]{64}")


def valid_blob_id(blob_id: object) -> bool:
    """A lowercase SHA-256 hex digest and nothing else (so no id can name a path)."""
    return isinstance(blob_id, str) and BLOB_ID.fullmatch(blob_id) is not None


class MeteredUpload:
    """Hashes and counts an upload while it streams, refusing it past `max_bytes`."""

    def __init__(self, chunks: AsyncIterator[bytes], max_bytes: int) -> None:
        self._chunks = chunks
        self._max_bytes = max_bytes
        self._digest = hashlib.sha256()
        self.size = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._chunks:
            self.size += len(chunk)
            if self.size > self._max_bytes:
                raise BlobTooLarge(f"more than {self._max_bytes} bytes")
            self._digest.update(chunk)
            yield chunk

    @property
    def blob_id(self) -> str:
        return self._digest.hexdigest()
