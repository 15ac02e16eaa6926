"""Blob store port: immutable bytes addressed by their SHA-256 (hex).

Engines: a content-addressed folder (embedded default) and a GridFS bucket (MongoDB).
"""

from collections.abc import AsyncIterator
from typing import Protocol

from services.common.settings import Settings


class BlobNotFound(KeyError):
    pass


class BlobTooLarge(ValueError):
    pass


class BlobStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def put(self, data: bytes) -> str:
        """Store bytes, return their SHA-256 hex id; writing the same bytes twice is a no-op."""

    async def put_stream(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        """Store a stream, return (id, size); BlobTooLarge past max_bytes, nothing kept."""

    async def get(self, blob_id: str) -> bytes:
        """BlobNotFound when absent (or the id is malformed)."""

    def stream(self, blob_id: str, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        """Async iterator over the bytes; BlobNotFound raised on first iteration when absent."""

    async def exists(self, blob_id: str) -> bool: ...

    async def delete(self, blob_id: str) -> None:
        """Remove a blob nobody references (the owning service decides); absent is fine."""

    async def sweep(self, older_than_seconds: float) -> int:
        """Remove what uploads interrupted longer ago than this left behind; how many."""


def open_blob_store(settings: Settings) -> BlobStore:
    """The engine `settings.blob_url` names: a `file:///<folder>`, or `gridfs` in the
    MongoDB deployment `settings.store` names."""
    url = settings.blob_url
    if url.startswith("file:///"):
        from services.common.blobstore.folder import FolderBlobStore

        return FolderBlobStore(url.removeprefix("file://"))
    if url == "gridfs":
        from services.common.blobstore.gridfs import GridFSBlobStore

        return GridFSBlobStore(settings.store, "shomei_blobs")
    raise ValueError(f"unknown blob store URL {url!r}: use file:///<folder> or gridfs")
