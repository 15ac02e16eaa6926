"""Drawn seals by their spec's key, and the seals agencies uploaded, through the store port."""

from pydantic import BaseModel

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork

COLLECTIONS = (Collection("seals"), Collection("uploaded_seals", indexed=("tenant_id",)))


class DrawnSeal(BaseModel):
    """A seal image already drawn for one spec; `id` is the spec's cache key."""

    id: str
    version: int = 0
    blob_id: str
    text: str
    style: str
    size_mm: float = 0.0
    size_px: int = 0


class UploadedSeal(BaseModel):
    """An agency's own seal image, cleaned (S17); `blob_id` is the cleaned PNG."""

    id: str
    version: int = 0
    tenant_id: str
    blob_id: str
    source_blob_id: str
    label: str
    size_mm: float
    width_px: int
    height_px: int


class SealRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def drawn(self, key: str) -> DrawnSeal | None:
        doc = await self._uow.get("seals", key)
        return DrawnSeal.model_validate(doc) if doc else None

    def add_drawn(self, seal: DrawnSeal) -> None:
        """A twin drawing of the same spec loses the commit, is run again and finds this one."""
        stage(self._uow, "seals", seal.model_dump(mode="json"), [])

    async def uploaded(self, tenant_id: str, seal_id: str) -> UploadedSeal:
        """Another agency's seal is as absent as a missing one."""
        doc = await self._uow.get("uploaded_seals", seal_id)
        if doc is None or doc["tenant_id"] != tenant_id:
            raise Refused(RefusalCode.seal_not_found)
        return UploadedSeal.model_validate(doc)

    def add_uploaded(self, seal: UploadedSeal) -> None:
        stage(self._uow, "uploaded_seals", seal.model_dump(mode="json"), [])
