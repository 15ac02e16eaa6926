"""Seals for parties: drawn once per (text, style, size) and looked up after; uploads (S5, S17).

Drawing and image cleaning run in a worker thread (`asyncio.to_thread`), never on the
event loop. A drawn PNG is stored by its SHA-256 in the blob store and remembered under
the spec's key, so a second ask for the same seal is one store read. Each handler gets the
unit of work the runtime opened and commits after it returns.
"""

import asyncio
import logging

from services.common.blobs import BlobStore
from services.common.commands import DrawSeal, UploadSealImage
from services.common.events import EnvelopeSent
from services.common.messages import Refused, new_id
from services.common.queries import GetSealImage
from services.common.store import UnitOfWork
from services.common.views import SealView
from services.seal.drawing import draw_seal
from services.seal.model import SealSpec, mm_to_pt, spec_for_party
from services.seal.repository import DrawnSeal, SealRepository, UploadedSeal
from services.seal.uploads import DEFAULT_SIZE_MM as UPLOADED_DEFAULT_MM
from services.seal.uploads import prepare_uploaded_seal

log = logging.getLogger(__name__)


class SealHandlers:
    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    async def draw(self, q: DrawSeal, uow: UnitOfWork) -> SealView:
        repo = SealRepository(uow)
        if q.seal_image_id:
            return _uploaded_view(await repo.uploaded(q.tenant_id, q.seal_image_id))
        spec = spec_for_party(q.name, q.party_kind, q.role, q.size_mm, q.title)
        return _drawn_view(await self._drawn(spec, repo))

    async def draw_ahead(self, event: EnvelopeSent, uow: UnitOfWork) -> None:
        """Every signing party's seal, drawn now, so each signer's page shows it at once.

        A name that cannot be drawn is logged and skipped: the signer's page says why.
        """
        repo = SealRepository(uow)
        for party in event.parties:
            if party.seal_image_id:
                continue
            try:
                spec = spec_for_party(party.name, party.kind, party.role)
            except Refused as exc:
                log.info("no seal ahead for party %s: %s", party.party_id, exc)
                continue
            await self._drawn(spec, repo)

    async def upload(self, q: UploadSealImage, uow: UnitOfWork) -> SealView:
        raw = await self._blobs.get(q.blob_id)
        size_mm = q.size_mm or UPLOADED_DEFAULT_MM
        png, width, height = await asyncio.to_thread(prepare_uploaded_seal, raw, size_mm)
        seal = UploadedSeal(
            id=new_id(),
            tenant_id=q.tenant_id,
            blob_id=await self._blobs.put(png),
            source_blob_id=q.blob_id,
            label=q.label,
            size_mm=size_mm,
            width_px=width,
            height_px=height,
        )
        SealRepository(uow).add_uploaded(seal)
        return _uploaded_view(seal)

    async def get_image(self, q: GetSealImage, uow: UnitOfWork) -> SealView:
        return _uploaded_view(await SealRepository(uow).uploaded(q.tenant_id, q.seal_id))

    async def _drawn(self, spec: SealSpec, repo: SealRepository) -> DrawnSeal:
        seal = await repo.drawn(spec.cache_key())
        if seal is None:
            png = await asyncio.to_thread(draw_seal, spec)
            seal = DrawnSeal(
                id=spec.cache_key(),
                blob_id=await self._blobs.put(png),
                text=spec.text,
                style=spec.style.value,
                size_mm=spec.size_mm,
                size_px=spec.size_px,
            )
            repo.add_drawn(seal)
        return seal


def _drawn_view(seal: DrawnSeal) -> SealView:
    points = mm_to_pt(seal.size_mm)
    return SealView(
        blob_id=seal.blob_id,
        text=seal.text,
        style=seal.style,
        size_mm=seal.size_mm,
        width_px=seal.size_px,
        height_px=seal.size_px,
        width_pt=points,
        height_pt=points,
    )


def _uploaded_view(seal: UploadedSeal) -> SealView:
    """The longer side is stamped at the seal's size; the other keeps the image's shape."""
    longer = max(seal.width_px, seal.height_px)
    points = mm_to_pt(seal.size_mm)
    return SealView(
        blob_id=seal.blob_id,
        text="",
        style="uploaded",
        source="uploaded",
        seal_id=seal.id,
        label=seal.label,
        size_mm=seal.size_mm,
        width_px=seal.width_px,
        height_px=seal.height_px,
        width_pt=round(points * seal.width_px / longer, 3),
        height_pt=round(points * seal.height_px / longer, 3),
    )
