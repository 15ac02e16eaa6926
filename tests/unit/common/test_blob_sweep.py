"""Blobs survive a power loss and leave no litter: the folder store makes its rename
durable, and both engines sweep what an interrupted upload left behind."""

import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bson import ObjectId

from services.common.blobstore.folder import FolderBlobStore
from services.common.blobstore.gridfs import BUCKET, GridFSBlobStore

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 1000
DAY = 24 * 3600.0


@pytest.fixture
async def folder(tmp_path: Path) -> AsyncIterator[FolderBlobStore]:
    store = FolderBlobStore(tmp_path / "blobs")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def gridfs(mongo_url: str) -> AsyncIterator[GridFSBlobStore]:
    store = GridFSBlobStore(mongo_url, f"sweep_{uuid.uuid4().hex[:8]}")
    await store.open()
    yield store
    await store.close()


async def test_a_stored_blob_has_its_directory_entry_synced_to_disk(folder, monkeypatch):
    """A power loss after the rename must not lose the file a record already points at.
    (A power loss cannot be staged here; the directory's fsync is watched instead.)"""
    synced: list[str] = []
    real_fsync = os.fsync

    def watching_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching_fsync)
    blob_id = await folder.put(PDF)
    assert str(folder.root / blob_id[:2]) in synced


async def test_the_folder_sweep_removes_only_stale_temp_files(folder):
    kept = await folder.put(PDF)
    stale = folder.root / ".tmp" / "upload-crashed"
    stale.write_bytes(b"half an upload")
    old = time.time() - 2 * DAY
    os.utime(stale, (old, old))
    fresh = folder.root / ".tmp" / "upload-in-progress"
    fresh.write_bytes(b"still streaming")
    assert await folder.sweep(older_than_seconds=DAY) == 1
    assert not stale.exists()
    assert fresh.exists()
    assert await folder.get(kept) == PDF


async def test_the_gridfs_sweep_removes_orphaned_chunks_and_unfinished_uploads(gridfs):
    kept = await gridfs.put(PDF)
    db = gridfs._client[gridfs._database]
    # A large upload flushes its chunks (every 32 MB) before the files document is written
    # at close: a process that dies in between leaves chunks of no file, like these.
    crashed = ObjectId()
    await db[f"{BUCKET}.chunks"].insert_many(
        [{"files_id": crashed, "n": n, "data": PDF[:1000]} for n in range(3)]
    )
    unrenamed = await gridfs._bucket.upload_from_stream("upload-finished-not-renamed", b"x")
    assert await gridfs.sweep(older_than_seconds=DAY) == 0  # nothing is old enough yet
    assert await gridfs.sweep(older_than_seconds=0) == 2
    assert await db[f"{BUCKET}.chunks"].count_documents({"files_id": crashed}) == 0
    assert await db[f"{BUCKET}.files"].count_documents({"_id": unrenamed}) == 0
    assert await gridfs.get(kept) == PDF
