"""The unit of work both engines share: buffer writes, hand them to the engine on commit.

Keeping the buffering here means the two engines differ only in how they read and how they
apply one batch atomically, which is exactly what the contract tests compare.
"""

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

from services.common.store.port import After, Collection, Document, OutboxMessage

log = logging.getLogger(__name__)


class Engine(Protocol):
    def collection(self, name: str) -> Collection: ...

    async def get(self, collection: str, id: str) -> Document | None: ...

    async def find(
        self,
        collection: str,
        where: Mapping[str, Any],
        *,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        after: After | None = None,
    ) -> list[Document]: ...

    async def count(self, collection: str, where: Mapping[str, Any]) -> int: ...

    async def was_processed(self, event_id: str) -> bool: ...

    async def apply(
        self,
        saves: Sequence[tuple[str, Document]],
        outbox: Sequence[OutboxMessage],
        processed: Sequence[str],
    ) -> None:
        """Write everything or nothing; ConcurrencyConflict on a version/unique/id clash."""


def field_value(doc: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path, None when any step is missing."""
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


class BufferedUnitOfWork:
    """Reads go straight to the engine; writes wait for `commit()`."""

    def __init__(self, engine: Engine, on_outbox_commit: Callable[[], None]) -> None:
        self._engine = engine
        self._on_outbox_commit = on_outbox_commit
        self._saves: dict[tuple[str, str], Document] = {}
        self._outbox: list[OutboxMessage] = []
        self._processed: list[str] = []

    async def get(self, collection: str, id: str) -> Document | None:
        return await self._engine.get(collection, id)

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
        return await self._engine.find(
            collection, where, order_by=order_by, descending=descending, limit=limit, after=after
        )

    async def count(self, collection: str, where: Mapping[str, Any]) -> int:
        return await self._engine.count(collection, where)

    def save(self, collection: str, doc: Document) -> None:
        self._engine.collection(collection)  # fail early on an undeclared collection
        if not isinstance(doc.get("id"), str) or not doc["id"]:
            raise ValueError("a document needs a non-empty string `id`")
        self._saves[(collection, doc["id"])] = doc

    def add_outbox(self, message: OutboxMessage) -> None:
        self._outbox.append(message)

    async def was_processed(self, event_id: str) -> bool:
        return await self._engine.was_processed(event_id)

    def mark_processed(self, event_id: str) -> None:
        self._processed.append(event_id)

    async def commit(self) -> None:
        saves = [(collection, doc) for (collection, _), doc in self._saves.items()]
        outbox, processed = self._outbox, self._processed
        self._saves, self._outbox, self._processed = {}, [], []
        if not (saves or outbox or processed):
            return
        await self._engine.apply(saves, outbox, processed)
        for _, doc in saves:
            doc["version"] = int(doc.get("version") or 0) + 1
        if outbox:
            self._on_outbox_commit()


class CommitCallbacks:
    """The store's `on_commit` hooks; a failing hook is logged, never undoes a commit."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], Any]] = []

    def add(self, callback: Callable[[], Any]) -> None:
        self._callbacks.append(callback)

    def fire(self) -> None:
        for callback in self._callbacks:
            try:
                callback()
            except Exception:
                log.exception("on_commit callback failed")


@asynccontextmanager
async def unit_of_work(
    engine: Engine, callbacks: CommitCallbacks
) -> AsyncIterator[BufferedUnitOfWork]:
    """Leaving the block without `commit()` simply drops the buffer: that is the rollback."""
    yield BufferedUnitOfWork(engine, callbacks.fire)
