"""Drawn seals, kept by the content of their spec, through the store port."""

from pydantic import BaseModel

from services.common.staging import stage
from services.common.store import Collection, UnitOfWork

COLLECTIONS = (Collection("seals"),)


class DrawnSeal(BaseModel):
    """A seal image already drawn for one spec; `id` is the spec's cache key."""

    id: str
    version: int = 0
    blob_id: str
    text: str
    style: str


class SealRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def get(self, key: str) -> DrawnSeal | None:
        doc = await self._uow.get("seals", key)
        return DrawnSeal.model_validate(doc) if doc else None

    def add(self, seal: DrawnSeal) -> None:
        stage(self._uow, "seals", seal.model_dump(mode="json"), [])
