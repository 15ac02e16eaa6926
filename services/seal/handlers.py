"""Drawing a party's seal (印影), cached by content: the same spec is drawn once."""

import asyncio
from typing import Any

from services.common.blobs import BlobStore
from services.common.messages import Refused
from services.common.queries import DrawSeal
from services.common.store import Collection, InUnitOfWork, UnitOfWork
from services.seal.drawing import draw_seal
from services.seal.model import InvalidSealText, SealSpec, default_style_for, seal_text_for

COLLECTIONS = (Collection("seals"),)
Data = dict[str, Any]


class SealHandlers:
    def __init__(
        self,
        in_unit_of_work: InUnitOfWork,
        blobs: BlobStore,
    ) -> None:
        self._uow = in_unit_of_work
        self._blobs = blobs

    async def draw(self, q: DrawSeal) -> Data:
        try:
            spec = SealSpec(
                text=seal_text_for(q.name, q.party_kind), style=default_style_for(q.party_kind)
            )
        except InvalidSealText as exc:
            raise Refused("invalid_seal_text", str(exc), 422) from exc
        key = spec.cache_key()

        async def cached(uow: UnitOfWork) -> Data | None:
            return await uow.get("seals", key)

        found = await self._uow(cached)
        if found is not None:
            return _view(found)
        try:
            png = await asyncio.to_thread(draw_seal, spec)
        except InvalidSealText as exc:
            raise Refused("invalid_seal_text", str(exc), 422) from exc
        blob_id = await self._blobs.put(png)
        record = {
            "id": key,
            "version": 0,
            "blob_id": blob_id,
            "text": spec.text,
            "style": spec.style.value,
        }

        async def remember(uow: UnitOfWork) -> None:
            if await uow.get("seals", key) is None:
                uow.save("seals", record)
                await uow.commit()

        await self._uow(remember)
        return _view(record)


def _view(record: Data) -> Data:
    return {"blob_id": record["blob_id"], "text": record["text"], "style": record["style"]}
