"""API keys: `Authorization: Bearer <key>` resolves to exactly one tenant."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.refusals import GatewayCode, Problem
from gateway.tenants import Tenant, TenantDirectory

bearer = HTTPBearer(auto_error=False, description="The agency's API key.")


async def current_tenant(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Tenant:
    if credentials is None or not credentials.credentials:
        raise Problem(GatewayCode.api_key_required)
    directory: TenantDirectory = request.app.state.tenants
    tenant = await directory.by_api_key(credentials.credentials)
    if tenant is None:
        raise Problem(GatewayCode.api_key_invalid)
    return tenant


TenantDep = Annotated[Tenant, Depends(current_tenant)]
