"""Store port and the engine chosen by settings; no service knows which engine runs."""

from collections.abc import Sequence

from services.common.store.port import (
    After,
    AnyOf,
    Collection,
    ConcurrencyConflict,
    Condition,
    Contains,
    Document,
    IdempotentClaim,
    InUnitOfWork,
    OutboxMessage,
    Prefix,
    Range,
    Store,
    UndeclaredField,
    UnitOfWork,
)

__all__ = [
    "After",
    "AnyOf",
    "Collection",
    "ConcurrencyConflict",
    "Condition",
    "Contains",
    "Document",
    "IdempotentClaim",
    "InUnitOfWork",
    "OutboxMessage",
    "Prefix",
    "Range",
    "Store",
    "UndeclaredField",
    "UnitOfWork",
    "open_store",
]


def open_store(url: str, service: str, collections: Sequence[Collection]) -> Store:
    """`sqlite:///<dir>` → `<dir>/<service>.sqlite3`; `mongodb://…` → db `shomei_<service>`."""
    if url.startswith("sqlite:///"):
        from services.common.store.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"), service, collections)
    if url.startswith(("mongodb://", "mongodb+srv://")):
        from services.common.store.mongo import MongoStore

        return MongoStore(url, f"shomei_{service}", collections)
    raise ValueError(f"unknown store URL {url!r}: use sqlite:///<folder> or mongodb://…")
