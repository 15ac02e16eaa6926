"""The agency's envelope list (D2): filters and cursor pages."""

from datetime import datetime
from typing import Annotated

from fastapi import Query

from gateway.api.auth import TenantDep
from gateway.api.common import BackendsDep, api_router
from services.common.queries import ListEnvelopes
from services.common.values import EnvelopeStatus
from services.common.views import EnvelopePageView

router = api_router()


@router.get(
    "/envelopes",
    summary="The agency's envelopes, newest first, filtered, in pages (D2)",
    response_model=EnvelopePageView,
)
async def list_envelopes(
    tenant: TenantDep,
    b: BackendsDep,
    status: Annotated[
        list[EnvelopeStatus] | None,
        Query(max_length=7, description="Any of these statuses (repeat the parameter)."),
    ] = None,
    created_from: Annotated[
        datetime | None, Query(description="Created at or after (ISO 8601, with a zone).")
    ] = None,
    created_before: Annotated[
        datetime | None, Query(description="Created before (ISO 8601, with a zone).")
    ] = None,
    amount_min: Annotated[int | None, Query(ge=0, description="取引金額 at least (yen).")] = None,
    amount_max: Annotated[int | None, Query(ge=0, description="取引金額 at most (yen).")] = None,
    counterparty: Annotated[
        str | None, Query(max_length=200, description="取引先 contains this.")
    ] = None,
    title: Annotated[str | None, Query(max_length=200, description="文書名 contains this.")] = None,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (1–200).")] = 50,
) -> EnvelopePageView:
    """Ids, filters and cursors are the agency's own: another agency's never match."""
    return await b.ask(
        "signing",
        ListEnvelopes(
            tenant_id=tenant.id,
            statuses=status or [],
            created_from=created_from,
            created_before=created_before,
            amount_min=amount_min,
            amount_max=amount_max,
            counterparty=counterparty,
            title=title,
            cursor=cursor,
            limit=limit,
        ),
    )
