"""One contract for the blob port, run on both engines (folder, GridFS on the wire server)."""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.common.blobs import BlobNotFound, BlobStore, BlobTooLarge, open_blob_store
from services.common.blobstore.folder import FolderBlobStore
from services.common.blobstore.gridfs import GridFSBlobStore
from services.common.settings import Settings

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 1000  # spans several GridFS chunks


@pytest.fixture(params=["folder", "gridfs"])
def unopened_blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    # Sync on purpose: the async `mongo_url` fixture is only requested for GridFS runs.
    if request.param == "folder":
        return FolderBlobStore(tmp_path / "blobs")
    return GridFSBlobStore(request.getfixturevalue("mongo_url"), f"b_{uuid.uuid4().hex}")


@pytest.fixture
async def blobs(unopened_blobs: BlobStore) -> AsyncIterator[BlobStore]:
    store = unopened_blobs
    await store.open()
    yield store
    await store.close()


async def chunks_of(data: bytes, size: int = 10_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def test_put_returns_the_sha256_and_get_returns_the_bytes(blobs: BlobStore) -> None:
    blob_id = await blobs.put(PDF)
    assert blob_id == hashlib.sha256(PDF).hexdigest()
    assert await blobs.get(blob_id) == PDF
    assert await blobs.exists(blob_id)


async def test_putting_the_same_bytes_twice_is_a_no_op(blobs: BlobStore) -> None:
    first = await blobs.put(b"seal")
    assert await blobs.put(b"seal") == first
    assert await blobs.get(first) == b"seal"


async def test_a_deleted_blob_is_gone_and_deleting_again_is_harmless(blobs: BlobStore) -> None:
    blob_id = await blobs.put(b"unadopted upload")
    await blobs.delete(blob_id)
    assert not await blobs.exists(blob_id)
    await blobs.delete(blob_id)
    await blobs.delete("not-a-blob-id")


async def test_an_empty_blob_is_a_blob(blobs: BlobStore) -> None:
    blob_id = await blobs.put(b"")
    assert await blobs.get(blob_id) == b""


async def test_an_absent_blob_is_not_found(blobs: BlobStore) -> None:
    absent = hashlib.sha256(b"never stored").hexdigest()
    assert not await blobs.exists(absent)
    with pytest.raises(BlobNotFound):
        await blobs.get(absent)
    with pytest.raises(BlobNotFound):
        await collect(blobs.stream(absent))


@pytest.mark.parametrize(
    "bad_id",
    ["", "abc", "../../etc/passwd", "A" * 64, "g" * 64, "0" * 63, "0" * 65, "0" * 64 + "\n"],
)
async def test_a_malformed_id_is_not_found(blobs: BlobStore, bad_id: str) -> None:
    assert not await blobs.exists(bad_id)
    with pytest.raises(BlobNotFound):
        await blobs.get(bad_id)
    with pytest.raises(BlobNotFound):
        await collect(blobs.stream(bad_id))


async def test_stream_yields_the_bytes_in_chunks(blobs: BlobStore) -> None:
    blob_id = await blobs.put(PDF)
    chunks = [chunk async for chunk in blobs.stream(blob_id, chunk_size=4096)]
    assert b"".join(chunks) == PDF
    assert max(len(c) for c in chunks) <= 4096
    assert len(chunks) >= len(PDF) // 4096


async def test_put_stream_hashes_while_streaming(blobs: BlobStore) -> None:
    blob_id, size = await blobs.put_stream(chunks_of(PDF), max_bytes=len(PDF))
    assert (blob_id, size) == (hashlib.sha256(PDF).hexdigest(), len(PDF))
    assert await blobs.get(blob_id) == PDF


async def test_put_stream_of_known_bytes_keeps_one_copy(blobs: BlobStore) -> None:
    blob_id = await blobs.put(PDF)
    assert await blobs.put_stream(chunks_of(PDF), max_bytes=10**9) == (blob_id, len(PDF))
    assert await blobs.get(blob_id) == PDF


async def test_put_stream_past_max_bytes_raises_and_keeps_nothing(
    blobs: BlobStore, tmp_path: Path
) -> None:
    with pytest.raises(BlobTooLarge):
        await blobs.put_stream(chunks_of(PDF), max_bytes=len(PDF) - 1)
    assert not await blobs.exists(hashlib.sha256(PDF).hexdigest())
    assert await leftovers(blobs) == 0


async def test_put_stream_that_fails_midway_keeps_nothing(blobs: BlobStore) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"partial upload"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await blobs.put_stream(broken(), max_bytes=10**6)
    assert await leftovers(blobs) == 0


async def leftovers(blobs: BlobStore) -> int:
    """Everything the engine holds: files under the folder, or GridFS files and chunks."""
    if isinstance(blobs, FolderBlobStore):
        return sum(1 for p in blobs.root.rglob("*") if p.is_file())
    assert isinstance(blobs, GridFSBlobStore)
    db = blobs._bucket._collection.database  # test-only peek at the bucket's collections
    return await db["fs.files"].count_documents({}) + await db["fs.chunks"].count_documents({})


async def test_concurrent_puts_of_the_same_bytes_agree(blobs: BlobStore) -> None:
    ids = await asyncio.gather(*(blobs.put(PDF) for _ in range(4)))
    assert set(ids) == {hashlib.sha256(PDF).hexdigest()}
    assert await blobs.get(ids[0]) == PDF


async def test_open_blob_store_reads_a_file_url(tmp_path: Path) -> None:
    store = open_blob_store(Settings(blobs=f"file://{tmp_path / 'blobs'}"))
    assert isinstance(store, FolderBlobStore)
    await store.open()
    assert await store.get(await store.put(b"x")) == b"x"
    assert (tmp_path / "blobs").is_dir()


async def test_gridfs_blobs_go_to_the_store_the_settings_passed_in_name(mongo_url: str) -> None:
    store = open_blob_store(Settings(store=mongo_url, blobs="gridfs"))
    assert isinstance(store, GridFSBlobStore)
    await store.open()
    try:
        assert await store.get(await store.put(b"y")) == b"y"
    finally:
        await store.close()
