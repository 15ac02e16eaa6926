"""The seal service's handlers on a real SQLite store and blob folder (S5, S17): a seal is
drawn once and looked up after, the agent role gets 取引士印, envelope.sent draws ahead,
and an uploaded seal is stamped instead of a drawn one."""

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PIL import Image, ImageDraw

from services.common.blobstore.folder import FolderBlobStore
from services.common.commands import DrawSeal, UploadSealImage
from services.common.events import EnvelopeSent, SentParty
from services.common.messages import Refused
from services.common.queries import GetSealImage
from services.common.refusals import RefusalCode
from services.common.store import Store, UnitOfWork, open_store
from services.seal.handlers import SealHandlers
from services.seal.repository import COLLECTIONS

T = TypeVar("T")


class Service:
    """The handlers as the runtime runs them: a unit of work each, committed after."""

    def __init__(self, store: Store, blobs: FolderBlobStore) -> None:
        self.store = store
        self.blobs = blobs
        self.handlers = SealHandlers(blobs)

    async def run(self, handler: Callable[[Any, UnitOfWork], Awaitable[T]], message: Any) -> T:
        async with self.store.unit_of_work() as uow:
            reply = await handler(message, uow)
            await uow.commit()
            return reply


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    store = open_store(f"sqlite:///{tmp_path / 'db'}", "seal", COLLECTIONS)
    blobs = FolderBlobStore(tmp_path / "blobs")
    await store.open()
    await blobs.open()
    yield Service(store, blobs)
    await store.close()


async def _count(store: Store) -> int:
    async with store.unit_of_work() as uow:
        return await uow.count("seals", {})


async def test_s5_a_seal_is_drawn_once_and_looked_up_after(service: Service) -> None:
    draw = service.handlers.draw
    first = await service.run(draw, DrawSeal(tenant_id="t", name="佐々木花子"))
    again = await service.run(draw, DrawSeal(tenant_id="t2", name="佐々木 花子"))
    assert first == again
    assert first.text == "佐々木" and first.style == "personal_round"
    assert first.size_mm == 15.0 and first.width_pt == first.height_pt == 42.52
    assert await _count(service.store) == 1
    png = await service.blobs.get(first.blob_id)
    assert Image.open(io.BytesIO(png)).size == (177, 177)


async def test_s5_agent_role_gets_the_licensed_agent_seal_of_the_full_name(service) -> None:
    draw = service.handlers.draw
    seal = await service.run(draw, DrawSeal(tenant_id="t", name="鈴木一郎", role="agent"))
    assert (seal.style, seal.text) == ("agent", "鈴木 一郎")
    tenant = await service.run(draw, DrawSeal(tenant_id="t", name="鈴木一郎", role="tenant"))
    assert (tenant.style, tenant.text) == ("personal_round", "鈴木")


async def test_s5_registered_corporation_gets_the_round_representative_seal(service) -> None:
    seal = await service.run(
        service.handlers.draw,
        DrawSeal(tenant_id="t", name="株式会社山田不動産", party_kind="corporation_registered"),
    )
    assert seal.style == "corporate_round" and seal.width_px == 248


async def test_s5_an_undrawable_name_is_refused_with_its_reason(service) -> None:
    with pytest.raises(Refused) as caught:
        await service.run(service.handlers.draw, DrawSeal(tenant_id="t", name="山田😀"))
    assert caught.value.code is RefusalCode.seal_emoji
    assert await _count(service.store) == 0


async def test_s5_envelope_sent_draws_every_signing_partys_seal_ahead(service) -> None:
    parties = [
        SentParty(party_id="a", name="𠮷田 太郎", kind="individual", role="tenant"),
        SentParty(party_id="b", name="鈴木 一郎", kind="individual", role="agent"),
        SentParty(party_id="c", name="三井不動産リアルティ", kind="corporation", role="agent"),
        SentParty(party_id="d", name="山田😀", kind="individual", role="guarantor"),
        SentParty(
            party_id="e",
            name="株式会社アップロード",
            kind="corporation",
            role="landlord",
            seal_image_id="uploaded-seal",
        ),
    ]
    event = EnvelopeSent(tenant_id="t", envelope_id="e", document_id="d", parties=parties)
    await service.run(service.handlers.draw_ahead, event)
    assert await _count(service.store) == 3  # the emoji name skipped, the uploaded seal kept
    await service.run(service.handlers.draw, DrawSeal(tenant_id="t", name="𠮷田 太郎"))
    assert await _count(service.store) == 3  # the signer's page finds it drawn


def _seal_scan(fmt: str, ink: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (300, 300), (250, 248, 245))
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 30, 270, 270), outline=ink, width=14)
    draw.rectangle((120, 80, 180, 220), fill=ink)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


async def test_s17_an_uploaded_seal_is_used_instead_of_a_drawn_one(service) -> None:
    h = service.handlers
    raw = await service.blobs.put(_seal_scan("JPEG", (200, 30, 40)))
    uploaded = await service.run(
        h.upload, UploadSealImage(tenant_id="t", blob_id=raw, label="代表者印", size_mm=18)
    )
    assert uploaded.seal_id and uploaded.blob_id != raw
    seal = await service.run(
        h.draw, DrawSeal(tenant_id="t", name="株式会社山田", seal_image_id=uploaded.seal_id)
    )
    assert seal.blob_id == uploaded.blob_id and seal.source == "uploaded"
    assert seal.width_pt == pytest.approx(51.024, abs=0.01)
    got = await service.run(h.get_image, GetSealImage(tenant_id="t", seal_id=uploaded.seal_id))
    assert got == seal
    with pytest.raises(Refused) as caught:  # another tenant cannot use it
        await service.run(
            h.draw, DrawSeal(tenant_id="x", name="山田", seal_image_id=uploaded.seal_id)
        )
    assert caught.value.code is RefusalCode.seal_not_found


async def test_s17_an_upload_that_is_not_a_seal_image_is_refused(service) -> None:
    raw = await service.blobs.put(b"%PDF-1.7 not an image")
    with pytest.raises(Refused) as caught:
        await service.run(service.handlers.upload, UploadSealImage(tenant_id="t", blob_id=raw))
    assert caught.value.code is RefusalCode.seal_image_unsupported
