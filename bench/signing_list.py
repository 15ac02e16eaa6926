"""What the document list (D2) and the dashboard (D1) cost on the SQLite engine: 2,000
envelopes of one agency, a page of 50 newest first, a page deep into the list by cursor,
every filter combined, and the dashboard counts.

uv run python -m bench.signing_list
"""

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from services.common.commands import FieldInput, PartyInput
from services.common.queries import GetDashboard, ListEnvelopes
from services.common.store import Store, open_store
from services.common.values import DocumentInfo, PageSize
from services.signing import listing
from services.signing.model import Envelope
from services.signing.repository import COLLECTIONS, EnvelopeRepository

COUNT = 2000
ROUNDS = 50
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def envelope(n: int) -> Envelope:
    ids = iter(f"e{n:05d}-{i}" for i in range(10))
    return Envelope.create(
        tenant_id="t1",
        sender_name="デモ不動産",
        sender_email="staff@demo.example",
        title=f"賃貸借契約書 {n:05d}",
        document_id="d1",
        pages=[PageSize(width=595, height=842)],
        parties=[PartyInput(name="佐藤 一郎", email=f"p{n}@example.jp")],
        fields=[FieldInput(party=0, page=1, x=400, y=700, width=60, height=60)],
        code_digests=[None],
        now=NOW + timedelta(minutes=n),
        new_id=lambda: next(ids),
        document_info=DocumentInfo(amount=(n % 200) * 1000, counterparty=f"取引先 {n % 37}"),
    )


async def timed(store: Store, label: str, work: Callable[..., Awaitable[object]]) -> None:
    async with store.unit_of_work() as uow:
        start = time.perf_counter()
        for _ in range(ROUNDS):
            await work(uow)
        seconds = (time.perf_counter() - start) / ROUNDS
    print(f"{label}: {seconds * 1e3:.2f} ms")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{folder}", "signing", COLLECTIONS)
        await store.open()
        async with store.unit_of_work() as uow:
            for n in range(COUNT):
                EnvelopeRepository(uow).save(envelope(n))
            await uow.commit()
        async with store.unit_of_work() as uow:
            first = await listing.list_envelopes(ListEnvelopes(tenant_id="t1"), uow)
            deep = first.next_cursor
            for _ in range(20):
                page = await listing.list_envelopes(ListEnvelopes(tenant_id="t1", cursor=deep), uow)
                deep = page.next_cursor
        print(f"{COUNT} envelopes on SQLite, {ROUNDS} rounds each")
        await timed(
            store,
            "first page of 50",
            lambda uow: listing.list_envelopes(ListEnvelopes(tenant_id="t1"), uow),
        )
        await timed(
            store,
            "page 22 by cursor",
            lambda uow: listing.list_envelopes(ListEnvelopes(tenant_id="t1", cursor=deep), uow),
        )
        combined = ListEnvelopes(
            tenant_id="t1",
            statuses=["draft"],
            created_from=NOW,
            created_before=NOW + timedelta(days=1),
            amount_min=10_000,
            amount_max=150_000,
            counterparty="取引先 1",
            title="契約書",
        )
        await timed(
            store, "every filter combined", lambda uow: listing.list_envelopes(combined, uow)
        )
        await timed(
            store,
            "dashboard counts",
            lambda uow: listing.dashboard(GetDashboard(tenant_id="t1"), uow, NOW),
        )
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
