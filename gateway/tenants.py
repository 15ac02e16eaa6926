"""Tenants (agencies) and their API keys: owned by the gateway, keys stored hashed."""

import hashlib
import secrets
from datetime import UTC, datetime

from pydantic import BaseModel

from services.common.store import Collection, Store

COLLECTIONS = (
    Collection("tenants"),
    Collection("api_keys", indexed=("tenant_id",)),
)
DEMO_TENANT_ID = "demo"


class Tenant(BaseModel):
    id: str
    name: str
    contact_email: str | None = None
    certificate_option: bool = False
    """The plan includes the certificate option: own-company signers allowed (S4, S15)."""
    plan_limit: int | None = None
    """Documents the plan stores (D1)."""


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return "shm_" + secrets.token_urlsafe(32)


class TenantDirectory:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def by_api_key(self, api_key: str) -> Tenant | None:
        async with self._store.unit_of_work() as uow:
            key = await uow.get("api_keys", key_hash(api_key))
            if key is None:
                return None
            doc = await uow.get("tenants", key["tenant_id"])
        return Tenant.model_validate(doc) if doc else None

    async def ensure(self, tenant: Tenant, api_key: str) -> None:
        """Create the tenant and register the key unless they already exist."""
        async with self._store.unit_of_work() as uow:
            if await uow.get("tenants", tenant.id) is None:
                uow.save("tenants", {**tenant.model_dump(), "version": 0})
            if await uow.get("api_keys", key_hash(api_key)) is None:
                uow.save(
                    "api_keys",
                    {
                        "id": key_hash(api_key),
                        "version": 0,
                        "tenant_id": tenant.id,
                        "created_at": datetime.now(UTC).isoformat(),
                    },
                )
            await uow.commit()
