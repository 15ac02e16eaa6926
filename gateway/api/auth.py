"""API keys: `Authorization: Bearer <key>` resolves to exactly one tenant.

The API's edge (gateway/api/edge.py) has already checked the key, its scopes and its rate
limits before a route runs; routes read the caller it found.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.refusals import GatewayCode, Problem
from gateway.tenants import Caller, Tenant, TenantDirectory

bearer = HTTPBearer(auto_error=False, description="The agency's API key.")


async def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    caller = request.scope.get("state", {}).get("caller")
    if isinstance(caller, Caller):
        return caller
    if credentials is None or not credentials.credentials:
        raise Problem(GatewayCode.api_key_required)
    directory: TenantDirectory = request.app.state.tenants
    found = await directory.caller(credentials.credentials)
    if found is None:
        raise Problem(GatewayCode.api_key_invalid)
    return found


async def current_tenant(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Tenant:
    return (await current_caller(request, credentials)).tenant


TenantDep = Annotated[Tenant, Depends(current_tenant)]
CallerDep = Annotated[Caller, Depends(current_caller)]
