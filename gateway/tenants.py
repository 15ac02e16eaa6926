"""Tenants (agencies) and their API keys: owned by the gateway, keys stored hashed.

A key is shown once, when it is made; the store keeps its SHA-256 (a key has 256 random
bits, so a fast hash is enough), a public `key_id` to list and revoke it by, and its scopes.
Keys made before scopes existed (the demo key, `gateway.admin create-tenant`) are admin keys.
"""

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from services.common.store import Collection, Store

COLLECTIONS = (
    Collection("tenants"),
    Collection("api_keys", indexed=("tenant_id",)),
)
DEMO_TENANT_ID = "demo"

Scope = Literal["read", "write", "admin"]
"""read: GET; write: read and every change; admin: write and managing API keys."""
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")


class Tenant(BaseModel):
    id: str
    name: str
    contact_email: str | None = None
    certificate_option: bool = False
    """The plan includes the certificate option: own-company signers allowed (S4, S15)."""
    plan_limit: int | None = None
    """Documents the plan stores (D1)."""


class ApiKey(BaseModel):
    """A stored key, without the key itself."""

    key_id: str
    tenant_id: str
    name: str
    scopes: list[Scope]
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None
    rate_limit: int | None = None
    """Requests per window for this key, below the default; None: the default."""

    def allows(self, method: str, path: str) -> bool:
        if "admin" in self.scopes:
            return True
        if path.startswith("/api/v1/api-keys"):
            return False
        if method in ("GET", "HEAD", "OPTIONS"):
            return "read" in self.scopes or "write" in self.scopes
        return "write" in self.scopes


class Caller(BaseModel):
    """Who a request comes from: the agency and the key it used."""

    tenant: Tenant
    key: ApiKey


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return "shm_" + secrets.token_urlsafe(32)


def _key_doc(tenant_id: str, api_key: str, **fields: object) -> dict[str, object]:
    return {
        "id": key_hash(api_key),
        "version": 0,
        "tenant_id": tenant_id,
        "key_id": "key_" + secrets.token_hex(8),
        "prefix": api_key[:10],
        "created_at": datetime.now(UTC).isoformat(),
        **fields,
    }


def _api_key(doc: dict[str, object]) -> ApiKey:
    return ApiKey.model_validate(
        {
            "name": "",
            "scopes": ["admin"],
            "prefix": "shm_",
            "key_id": f"key_{str(doc['id'])[:16]}",
            **{k: v for k, v in doc.items() if v is not None or k == "revoked_at"},
        }
    )


class TenantDirectory:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def caller(self, api_key: str) -> Caller | None:
        """The agency and key behind `api_key`; None when unknown or revoked."""
        async with self._store.unit_of_work() as uow:
            doc = await uow.get("api_keys", key_hash(api_key))
            if doc is None or doc.get("revoked_at"):
                return None
            tenant = await uow.get("tenants", doc["tenant_id"])
        if tenant is None:
            return None
        return Caller(tenant=Tenant.model_validate(tenant), key=_api_key(doc))

    async def by_api_key(self, api_key: str) -> Tenant | None:
        caller = await self.caller(api_key)
        return caller.tenant if caller else None

    async def ensure(self, tenant: Tenant, api_key: str) -> None:
        """Create the tenant and register the key unless they already exist."""
        async with self._store.unit_of_work() as uow:
            if await uow.get("tenants", tenant.id) is None:
                uow.save("tenants", {**tenant.model_dump(), "version": 0})
            if await uow.get("api_keys", key_hash(api_key)) is None:
                uow.save("api_keys", _key_doc(tenant.id, api_key, name="admin", scopes=["admin"]))
            await uow.commit()

    async def create_key(
        self, tenant_id: str, name: str, scopes: list[Scope], rate_limit: int | None
    ) -> tuple[str, ApiKey]:
        """A new key for the agency: the key itself (shown once) and what is stored."""
        api_key = new_api_key()
        doc = _key_doc(tenant_id, api_key, name=name, scopes=scopes, rate_limit=rate_limit)
        async with self._store.unit_of_work() as uow:
            uow.save("api_keys", doc)
            await uow.commit()
        return api_key, _api_key(doc)

    async def keys(self, tenant_id: str) -> list[ApiKey]:
        async with self._store.unit_of_work() as uow:
            docs = await uow.find("api_keys", {"tenant_id": tenant_id})
        return sorted((_api_key(d) for d in docs), key=lambda k: k.created_at)

    async def revoke(self, tenant_id: str, key_id: str) -> ApiKey | None:
        """Revoked at once; None when the agency has no such key."""
        async with self._store.unit_of_work() as uow:
            for doc in await uow.find("api_keys", {"tenant_id": tenant_id}):
                if _api_key(doc).key_id == key_id:
                    if not doc.get("revoked_at"):
                        doc["revoked_at"] = datetime.now(UTC).isoformat()
                        uow.save("api_keys", doc)
                        await uow.commit()
                    return _api_key(doc)
        return None
