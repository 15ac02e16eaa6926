"""Blobs as files under one folder: `<path>/<id[:2]>/<id>`, written once, never changed.

Writes land in a temporary file on the same filesystem and are moved into place with
`os.replace`, so a reader never sees half a blob; the file and then its directory are
fsynced, so after a power loss a blob a record points at is still there. File I/O runs in
worker threads so a large upload never stalls the event loop. Temp files an interrupted
upload left behind are removed by `sweep`.
"""

import asyncio
import hashlib
import os
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from services.common.blobs import BlobNotFound
from services.common.blobstore import MeteredUpload, valid_blob_id


class FolderBlobStore:
    def __init__(self, path: str | Path) -> None:
        self.root = Path(path)
        self._tmp = self.root / ".tmp"

    async def open(self) -> None:
        await asyncio.to_thread(self._tmp.mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    def _path(self, blob_id: str) -> Path:
        if not valid_blob_id(blob_id):
            raise BlobNotFound(blob_id)
        return self.root / blob_id[:2] / blob_id

    def _new_temp(self) -> tuple[BinaryIO, Path]:
        self._tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="upload-")
        return os.fdopen(fd, "wb"), Path(name)

    def _publish(self, temp: Path, blob_id: str) -> None:
        """Move a finished temp file into place; identical bytes may already be there."""
        target = self._path(blob_id)
        if target.exists():
            temp.unlink(missing_ok=True)
            return
        created = not target.parent.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
        if created:
            _fsync_dir(self.root)
        os.replace(temp, target)
        _fsync_dir(target.parent)

    def _put_sync(self, data: bytes) -> str:
        blob_id = hashlib.sha256(data).hexdigest()
        if self._path(blob_id).exists():
            return blob_id
        file, temp = self._new_temp()
        try:
            with file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            self._publish(temp, blob_id)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return blob_id

    async def put(self, data: bytes) -> str:
        return await asyncio.to_thread(self._put_sync, bytes(data))

    async def put_stream(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        file, temp = await asyncio.to_thread(self._new_temp)
        upload = MeteredUpload(chunks, max_bytes)
        try:
            try:
                async for chunk in upload:
                    await asyncio.to_thread(file.write, chunk)
                await asyncio.to_thread(_flush_and_sync, file)
            finally:
                await asyncio.to_thread(file.close)
            await asyncio.to_thread(self._publish, temp, upload.blob_id)
        except BaseException:
            await asyncio.to_thread(temp.unlink, missing_ok=True)
            raise
        return upload.blob_id, upload.size

    async def get(self, blob_id: str) -> bytes:
        path = self._path(blob_id)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise BlobNotFound(blob_id) from None

    async def stream(self, blob_id: str, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        path = self._path(blob_id)
        try:
            file = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise BlobNotFound(blob_id) from None
        try:
            while chunk := await asyncio.to_thread(file.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(file.close)

    async def sweep(self, older_than_seconds: float) -> int:
        """Remove temp files untouched for `older_than_seconds`; how many were removed."""
        return await asyncio.to_thread(self._sweep_sync, older_than_seconds)

    def _sweep_sync(self, older_than_seconds: float) -> int:
        cutoff = time.time() - older_than_seconds
        removed = 0
        for temp in self._tmp.glob("*"):
            try:
                if temp.is_file() and temp.stat().st_mtime < cutoff:
                    temp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    async def exists(self, blob_id: str) -> bool:
        if not valid_blob_id(blob_id):
            return False
        return await asyncio.to_thread(self._path(blob_id).is_file)

    async def delete(self, blob_id: str) -> None:
        if valid_blob_id(blob_id):
            await asyncio.to_thread(self._path(blob_id).unlink, missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_and_sync(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())
