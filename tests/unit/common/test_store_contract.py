"""One contract for the store port, run on both engines (SQLite file, MongoDB wire server).

Each test is named for the rule it proves; a rule that holds on one engine only is a bug.
"""

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from services.common.store import (
    Collection,
    ConcurrencyConflict,
    IdempotentClaim,
    OutboxMessage,
    Store,
    UndeclaredField,
    open_store,
)

CONTRACTS = Collection(
    "contracts",
    indexed=("tenant", "status", "created", "party.email"),
    unique=("code",),
    sorted_within=(("tenant", "created"),),
)
NOTES = Collection("notes")
COLLECTIONS = (CONTRACTS, NOTES)

OpenStore = Callable[[Sequence[Collection]], Awaitable[Store]]


@pytest.fixture(params=["sqlite", "mongo"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}"
    return str(request.getfixturevalue("mongo_url"))


@pytest.fixture
def service() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def open_test_store(store_url: str, service: str) -> AsyncIterator[OpenStore]:
    """Opens stores on one fresh location (file or database), closing them all afterwards."""
    opened: list[Store] = []

    async def _open(collections: Sequence[Collection] = COLLECTIONS) -> Store:
        store = open_store(store_url, service, collections)
        await store.open()
        opened.append(store)
        return store

    yield _open
    for store in reversed(opened):
        await store.close()


@pytest.fixture
async def store(open_test_store: OpenStore) -> Store:
    return await open_test_store(COLLECTIONS)


def contract(id: str, **fields: object) -> dict[str, object]:
    return {"id": id, "version": 0, "tenant": "t1", "status": "draft", **fields}


async def insert(store: Store, *docs: dict[str, object]) -> None:
    async with store.unit_of_work() as uow:
        for doc in docs:
            uow.save("contracts", doc)
        await uow.commit()


# -- documents and versions -------------------------------------------------------------


async def test_saved_document_round_trips_at_version_1(store: Store) -> None:
    doc = contract("c1", party={"email": "a@example.jp", "name": "山田"}, pages=[1, 2])
    await insert(store, doc)
    async with store.unit_of_work() as uow:
        assert await uow.get("contracts", "c1") == {**doc, "version": 1}
        assert await uow.get("contracts", "missing") is None


async def test_commit_bumps_the_version_in_place_and_in_the_store(store: Store) -> None:
    doc = contract("c1")
    await insert(store, doc)
    assert doc["version"] == 1
    async with store.unit_of_work() as uow:
        loaded = await uow.get("contracts", "c1")
        assert loaded is not None
        loaded["status"] = "sent"
        uow.save("contracts", loaded)
        await uow.commit()
        assert loaded["version"] == 2
        assert await uow.get("contracts", "c1") == {**contract("c1", status="sent"), "version": 2}


async def test_update_replaces_the_whole_document(store: Store) -> None:
    await insert(store, contract("c1", note="temporary"))
    async with store.unit_of_work() as uow:
        loaded = await uow.get("contracts", "c1")
        assert loaded is not None
        del loaded["note"]
        uow.save("contracts", loaded)
        await uow.commit()
        assert "note" not in (await uow.get("contracts", "c1") or {})


async def test_saving_a_stale_version_is_a_conflict(store: Store) -> None:
    await insert(store, contract("c1"))
    async with store.unit_of_work() as uow:
        stale = contract("c1", status="sent")
        stale["version"] = 5
        uow.save("contracts", stale)
        with pytest.raises(ConcurrencyConflict):
            await uow.commit()
        assert stale["version"] == 5
        assert (await uow.get("contracts", "c1") or {})["status"] == "draft"


async def test_inserting_an_existing_id_is_a_conflict(store: Store) -> None:
    await insert(store, contract("c1"))
    with pytest.raises(ConcurrencyConflict):
        await insert(store, contract("c1", status="other"))
    async with store.unit_of_work() as uow:
        assert (await uow.get("contracts", "c1") or {})["status"] == "draft"


async def test_a_unique_field_value_can_be_held_by_one_document_only(store: Store) -> None:
    await insert(store, contract("c1", code="ABC"))
    with pytest.raises(ConcurrencyConflict):
        await insert(store, contract("c2", code="ABC"))
    async with store.unit_of_work() as uow:
        assert await uow.get("contracts", "c2") is None


async def test_unique_fields_allow_many_missing_or_null_values(store: Store) -> None:
    await insert(store, contract("c1"), contract("c2"), contract("c3", code=None))
    await insert(store, contract("c4", code=None))
    async with store.unit_of_work() as uow:
        assert await uow.count("contracts", {"code": None}) == 4


async def test_saving_to_an_undeclared_collection_is_refused(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(ValueError):
            uow.save("nowhere", {"id": "x", "version": 0})


async def test_data_survives_closing_and_reopening_the_store(
    store: Store, open_test_store: OpenStore
) -> None:
    await insert(store, contract("c1"))
    await store.close()
    reopened = await open_test_store(COLLECTIONS)
    async with reopened.unit_of_work() as uow:
        assert (await uow.get("contracts", "c1") or {})["version"] == 1


# -- find and count ---------------------------------------------------------------------


async def test_find_matches_equality_on_declared_fields(store: Store) -> None:
    await insert(
        store,
        contract("c1", party={"email": "a@x.jp"}),
        contract("c2", status="sent", party={"email": "b@x.jp"}),
        contract("c3", tenant="t2", status="sent"),
    )
    async with store.unit_of_work() as uow:
        sent = await uow.find("contracts", {"status": "sent"})
        assert [d["id"] for d in sent] == ["c2", "c3"]
        both = await uow.find("contracts", {"tenant": "t1", "status": "sent"})
        assert [d["id"] for d in both] == ["c2"]
        by_email = await uow.find("contracts", {"party.email": "b@x.jp"})
        assert [d["id"] for d in by_email] == ["c2"]
        assert [d["id"] for d in await uow.find("contracts", {"party.email": None})] == ["c3"]
        assert [d["id"] for d in await uow.find("contracts", {"id": "c3"})] == ["c3"]
        assert len(await uow.find("contracts", {})) == 3
        assert await uow.find("contracts", {"status": "void"}) == []


async def test_find_keeps_searchable_columns_in_sync_on_update(store: Store) -> None:
    await insert(store, contract("c1"))
    async with store.unit_of_work() as uow:
        loaded = await uow.get("contracts", "c1")
        assert loaded is not None
        loaded["status"] = "signed"
        uow.save("contracts", loaded)
        await uow.commit()
        assert await uow.count("contracts", {"status": "draft"}) == 0
        assert await uow.count("contracts", {"status": "signed"}) == 1


async def test_find_orders_by_a_declared_field_or_id_and_limits(store: Store) -> None:
    await insert(
        store,
        contract("a", created="2024-03-01"),
        contract("b", created="2024-01-01"),
        contract("c", created="2024-02-01"),
    )
    async with store.unit_of_work() as uow:
        asc = await uow.find("contracts", {"tenant": "t1"}, order_by="created")
        assert [d["id"] for d in asc] == ["b", "c", "a"]
        desc = await uow.find("contracts", {}, order_by="created", descending=True, limit=2)
        assert [d["id"] for d in desc] == ["a", "c"]
        by_id = await uow.find("contracts", {}, order_by="id", descending=True)
        assert [d["id"] for d in by_id] == ["c", "b", "a"]
        assert [d["id"] for d in await uow.find("contracts", {}, limit=1)] == ["a"]


async def test_a_list_sorted_within_a_scope_comes_from_its_compound_index(
    store: Store, store_url: str, service: str
) -> None:
    await insert(store, *(contract(f"c{i}", created=f"2024-01-{i + 10}") for i in range(5)))
    async with store.unit_of_work() as uow:
        newest = await uow.find(
            "contracts", {"tenant": "t1"}, order_by="created", descending=True, limit=2
        )
    assert [d["id"] for d in newest] == ["c4", "c3"]
    if store_url.startswith("sqlite:///"):
        db_file = Path(store_url.removeprefix("sqlite:///")) / f"{service}.sqlite3"
        with closing(sqlite3.connect(db_file)) as db:
            plan = db.execute(
                "EXPLAIN QUERY PLAN SELECT data FROM contracts WHERE tenant = ?"
                " ORDER BY created DESC, id DESC LIMIT 2",
                ("t1",),
            ).fetchall()
        assert "ix_contracts_tenant__created" in str(plan) and "TEMP B-TREE" not in str(plan)
    else:
        client: AsyncMongoClient = AsyncMongoClient(store_url)
        try:
            indexes = await client[f"shomei_{service}"]["contracts"].index_information()
        finally:
            await client.close()
        assert indexes["ix_tenant__created"]["key"] == [("tenant", 1), ("created", 1), ("_id", 1)]


def test_a_sorted_list_names_a_scope_and_an_order_of_declared_fields() -> None:
    with pytest.raises(UndeclaredField):
        Collection("c", indexed=("tenant",), sorted_within=(("tenant", "created"),))
    with pytest.raises(ValueError, match="scope and an order"):
        Collection("c", indexed=("created",), sorted_within=(("created",),))


async def test_count_counts_what_find_matches(store: Store) -> None:
    await insert(store, contract("c1"), contract("c2"), contract("c3", status="sent"))
    async with store.unit_of_work() as uow:
        assert await uow.count("contracts", {}) == 3
        assert await uow.count("contracts", {"status": "draft"}) == 2
        assert await uow.count("contracts", {"tenant": "t9"}) == 0


async def test_querying_an_undeclared_field_raises(store: Store) -> None:
    await insert(store, contract("c1", colour="red"))
    async with store.unit_of_work() as uow:
        with pytest.raises(UndeclaredField):
            await uow.find("contracts", {"colour": "red"})
        with pytest.raises(UndeclaredField):
            await uow.count("contracts", {"colour": "red"})
        with pytest.raises(UndeclaredField):
            await uow.find("contracts", {}, order_by="colour")
        with pytest.raises(UndeclaredField):
            await uow.find("notes", {"tenant": "t1"})


async def test_a_newly_declared_field_is_searchable_for_existing_documents(
    store: Store, open_test_store: OpenStore
) -> None:
    await insert(store, contract("c1", region="kanto"), contract("c2", region="kansai"))
    await store.close()
    wider = Collection("contracts", indexed=(*CONTRACTS.indexed, "region"), unique=("code",))
    reopened = await open_test_store((wider, NOTES))
    async with reopened.unit_of_work() as uow:
        assert [d["id"] for d in await uow.find("contracts", {"region": "kansai"})] == ["c2"]


# -- unit of work, outbox, processed events ---------------------------------------------


async def test_nothing_is_written_when_commit_is_not_called(store: Store) -> None:
    async with store.unit_of_work() as uow:
        uow.save("contracts", contract("c1"))
        uow.add_outbox(OutboxMessage("m1", "contract.created"))
        uow.mark_processed("e1")
    async with store.unit_of_work() as uow:
        assert await uow.get("contracts", "c1") is None
        assert not await uow.was_processed("e1")
    assert await store.pending_outbox() == []


async def test_outbox_and_processed_ids_are_committed_with_the_save(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert not await uow.was_processed("e1")
        uow.save("contracts", contract("c1"))
        uow.add_outbox(OutboxMessage("m1", "contract.created", {"id": "c1", "n": [1, 2]}))
        uow.mark_processed("e1")
        await uow.commit()
        assert await uow.was_processed("e1")
    assert await store.pending_outbox() == [
        OutboxMessage("m1", "contract.created", {"id": "c1", "n": [1, 2]})
    ]


async def test_a_conflicting_commit_writes_no_outbox_and_no_processed_id(store: Store) -> None:
    await insert(store, contract("c1"))
    async with store.unit_of_work() as uow:
        uow.save("contracts", contract("c2"))  # a valid write in the same batch
        uow.save("contracts", contract("c1"))  # version 0 again: conflict
        uow.add_outbox(OutboxMessage("m1", "contract.created"))
        uow.mark_processed("e1")
        with pytest.raises(ConcurrencyConflict):
            await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.get("contracts", "c2") is None
        assert not await uow.was_processed("e1")
    assert await store.pending_outbox() == []


async def test_processing_an_event_twice_is_a_conflict(store: Store) -> None:
    async with store.unit_of_work() as uow:
        uow.mark_processed("e1")
        await uow.commit()
    async with store.unit_of_work() as uow:
        uow.save("contracts", contract("c1"))
        uow.mark_processed("e1")
        with pytest.raises(ConcurrencyConflict):
            await uow.commit()
        assert await uow.get("contracts", "c1") is None


async def test_pending_outbox_is_oldest_first_and_mark_relayed_removes(store: Store) -> None:
    for batch in (["m1", "m2"], ["m3"], ["m4", "m5", "m6"]):
        async with store.unit_of_work() as uow:
            for mid in batch:
                uow.add_outbox(OutboxMessage(mid, f"rk.{mid}", {"mid": mid}))
            await uow.commit()
    pending = await store.pending_outbox()
    assert [m.id for m in pending] == ["m1", "m2", "m3", "m4", "m5", "m6"]
    assert pending[2] == OutboxMessage("m3", "rk.m3", {"mid": "m3"})
    assert [m.id for m in await store.pending_outbox(limit=2)] == ["m1", "m2"]
    await store.mark_relayed(["m1", "m2", "m4"])
    await store.mark_relayed([])
    assert [m.id for m in await store.pending_outbox()] == ["m3", "m5", "m6"]


async def test_an_outbox_row_is_leased_to_one_relay_until_its_lease_ends(store: Store) -> None:
    async with store.unit_of_work() as uow:
        for mid in ("m1", "m2", "m3"):
            uow.add_outbox(OutboxMessage(mid, f"rk.{mid}"))
        await uow.commit()
    assert [m.id for m in await store.claim_outbox("a", limit=2)] == ["m1", "m2"]
    assert [m.id for m in await store.claim_outbox("b")] == ["m3"]
    assert await store.claim_outbox("c") == []
    assert [m.id for m in await store.claim_outbox("a")] == ["m1", "m2"]  # its own, again
    await store.mark_relayed(["m1"])
    assert [m.id for m in await store.claim_outbox("a", lease_seconds=0)] == ["m2"]
    await asyncio.sleep(0.01)
    assert [m.id for m in await store.claim_outbox("b")] == ["m2", "m3"]  # lease ran out


async def test_an_idempotency_key_is_taken_once_then_answers_its_first_reply(store: Store) -> None:
    assert (await store.claim_idempotency_key("k1", hold_seconds=60)).acquired
    assert await store.claim_idempotency_key("k1", 60) == IdempotentClaim(acquired=False)
    await store.settle_idempotency_key("k1", {"ok": True, "data": {"id": "e1"}}, 60)
    assert await store.claim_idempotency_key("k1", 60) == IdempotentClaim(
        acquired=False, reply={"ok": True, "data": {"id": "e1"}}
    )
    assert (await store.claim_idempotency_key("k2", 60)).acquired
    await store.settle_idempotency_key("k2", None, 60)  # the run failed: a retry may run
    assert (await store.claim_idempotency_key("k2", 60)).acquired
    assert (await store.claim_idempotency_key("k3", hold_seconds=0)).acquired
    await asyncio.sleep(0.01)
    assert (await store.claim_idempotency_key("k3", 60)).acquired  # its runner died


async def test_on_commit_fires_after_commits_that_added_outbox_messages(store: Store) -> None:
    calls: list[str] = []
    store.on_commit(lambda: calls.append("relay"))
    store.on_commit(lambda: 1 / 0)  # a broken hook neither hides the commit nor others
    await insert(store, contract("c1"))
    assert calls == []
    async with store.unit_of_work() as uow:
        uow.add_outbox(OutboxMessage("m1", "contract.created"))
        await uow.commit()
    assert calls == ["relay"]
    async with store.unit_of_work() as uow:
        uow.save("contracts", contract("c1"))
        uow.add_outbox(OutboxMessage("m2", "contract.created"))
        with pytest.raises(ConcurrencyConflict):
            await uow.commit()
    assert calls == ["relay"]


# -- concurrency ------------------------------------------------------------------------


async def test_concurrent_unit_of_works_on_one_aggregate_exactly_one_wins(store: Store) -> None:
    await insert(store, contract("c1"))

    async def change(status: str) -> str:
        async with store.unit_of_work() as uow:
            loaded = await uow.get("contracts", "c1")
            assert loaded is not None
            await asyncio.sleep(0)  # let every contender load version 1 first
            loaded["status"] = status
            uow.save("contracts", loaded)
            uow.add_outbox(OutboxMessage(f"m-{status}", "contract.changed"))
            uow.mark_processed(f"e-{status}")
            await uow.commit()
            return status

    outcomes = await asyncio.gather(*(change(f"s{i}") for i in range(5)), return_exceptions=True)
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1
    assert all(isinstance(o, ConcurrencyConflict) for o in outcomes if o not in winners)
    async with store.unit_of_work() as uow:
        final = await uow.get("contracts", "c1")
        assert final is not None
        assert (final["status"], final["version"]) == (winners[0], 2)
        for i in range(5):
            assert await uow.was_processed(f"e-s{i}") == (f"s{i}" == winners[0])
    assert [m.id for m in await store.pending_outbox()] == [f"m-{winners[0]}"]


async def test_concurrent_inserts_of_one_id_exactly_one_wins(store: Store) -> None:
    async def create(n: int) -> int:
        await insert(store, contract("c1", n=n))
        return n

    outcomes = await asyncio.gather(*(create(n) for n in range(4)), return_exceptions=True)
    winners = [o for o in outcomes if isinstance(o, int)]
    assert len(winners) == 1
    assert sum(isinstance(o, ConcurrencyConflict) for o in outcomes) == 3
    async with store.unit_of_work() as uow:
        assert (await uow.get("contracts", "c1") or {})["n"] == winners[0]


async def test_two_stores_on_one_location_behave_like_two_processes(
    store: Store, open_test_store: OpenStore
) -> None:
    """Each store has its own connection and lock, so only the engine arbitrates here."""
    other = await open_test_store(COLLECTIONS)
    await insert(store, contract("c1"))

    async def change(target: Store, status: str) -> str:
        async with target.unit_of_work() as uow:
            loaded = await uow.get("contracts", "c1")
            assert loaded is not None
            await asyncio.sleep(0)
            loaded["status"] = status
            uow.save("contracts", loaded)
            uow.save("notes", {"id": f"n-{status}", "version": 0})
            await uow.commit()
            return status

    for round in range(3):
        outcomes = await asyncio.gather(
            change(store, f"a{round}"), change(other, f"b{round}"), return_exceptions=True
        )
        winners = [o for o in outcomes if isinstance(o, str)]
        assert len(winners) == 1, outcomes
        assert sum(isinstance(o, ConcurrencyConflict) for o in outcomes) == 1, outcomes
        for target in (store, other):  # the loser left nothing behind, seen from either side
            async with target.unit_of_work() as uow:
                final = await uow.get("contracts", "c1")
                assert final is not None
                assert (final["status"], final["version"]) == (winners[0], round + 2)
                assert await uow.count("notes", {}) == round + 1

    async def create(target: Store, n: int) -> None:
        await insert(target, contract(f"x{n}"))

    # unrelated writes from both "processes" at once all succeed
    await asyncio.gather(*(create(store if n % 2 else other, n) for n in range(6)))
    async with store.unit_of_work() as uow:
        assert await uow.count("contracts", {"status": "draft"}) == 6


async def test_forget_processed_removes_a_bounded_batch_recorded_before_the_cutoff_only(
    store: Store,
) -> None:
    async def mark(*event_ids: str) -> None:
        async with store.unit_of_work() as uow:
            for event_id in event_ids:
                uow.mark_processed(event_id)
            await uow.commit()

    await mark("e1", "e2", "e3")
    await asyncio.sleep(0.01)
    cutoff = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await mark("e4")
    assert await store.forget_processed(cutoff, limit=2) == 2
    assert await store.forget_processed(cutoff) == 1
    assert await store.forget_processed(cutoff) == 0
    async with store.unit_of_work() as uow:
        assert [await uow.was_processed(e) for e in ("e1", "e2", "e3", "e4")] == [
            False,
            False,
            False,
            True,
        ]


async def test_delete_expired_removes_a_bounded_batch_below_the_cutoff_only(store: Store) -> None:
    await insert(
        store,
        *(contract(f"old{i}", created=f"2026-01-0{i + 1}") for i in range(5)),
        contract("new", created="2026-06-01"),
        contract("undated"),
    )
    assert await store.delete_expired("contracts", "created", "2026-03-01", limit=3) == 3
    assert await store.delete_expired("contracts", "created", "2026-03-01") == 2
    assert await store.delete_expired("contracts", "created", "2026-03-01") == 0
    async with store.unit_of_work() as uow:
        assert {d["id"] for d in await uow.find("contracts", {})} == {"new", "undated"}
    with pytest.raises(UndeclaredField):
        await store.delete_expired("contracts", "title", "x")
