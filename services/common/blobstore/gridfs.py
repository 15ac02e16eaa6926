"""Blobs in a GridFS bucket, one file per blob with `filename` = its SHA-256 id.

A streamed upload is written under a temporary name while it is hashed and renamed to its
id only once complete, so readers looking a blob up by id never see a partial file. What an
interrupted upload leaves (chunks without a files document, a file never renamed) is
removed by `sweep`.
"""

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.asynchronous.grid_file import AsyncGridOut
from gridfs.errors import NoFile
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.common.blobs import BlobNotFound
from services.common.blobstore import MeteredUpload, valid_blob_id

BUCKET = "fs"
TEMP_PREFIX = "upload-"


class GridFSBlobStore:
    def __init__(self, mongo_url: str, database: str) -> None:
        self._url = mongo_url
        self._database = database
        self._client: AsyncMongoClient[dict[str, Any]] | None = None
        self._db_handle: AsyncDatabase[dict[str, Any]] | None = None
        self._bucket_handle: AsyncGridFSBucket | None = None

    async def open(self) -> None:
        self._client = AsyncMongoClient(self._url)
        db = self._client[self._database]
        self._db_handle = db
        self._bucket_handle = AsyncGridFSBucket(db, bucket_name=BUCKET)
        await db[f"{BUCKET}.files"].create_index([("filename", 1), ("uploadDate", 1)])

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = self._bucket_handle = self._db_handle = None

    @property
    def _bucket_db(self) -> AsyncDatabase[dict[str, Any]]:
        if self._db_handle is None:
            raise RuntimeError("blob store is not open")
        return self._db_handle

    @property
    def _bucket(self) -> AsyncGridFSBucket:
        if self._bucket_handle is None:
            raise RuntimeError("blob store is not open")
        return self._bucket_handle

    async def sweep(self, older_than_seconds: float) -> int:
        """Remove uploads older than `older_than_seconds` that never completed; how many.

        An upload's files id is an ObjectId made when it began, which dates its chunks.
        """
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        db = self._bucket_db
        removed = 0
        async for raw in db[f"{BUCKET}.files"].find(
            {"filename": {"$regex": f"^{TEMP_PREFIX}"}, "uploadDate": {"$lte": cutoff}}, {"_id": 1}
        ):
            try:
                await self._bucket.delete(raw["_id"])
            except NoFile:
                continue  # another instance swept it first
            removed += 1
        chunk_owners = await db[f"{BUCKET}.chunks"].distinct("files_id")
        known = {
            raw["_id"]
            async for raw in db[f"{BUCKET}.files"].find({"_id": {"$in": chunk_owners}}, {"_id": 1})
        }
        orphans = [
            owner
            for owner in chunk_owners
            if owner not in known
            and isinstance(owner, ObjectId)
            and owner.generation_time <= cutoff
        ]
        if orphans:
            await db[f"{BUCKET}.chunks"].delete_many({"files_id": {"$in": orphans}})
        return removed + len(orphans)

    async def exists(self, blob_id: str) -> bool:
        if not valid_blob_id(blob_id):
            return False
        async for _ in self._bucket.find({"filename": blob_id}).limit(1):
            return True
        return False

    async def put(self, data: bytes) -> str:
        blob_id = hashlib.sha256(data).hexdigest()
        if not await self.exists(blob_id):
            await self._bucket.upload_from_stream(blob_id, bytes(data))
        return blob_id

    async def put_stream(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        upload = self._bucket.open_upload_stream(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
        metered = MeteredUpload(chunks, max_bytes)
        try:
            async for chunk in metered:
                await upload.write(chunk)
        except BaseException:
            await upload.abort()  # deletes the chunks written so far
            raise
        await upload.close()
        if await self.exists(metered.blob_id):
            await self._bucket.delete(upload._id)
        else:
            await self._bucket.rename(upload._id, metered.blob_id)
        return metered.blob_id, metered.size

    async def _open(self, blob_id: str) -> AsyncGridOut:
        if not valid_blob_id(blob_id):
            raise BlobNotFound(blob_id)
        try:
            return await self._bucket.open_download_stream_by_name(blob_id)
        except NoFile:
            raise BlobNotFound(blob_id) from None

    async def get(self, blob_id: str) -> bytes:
        return await (await self._open(blob_id)).read()

    async def stream(self, blob_id: str, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        grid_out = await self._open(blob_id)
        while chunk := await grid_out.read(chunk_size):
            yield chunk

    async def delete(self, blob_id: str) -> None:
        if not valid_blob_id(blob_id):
            return
        async for grid_out in self._bucket.find({"filename": blob_id}):
            await self._bucket.delete(grid_out._id)
