"""The document list (D2) and the dashboard counts (D1), read from indexed fields only.

The list is newest first by creation time, then id; its cursor is that pair, so a page
continues exactly after the last line shown even while envelopes are being added.
"""

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from services.common.messages import Refused
from services.common.queries import GetDashboard, ListEnvelopes
from services.common.refusals import RefusalCode
from services.common.store import After, AnyOf, Contains, Range, UnitOfWork
from services.common.views import DashboardView, EnvelopePageView
from services.signing.repository import utc_text
from services.signing.views import summary_view

ORDER = "index.created_at"
JST = timezone(timedelta(hours=9))


def encode_cursor(doc: dict[str, Any]) -> str:
    raw = json.dumps([doc["index"]["created_at"], doc["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> After:
    try:
        value, id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise Refused(RefusalCode.invalid_cursor) from exc
    if not (isinstance(value, str) and isinstance(id, str)):
        raise Refused(RefusalCode.invalid_cursor)
    return After(value, id)


def list_conditions(q: ListEnvelopes) -> dict[str, Any]:
    where: dict[str, Any] = {"tenant_id": q.tenant_id}
    if q.statuses:
        where["status"] = AnyOf(tuple(dict.fromkeys(q.statuses)))
    if q.created_from or q.created_before:
        where[ORDER] = Range(gte=utc_text(q.created_from), lt=utc_text(q.created_before))
    if q.amount_min is not None or q.amount_max is not None:
        where["index.amount"] = Range(gte=q.amount_min, lte=q.amount_max)
    if q.counterparty:
        where["index.counterparty"] = Contains(q.counterparty)
    if q.title:
        where["index.title"] = Contains(q.title)
    return where


async def list_envelopes(q: ListEnvelopes, uow: UnitOfWork) -> EnvelopePageView:
    docs = await uow.find(
        "envelopes",
        list_conditions(q),
        order_by=ORDER,
        descending=True,
        limit=q.limit + 1,
        after=decode_cursor(q.cursor) if q.cursor else None,
    )
    page = docs[: q.limit]
    return EnvelopePageView(
        items=[summary_view(d) for d in page],
        next_cursor=encode_cursor(page[-1]) if len(docs) > q.limit else None,
    )


def month_start(now: datetime) -> datetime:
    """The first of this month in Japan, as a UTC time."""
    local = now.astimezone(JST)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


async def dashboard(q: GetDashboard, uow: UnitOfWork, now: datetime) -> DashboardView:
    tenant = {"tenant_id": q.tenant_id}
    latest = await uow.find("envelopes", tenant, order_by=ORDER, descending=True, limit=q.latest)
    return DashboardView(
        awaiting_own=await uow.count("envelopes", {**tenant, "index.awaiting": "own"}),
        awaiting_others=await uow.count("envelopes", {**tenant, "index.awaiting": "others"}),
        sent_this_month=await uow.count(
            "envelopes", {**tenant, "index.sent_at": Range(gte=utc_text(month_start(now)))}
        ),
        stored=await uow.count("envelopes", {**tenant, "status": "completed"}),
        plan_limit=q.plan_limit,
        latest=[summary_view(d) for d in latest] if q.latest else [],
    )
