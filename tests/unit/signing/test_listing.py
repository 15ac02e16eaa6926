"""The document list (D2) and dashboard (D1) on both store engines: every filter combined,
newest first, and cursor paging that returns each envelope exactly once.

2,000 envelopes on SQLite; 200 on MongoDB, whose stand-in server (mongoeco) is slow.
"""

import random
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.common.messages import Refused
from services.common.queries import GetDashboard, ListEnvelopes
from services.common.store import Store, open_store
from services.common.values import DocumentInfo
from services.signing import listing
from services.signing.repository import COLLECTIONS, EnvelopeRepository
from tests.unit.signing.builders import LINK, NOW, SENDER, make, party, secrets_counter, sign

COUNTERPARTIES = ["ABC家賃保証株式会社", "佐藤 一郎", "Sato Realty", "鈴木 花子"]


@pytest.fixture(params=[("sqlite", 2000), ("mongo", 200)], ids=["sqlite-2000", "mongo-200"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, int]:
    kind, count = request.param
    url = f"sqlite:///{tmp_path}" if kind == "sqlite" else str(request.getfixturevalue("mongo_url"))
    return url, count


@pytest.fixture
async def filled(engine: tuple[str, int]) -> AsyncIterator[tuple[Store, list[dict]]]:
    url, count = engine
    store = open_store(url, f"signing_{uuid.uuid4().hex[:10]}", COLLECTIONS)
    await store.open()
    rng = random.Random(11)
    facts = []
    async with store.unit_of_work() as uow:
        repo = EnvelopeRepository(uow)
        for n in range(count):
            counterparty = COUNTERPARTIES[n % 4]
            envelope = make(
                [party(counterparty if n % 4 != 0 else "受信者", kind="individual")],
                title=f"契約書 {n:04d}",
                now=NOW + timedelta(minutes=n),
                new_id=secrets_counter(f"e{n:04d}-"),
                document_info=DocumentInfo(
                    amount=rng.randrange(0, 200) * 1000, counterparty=counterparty
                ),
            )
            if n % 3:
                envelope.send(NOW + timedelta(minutes=n), secrets_counter(), LINK, SENDER)
            if n % 3 == 2:
                sign(envelope, 0)
            repo.save(envelope)
            facts.append(
                {
                    "id": envelope.id,
                    "status": envelope.status,
                    "created_at": envelope.created_at,
                    "amount": envelope.document_info.amount,
                    "counterparty": counterparty,
                    "title": envelope.title,
                }
            )
        await uow.commit()
    yield store, facts
    await store.close()


async def every_page(store: Store, **filters) -> list[str]:
    seen: list[str] = []
    cursor = None
    async with store.unit_of_work() as uow:
        while True:
            page = await listing.list_envelopes(
                ListEnvelopes(tenant_id="t1", cursor=cursor, limit=97, **filters), uow
            )
            seen += [item.id for item in page.items]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor


def newest_first(facts: list[dict]) -> list[str]:
    return [f["id"] for f in sorted(facts, key=lambda f: (f["created_at"], f["id"]), reverse=True)]


async def test_d2_paging_returns_each_envelope_once_newest_first(filled):
    store, facts = filled
    seen = await every_page(store)
    assert seen == newest_first(facts)
    assert len(set(seen)) == len(facts)


async def test_d2_status_dates_amounts_counterparty_and_title_combine(filled):
    store, facts = filled
    start, end = NOW + timedelta(minutes=50), NOW + timedelta(minutes=len(facts) - 20)
    filters = {
        "statuses": ["sent", "signed"],
        "created_from": start,
        "created_before": end,
        "amount_min": 20_000,
        "amount_max": 150_000,
        "counterparty": "sato",
        "title": "契約書 01",
    }
    expected = [
        f
        for f in facts
        if f["status"] in ("sent", "signed")
        and start <= f["created_at"] < end
        and 20_000 <= f["amount"] <= 150_000
        and "sato" in f["counterparty"].lower()
        and "契約書 01" in f["title"]
    ]
    assert expected
    assert await every_page(store, **filters) == newest_first(expected)


async def test_d2_a_forged_cursor_is_refused(filled):
    store, _ = filled
    async with store.unit_of_work() as uow:
        with pytest.raises(Refused):
            await listing.list_envelopes(ListEnvelopes(tenant_id="t1", cursor="!!"), uow)


async def test_d1_dashboard_counts_from_indexed_fields(filled):
    store, facts = filled
    async with store.unit_of_work() as uow:
        view = await listing.dashboard(
            GetDashboard(tenant_id="t1", plan_limit=100, latest=3), uow, NOW + timedelta(days=3)
        )
    assert view.awaiting_others == sum(f["status"] == "sent" for f in facts)
    assert view.awaiting_own == 0
    assert view.stored == 0 and view.plan_limit == 100
    assert view.sent_this_month == sum(f["status"] != "draft" for f in facts)
    assert [item.id for item in view.latest] == newest_first(facts)[:3]
