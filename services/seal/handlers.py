"""Drawing a party's seal (印影), cached by content: the same spec is drawn once."""

import asyncio
import logging

from services.common.blobs import BlobStore
from services.common.commands import DrawSeal
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.store import UnitOfWork
from services.common.views import SealView
from services.seal.drawing import draw_seal
from services.seal.model import InvalidSealText, SealSpec, default_style_for, seal_text_for
from services.seal.repository import DrawnSeal, SealRepository

log = logging.getLogger(__name__)


class SealHandlers:
    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    async def draw(self, q: DrawSeal, uow: UnitOfWork) -> SealView:
        """A twin drawing of the same spec loses the conflict, retries and finds this one."""
        try:
            spec = SealSpec(
                text=seal_text_for(q.name, q.party_kind), style=default_style_for(q.party_kind)
            )
        except InvalidSealText as exc:
            log.info("no seal for %r: %s", q.name, exc)
            raise Refused(RefusalCode.invalid_seal_text) from exc
        repo = SealRepository(uow)
        seal = await repo.get(spec.cache_key())
        if seal is None:
            png = await asyncio.to_thread(draw_seal, spec)
            seal = DrawnSeal(
                id=spec.cache_key(),
                blob_id=await self._blobs.put(png),
                text=spec.text,
                style=spec.style.value,
            )
            repo.add(seal)
        return SealView(blob_id=seal.blob_id, text=seal.text, style=seal.style)
