"""The store port every service keeps its aggregates through.

Aggregates are JSON documents with an `id` and a `version`. Writes are buffered in a unit
of work and applied atomically on `commit()`, together with the outbox messages and the
processed event ids, so a crash never separates a state change from the events it raises.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

Document = dict[str, Any]


class ConcurrencyConflict(Exception):
    """Someone else saved the aggregate (or processed the event) first; retry the handler."""


class UndeclaredField(ValueError):
    """find/count asked for a field the collection did not declare as indexed."""


@dataclass(frozen=True)
class Collection:
    name: str
    indexed: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    """Indexed fields whose non-null values must be unique across the collection."""
    sorted_within: tuple[tuple[str, ...], ...] = ()
    """Indexed fields matched for equality, then the one a list is ordered by: a page of
    the documents matching them is read in order (then id) from one compound index,
    not by sorting every match."""

    def __post_init__(self) -> None:
        for fields in self.sorted_within:
            if len(fields) < 2:
                raise ValueError(f"{self.name}: sorted_within needs a scope and an order")
            for name in fields:
                self.searched(name)

    def searchable(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.indexed, *self.unique)))

    def searched(self, field: str) -> str:
        """`field`, when it may be searched on; UndeclaredField otherwise."""
        if field not in self.searchable():
            raise UndeclaredField(f"{self.name}.{field} is not a declared indexed field")
        return field


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    routing_key: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    """Transport headers to publish with, e.g. the W3C trace context of the writer."""


@dataclass(frozen=True)
class IdempotentClaim:
    """What the store knows of one idempotency key when a command arrives with it."""

    acquired: bool
    """True: no run of this command is known; run it, then settle the key."""
    reply: Mapping[str, Any] | None = None
    """The first run's reply, once it has finished; None while it still runs."""


@dataclass(frozen=True)
class Range:
    """A `where` value: the field lies within these bounds (None: unbounded on that side)."""

    gte: Any = None
    lt: Any = None
    lte: Any = None
    gt: Any = None


@dataclass(frozen=True)
class Contains:
    """A `where` value: the text field contains `text`, ignoring the case of ASCII letters."""

    text: str


@dataclass(frozen=True)
class Prefix:
    """A `where` value: the text field starts with `text` (case-sensitive)."""

    text: str


@dataclass(frozen=True)
class AnyOf:
    """A `where` value: the field equals one of `values`."""

    values: tuple[Any, ...]


Condition = Range | Contains | Prefix | AnyOf
"""Besides a plain value (equality, None for null), what a `where` entry may hold."""


@dataclass(frozen=True)
class After:
    """Keyset cursor: rows strictly after (`value`, `id`) in the query's order."""

    value: Any
    id: str


class UnitOfWork(Protocol):
    async def get(self, collection: str, id: str) -> Document | None:
        """The stored document with its `version`, or None."""

    async def find(
        self,
        collection: str,
        where: Mapping[str, Any],
        *,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        after: After | None = None,
    ) -> list[Document]:
        """Match on declared indexed fields only (UndeclaredField otherwise): a plain value
        is equality, a `Condition` a range, prefix, substring or set. `after` continues a
        page ordered by `order_by` (then id), for keyset paging."""

    async def count(self, collection: str, where: Mapping[str, Any]) -> int: ...

    def save(self, collection: str, doc: Document) -> None:
        """Buffer a write. `doc["version"]` is the version it was loaded at (0 = new);
        commit fails with ConcurrencyConflict if the stored version differs, and on
        success sets `doc["version"]` to the new version."""

    def add_outbox(self, message: OutboxMessage) -> None: ...

    async def was_processed(self, event_id: str) -> bool: ...

    def mark_processed(self, event_id: str) -> None:
        """Commit fails with ConcurrencyConflict if the id was already recorded."""

    async def commit(self) -> None: ...


InUnitOfWork = Callable[[Callable[[UnitOfWork], Awaitable[Any]]], Awaitable[Any]]
"""Runs work in a fresh unit of work, retrying on conflicts (`ServiceRuntime.in_unit_of_work`)."""


class Store(Protocol):
    collections: Sequence[Collection]

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """Nothing is written unless `commit()` is awaited inside the block."""

    async def pending_outbox(self, limit: int = 100) -> list[OutboxMessage]:
        """Oldest first, claimed or not: for looking, never for relaying."""

    async def claim_outbox(
        self, owner: str, limit: int = 100, lease_seconds: float = 30.0
    ) -> list[OutboxMessage]:
        """Lease up to `limit` of the oldest rows to `owner`, atomically, and return them.

        A row is claimable when nobody holds it, `owner` already holds it, or its lease
        ran out; so several relays on one store each publish a row once, and a row whose
        relay died goes out again once the lease ends.
        """

    async def mark_relayed(self, ids: Sequence[str]) -> None: ...

    async def delete_expired(
        self, collection: str, field: str, before: Any, limit: int = 500
    ) -> int:
        """Delete up to `limit` documents whose indexed `field` lies below `before`; how
        many. For records with a lifetime (kept answers, counters), never for aggregates:
        a save racing the delete meets a version conflict and writes the record anew."""

    async def forget_processed(self, before: datetime, limit: int = 500) -> int:
        """Forget up to `limit` of the event ids recorded processed before `before`; how
        many. A copy of such an event arriving later would be handled again."""

    async def claim_idempotency_key(self, key: str, hold_seconds: float) -> IdempotentClaim:
        """Atomically take `key` for one run, or say how its first run went.

        A key held longer than `hold_seconds` without being settled (its runner died) is
        free again.
        """

    async def settle_idempotency_key(
        self, key: str, reply: Mapping[str, Any] | None, keep_seconds: float
    ) -> None:
        """Keep the first run's reply for `keep_seconds`; None frees the key for a retry."""

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback()` (sync, no args) after each commit that added outbox messages."""
