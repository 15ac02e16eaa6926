"""The store port's conditions and keyset paging, on both engines: ranges, prefixes,
substrings, sets and `After`, combined with equality, counted like `find` matches (D2)."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.common.store import (
    After,
    AnyOf,
    Collection,
    Contains,
    Prefix,
    Range,
    Store,
    UndeclaredField,
    open_store,
)

ITEMS = Collection("items", indexed=("tenant", "status", "keys.at", "keys.amount", "keys.name"))


@pytest.fixture(params=["sqlite", "mongo"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}"
    return str(request.getfixturevalue("mongo_url"))


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    store = open_store(store_url, f"test_{uuid.uuid4().hex[:12]}", (ITEMS,))
    await store.open()
    yield store
    await store.close()


def item(n: int, **keys: object) -> dict[str, object]:
    return {
        "id": f"i{n:03d}",
        "version": 0,
        "tenant": "t1",
        "status": "sent" if n % 2 else "draft",
        "keys": {"at": f"2026-01-{n % 28 + 1:02d}T00:00:{n % 60:02d}", "amount": n * 1000, **keys},
    }


async def fill(store: Store, docs: list[dict[str, object]]) -> None:
    async with store.unit_of_work() as uow:
        for doc in docs:
            uow.save("items", doc)
        await uow.commit()


async def test_range_prefix_contains_and_any_of_combine_with_equality(store: Store) -> None:
    names = ["ABC家賃保証株式会社", "abc不動産", "佐藤 一郎", "Sato Ichiro", "100%_rent"]
    await fill(store, [item(n, name=names[n % len(names)]) for n in range(1, 41)])
    async with store.unit_of_work() as uow:
        ranged = await uow.find(
            "items", {"tenant": "t1", "keys.amount": Range(gte=10_000, lte=20_000)}
        )
        assert sorted(d["keys"]["amount"] for d in ranged) == list(range(10_000, 20_001, 1000))
        contains = await uow.find("items", {"keys.name": Contains("abc")})
        assert {d["keys"]["name"] for d in contains} == {"ABC家賃保証株式会社", "abc不動産"}
        assert {
            d["keys"]["name"] for d in await uow.find("items", {"keys.name": Prefix("abc")})
        } == {"abc不動産"}
        literal = await uow.find("items", {"keys.name": Contains("%_")})
        assert {d["keys"]["name"] for d in literal} == {"100%_rent"}
        both = {
            "status": AnyOf(("sent",)),
            "keys.name": Contains("一郎"),
            "keys.amount": Range(lt=20_000),
        }
        found = await uow.find("items", both)
        assert found and all(
            d["status"] == "sent" and "一郎" in d["keys"]["name"] and d["keys"]["amount"] < 20_000
            for d in found
        )
        assert await uow.count("items", both) == len(found)
        assert await uow.find("items", {"status": AnyOf(())}) == []


async def test_keyset_paging_returns_each_row_once_in_order(store: Store) -> None:
    await fill(store, [item(n) for n in range(1, 58)])
    seen: list[str] = []
    after: After | None = None
    async with store.unit_of_work() as uow:
        while True:
            page = await uow.find(
                "items",
                {"tenant": "t1"},
                order_by="keys.at",
                descending=True,
                limit=10,
                after=after,
            )
            if not page:
                break
            seen += [d["id"] for d in page]
            after = After(page[-1]["keys"]["at"], page[-1]["id"])
        everything = await uow.find("items", {"tenant": "t1"}, order_by="keys.at", descending=True)
    assert seen == [d["id"] for d in everything]
    assert len(seen) == len(set(seen)) == 57


async def test_conditions_on_undeclared_fields_are_refused(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(UndeclaredField):
            await uow.find("items", {"keys.other": Range(gte=1)})
