"""The agency's envelope list (D2): filters and an opaque cursor, newest first.

The store port matches on equality only, so the tenant (an indexed field) narrows the read
and the other filters and the order are applied here: simple, and fine for the thousands
of envelopes an agency keeps; a store with range conditions and a keyset cursor can take
this over without changing the query.
"""

import base64
import json
from datetime import datetime
from typing import Any

from services.common.messages import Refused
from services.common.queries import ListEnvelopes
from services.common.refusals import RefusalCode
from services.common.store import UnitOfWork
from services.common.views import EnvelopePageView, EnvelopeSummaryView


def _cursor(created_at: str, envelope_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([created_at, envelope_id]).encode()).decode()


def _position(cursor: str) -> tuple[str, str]:
    try:
        created_at, envelope_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        datetime.fromisoformat(created_at)
        return str(created_at), str(envelope_id)
    except (ValueError, TypeError):
        raise Refused(RefusalCode.invalid_cursor) from None


def _matches(doc: dict[str, Any], q: ListEnvelopes) -> bool:
    created = datetime.fromisoformat(doc["created_at"])
    if q.statuses and doc["status"] not in q.statuses:
        return False
    if q.created_from and created < q.created_from:
        return False
    if q.created_before and created >= q.created_before:
        return False
    if q.title and q.title.casefold() not in doc["title"].casefold():
        return False
    if q.counterparty:
        wanted = q.counterparty.casefold()
        names = [
            str(p.get(k) or "").casefold()
            for p in doc["parties"]
            for k in ("name", "email", "phone")
        ]
        if not any(wanted in n for n in names):
            return False
    return True


async def list_envelopes(q: ListEnvelopes, uow: UnitOfWork) -> EnvelopePageView:
    docs = await uow.find("envelopes", {"tenant_id": q.tenant_id})
    ordered = sorted(
        (d for d in docs if _matches(d, q)),
        key=lambda d: (datetime.fromisoformat(d["created_at"]), d["id"]),
        reverse=True,
    )
    if q.cursor:
        created_at, envelope_id = _position(q.cursor)
        after = (datetime.fromisoformat(created_at), envelope_id)
        ordered = [d for d in ordered if (datetime.fromisoformat(d["created_at"]), d["id"]) < after]
    page = ordered[: q.limit]
    more = len(ordered) > q.limit
    return EnvelopePageView(
        items=[
            EnvelopeSummaryView(
                id=d["id"],
                title=d["title"],
                status=d["status"],
                created_at=d["created_at"],
                sent_at=d.get("sent_at"),
            )
            for d in page
        ],
        next_cursor=_cursor(page[-1]["created_at"], page[-1]["id"]) if more and page else None,
    )
