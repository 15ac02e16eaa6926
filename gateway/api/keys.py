"""API keys (B1), for a caller with an admin key: make one (shown once), list, revoke."""

from datetime import datetime

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.auth import TenantDep
from gateway.api.common import api_router
from gateway.refusals import GatewayCode, Problem
from gateway.tenants import ApiKey, Scope, TenantDirectory

router = api_router("/api/v1/api-keys", "api-keys")


class ApiKeyRequest(BaseModel):
    """A new API key."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    name: str = Field(min_length=1, max_length=100)
    """What the key is for, e.g. the system that uses it."""
    scopes: list[Scope] = Field(min_length=1, max_length=3)
    """read (GET only), write (read and changes), admin (write and API keys)."""
    rate_limit: int | None = Field(default=None, ge=1, le=1_000_000)
    """Requests per window for this key, when lower than the default."""


class ApiKeyView(BaseModel):
    """An API key, without the key itself."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    key_id: str
    """The key's public id, to revoke it by."""
    name: str
    """What the key is for."""
    scopes: list[Scope]
    """What it may do."""
    prefix: str
    """The key's first characters, to recognise it."""
    created_at: datetime
    """When it was made (UTC)."""
    revoked_at: datetime | None = None
    """When it was revoked (UTC); a revoked key is refused at once."""
    rate_limit: int | None = None
    """Its own limit per window, when lower than the default."""


class NewApiKeyView(ApiKeyView):
    """A new API key: `api_key` is shown this once and stored only as a hash."""

    api_key: str
    """The key, for `Authorization: Bearer <key>`; it cannot be shown again."""


class ApiKeyListView(BaseModel):
    """The agency's API keys, oldest first."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    items: list[ApiKeyView]
    """The keys, revoked ones included."""


def _directory(request: Request) -> TenantDirectory:
    return request.app.state.tenants


def _view(key: ApiKey) -> ApiKeyView:
    return ApiKeyView.model_validate(key.model_dump())


@router.post("", status_code=201, summary="Make an API key", response_model=NewApiKeyView)
async def create_key(body: ApiKeyRequest, request: Request, tenant: TenantDep) -> NewApiKeyView:
    api_key, key = await _directory(request).create_key(
        tenant.id, body.name, list(dict.fromkeys(body.scopes)), body.rate_limit
    )
    return NewApiKeyView(**key.model_dump(), api_key=api_key)


@router.get("", summary="The agency's API keys", response_model=ApiKeyListView)
async def list_keys(request: Request, tenant: TenantDep) -> ApiKeyListView:
    return ApiKeyListView(items=[_view(k) for k in await _directory(request).keys(tenant.id)])


@router.delete("/{key_id}", summary="Revoke an API key", response_model=ApiKeyView)
async def revoke_key(key_id: str, request: Request, tenant: TenantDep) -> ApiKeyView:
    key = await _directory(request).revoke(tenant.id, key_id)
    if key is None:
        raise Problem(GatewayCode.api_key_not_found)
    return _view(key)
