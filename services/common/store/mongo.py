"""The MongoDB store engine (PyMongo's native async API; never Motor).

Documents are stored with `_id` = id and a top-level `version`. A unit of work is applied
in one multi-document transaction, with the version check done by the write filter itself.
Outbox rows are ordered by an ObjectId made when they are written (time, then this
process's counter): no shared counter document, which would make every instance's commits
conflict. Writes wait for a majority and the outbox is read majority-committed, so an event
of a transaction that a failover rolls back is never relayed.
"""

import asyncio
import logging
import random
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid, DuplicateKeyError, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from services.common.store.buffered import BufferedUnitOfWork, CommitCallbacks, unit_of_work
from services.common.store.port import (
    After,
    AnyOf,
    Collection,
    ConcurrencyConflict,
    Contains,
    Document,
    IdempotentClaim,
    OutboxMessage,
    Prefix,
    Range,
    UndeclaredField,
)

log = logging.getLogger(__name__)

OUTBOX = "outbox"
PROCESSED = "processed_events"
SEQUENCES = "outbox_seq"
"""Held the outbox counter of earlier versions; still reserved so no collection takes it."""
IDEMPOTENCY = "idempotency_keys"
RESERVED = frozenset({OUTBOX, PROCESSED, SEQUENCES, IDEMPOTENCY})
# A unique index only covers documents whose field holds a real value: several documents
# may lack it or hold null, as with SQL's UNIQUE.
NON_NULL_TYPES = ["string", "number", "bool", "date", "objectId", "object", "array", "binData"]
# Transient transaction failures (write conflicts) are retried with the whole batch; the
# version filters are re-evaluated each time, so a real lost race still ends as a conflict.
MAX_ATTEMPTS = 8
WRITE_CONFLICT = 112
NAMESPACE_EXISTS = 48
OUTBOX_ORDER = [("order", ASCENDING), ("_id", ASCENDING)]
"""Rows written before `order` existed have none, sort first, and keep their old `seq`."""
MAJORITY_READ = ReadConcern("majority")
MAJORITY_WRITE = WriteConcern("majority")


def _is_transient(error: PyMongoError) -> bool:
    if error.has_error_label("TransientTransactionError"):
        return True
    if isinstance(error, OperationFailure) and error.code == WRITE_CONFLICT:
        return True
    return "write conflict" in str(error).lower()


def _outbox_message(raw: Mapping[str, Any]) -> OutboxMessage:
    return OutboxMessage(
        id=raw["_id"],
        routing_key=raw["routing_key"],
        payload=raw["payload"],
        headers=raw.get("headers") or {},
    )


def _public(raw: Mapping[str, Any]) -> Document:
    doc = {k: v for k, v in raw.items() if k != "_id"}
    doc.setdefault("id", raw["_id"])
    return doc


def _condition(value: Any) -> Any:
    if isinstance(value, AnyOf):
        return {"$in": list(value.values)}
    if isinstance(value, Contains):
        return {"$regex": re.escape(value.text), "$options": "i"}
    if isinstance(value, Prefix):
        return {"$regex": "^" + re.escape(value.text)}
    if isinstance(value, Range):
        ops = {"$gte": value.gte, "$gt": value.gt, "$lte": value.lte, "$lt": value.lt}
        return {op: bound for op, bound in ops.items() if bound is not None}
    return value


def _after(
    query: dict[str, Any], order_by: str | None, after: After, descending: bool
) -> dict[str, Any]:
    op = "$lt" if descending else "$gt"
    if order_by in (None, "id"):
        keyset: dict[str, Any] = {"_id": {op: after.id}}
    else:
        keyset = {
            "$or": [
                {order_by: {op: after.value}},
                {order_by: after.value, "_id": {op: after.id}},
            ]
        }
    return {"$and": [query, keyset]} if query else keyset


class MongoStore:
    def __init__(self, url: str, database: str, collections: Sequence[Collection]) -> None:
        self.collections = tuple(collections)
        for coll in self.collections:
            if coll.name in RESERVED:
                raise ValueError(f"collection name {coll.name!r} is reserved by the store")
        self._url = url
        self._database = database
        self._by_name = {c.name: c for c in self.collections}
        self._client: AsyncMongoClient[dict[str, Any]] | None = None
        self._db_handle: AsyncDatabase[dict[str, Any]] | None = None
        # Serialises this process's writes: commits then never race each other (a server
        # may report every overlapping transaction as a write conflict).
        self._lock = asyncio.Lock()
        self._callbacks = CommitCallbacks()

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        self._client = AsyncMongoClient(self._url)
        self._db_handle = self._client.get_database(
            self._database, read_concern=MAJORITY_READ, write_concern=MAJORITY_WRITE
        )
        db = self._db_handle
        existing = set(await db.list_collection_names())
        for name in [*self._by_name, OUTBOX, PROCESSED, IDEMPOTENCY]:
            if name not in existing:
                try:
                    await db.create_collection(name)
                except (CollectionInvalid, OperationFailure) as error:
                    if isinstance(error, OperationFailure) and error.code != NAMESPACE_EXISTS:
                        raise
        for coll in self.collections:
            for field in coll.searchable():
                if field in ("id", "_id", "version"):
                    raise ValueError(f"{coll.name}: {field!r} cannot be a searchable field")
                if field in coll.unique:
                    await db[coll.name].create_index(
                        [(field, ASCENDING)],
                        name=f"ux_{field}",
                        unique=True,
                        partialFilterExpression={field: {"$type": NON_NULL_TYPES}},
                    )
                else:
                    await db[coll.name].create_index([(field, ASCENDING)], name=f"ix_{field}")
            for fields in coll.sorted_within:
                await db[coll.name].create_index(
                    [*((f, ASCENDING) for f in fields), ("_id", ASCENDING)],
                    name=f"ix_{'__'.join(fields)}",
                )
        if "ux_seq" in await db[OUTBOX].index_information():
            await db[OUTBOX].drop_index("ux_seq")  # rows no longer carry a `seq`
        await db[OUTBOX].create_index(OUTBOX_ORDER, name="ix_order")
        await db[PROCESSED].create_index([("at", ASCENDING)], name="ix_at")
        await db[IDEMPOTENCY].create_index(
            [("expires_at", ASCENDING)], name="ttl_expires_at", expireAfterSeconds=0
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = self._db_handle = None

    @property
    def _db(self) -> AsyncDatabase[dict[str, Any]]:
        if self._db_handle is None:
            raise RuntimeError("store is not open")
        return self._db_handle

    # -- reads -----------------------------------------------------------------------------

    def collection(self, name: str) -> Collection:
        try:
            return self._by_name[name]
        except KeyError:
            raise ValueError(f"collection {name!r} was not declared") from None

    def _filter(self, coll: Collection, where: Mapping[str, Any]) -> dict[str, Any]:
        query: dict[str, Any] = {}
        for field, value in where.items():
            if field == "id":
                query["_id"] = _condition(value)
            elif field in coll.searchable():
                query[field] = _condition(value)  # None matches null and missing, like IS NULL
            else:
                raise UndeclaredField(f"{coll.name}.{field} is not a declared indexed field")
        return query

    async def get(self, collection: str, id: str) -> Document | None:
        raw = await self._db[self.collection(collection).name].find_one({"_id": id})
        return None if raw is None else _public(raw)

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
        coll = self.collection(collection)
        query = self._filter(coll, where)
        if after is not None:
            query = _after(query, order_by, after, descending)
        direction = DESCENDING if descending else ASCENDING
        if order_by is None:
            sort = [("_id", ASCENDING)]
        elif order_by == "id":
            sort = [("_id", direction)]
        elif order_by in coll.searchable():
            sort = [(order_by, direction), ("_id", direction)]
        else:
            raise UndeclaredField(f"{coll.name}.{order_by} is not a declared indexed field")
        if limit is not None and limit <= 0:
            return []  # Mongo reads limit(0) as "no limit"
        cursor = self._db[coll.name].find(query).sort(sort)
        if limit is not None:
            cursor = cursor.limit(limit)
        return [_public(raw) async for raw in cursor]

    async def count(self, collection: str, where: Mapping[str, Any]) -> int:
        coll = self.collection(collection)
        return await self._db[coll.name].count_documents(self._filter(coll, where))

    async def was_processed(self, event_id: str) -> bool:
        return await self._db[PROCESSED].find_one({"_id": event_id}, {"_id": 1}) is not None

    async def pending_outbox(self, limit: int = 100) -> list[OutboxMessage]:
        if limit <= 0:
            return []
        cursor = self._db[OUTBOX].find({}).sort(OUTBOX_ORDER).limit(limit)
        return [_outbox_message(raw) async for raw in cursor]

    async def claim_outbox(
        self, owner: str, limit: int = 100, lease_seconds: float = 30.0
    ) -> list[OutboxMessage]:
        """Pick candidates, lease them with one filtered update, read back what we hold.

        Each document's update is atomic and re-checks the claim filter, so of two
        relays racing for a row exactly one gets it.
        """
        if limit <= 0:
            return []
        now = datetime.now(UTC)
        claimable = {
            "$or": [
                {"claimed_by": None},
                {"claimed_by": owner},
                {"claim_until": {"$lt": now}},
            ]
        }
        outbox = self._db[OUTBOX]
        candidates = [
            raw["_id"]
            async for raw in outbox.find(claimable, {"_id": 1}).sort(OUTBOX_ORDER).limit(limit)
        ]
        if not candidates:
            return []
        await outbox.update_many(
            {"_id": {"$in": candidates}, **claimable},
            {"$set": {"claimed_by": owner, "claim_until": now + timedelta(seconds=lease_seconds)}},
        )
        held = outbox.find({"_id": {"$in": candidates}, "claimed_by": owner}).sort(OUTBOX_ORDER)
        return [_outbox_message(raw) async for raw in held]

    # -- writes ----------------------------------------------------------------------------

    async def apply(
        self,
        saves: Sequence[tuple[str, Document]],
        outbox: Sequence[OutboxMessage],
        processed: Sequence[str],
    ) -> None:
        """Apply one unit of work in a transaction; ConcurrencyConflict leaves nothing."""
        async with self._lock:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    await self._apply_once(saves, outbox, processed)
                    return
                except DuplicateKeyError as error:
                    raise ConcurrencyConflict(str(error)) from error
                except PyMongoError as error:
                    if not _is_transient(error):
                        raise
                    if attempt == MAX_ATTEMPTS:
                        raise ConcurrencyConflict(str(error)) from error
                    log.debug("transient transaction failure, retrying: %s", error)
                    await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))

    async def _apply_once(
        self,
        saves: Sequence[tuple[str, Document]],
        outbox: Sequence[OutboxMessage],
        processed: Sequence[str],
    ) -> None:
        if self._client is None:
            raise RuntimeError("store is not open")
        now = datetime.now(UTC)
        async with self._client.start_session() as session:
            try:
                async with await session.start_transaction(write_concern=MAJORITY_WRITE):
                    for collection, doc in saves:
                        await self._write_doc(session, self.collection(collection).name, doc)
                    if outbox:
                        await self._write_outbox(session, outbox, now)
                    for event_id in processed:
                        await self._db[PROCESSED].insert_one(
                            {"_id": event_id, "at": now}, session=session
                        )
            except PyMongoError:
                await self._discard(session)
                raise

    async def _write_doc(self, session: AsyncClientSession, name: str, doc: Document) -> None:
        version = int(doc.get("version") or 0)
        body = {k: v for k, v in doc.items() if k not in ("_id", "version")}
        if version == 0:
            await self._db[name].insert_one(
                {"_id": doc["id"], **body, "version": 1}, session=session
            )
            return
        result = await self._db[name].replace_one(
            {"_id": doc["id"], "version": version},
            {**body, "version": version + 1},
            session=session,
        )
        if result.matched_count != 1:
            raise ConcurrencyConflict(f"{name}/{doc['id']} is no longer at version {version}")

    async def _write_outbox(
        self, session: AsyncClientSession, outbox: Sequence[OutboxMessage], now: datetime
    ) -> None:
        await self._db[OUTBOX].insert_many(
            [
                {
                    "_id": msg.id,
                    "order": ObjectId(),
                    "routing_key": msg.routing_key,
                    "payload": dict(msg.payload),
                    "headers": dict(msg.headers),
                    "created_at": now,
                }
                for msg in outbox
            ],
            ordered=True,
            session=session,
        )

    async def _discard(self, session: AsyncClientSession) -> None:
        """Never reuse a server session whose transaction failed.

        mongoeco keeps a session's transaction open after a failed commit, so a pooled
        session would carry a stale snapshot into its next use; on a real server this is
        merely a session dropped from the pool.
        """
        session_id = session.session_id  # materialises the server session before marking it
        server_session = getattr(session, "_server_session", None)
        if server_session is not None:
            server_session.mark_dirty()
        try:
            if self._client is not None:
                await self._client.admin.command("endSessions", [session_id])
        except PyMongoError:
            log.debug("endSessions after a failed transaction was refused", exc_info=True)

    async def mark_relayed(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        async with self._lock:
            await self._db[OUTBOX].delete_many({"_id": {"$in": list(ids)}})

    async def delete_expired(
        self, collection: str, field: str, before: Any, limit: int = 500
    ) -> int:
        coll = self.collection(collection)
        return await self._delete_below(coll.name, coll.searched(field), before, limit)

    async def forget_processed(self, before: datetime, limit: int = 500) -> int:
        return await self._delete_below(PROCESSED, "at", before, limit)

    async def _delete_below(self, name: str, field: str, before: Any, limit: int) -> int:
        """A bounded batch, so one sweep never holds the store's write lock for long."""
        table, below = self._db[name], {field: {"$lt": before}}
        ids = [doc["_id"] async for doc in table.find(below, {"_id": 1}).limit(int(limit))]
        if not ids:
            return 0
        async with self._lock:
            result = await table.delete_many({"_id": {"$in": ids}, **below})
        return result.deleted_count

    # -- idempotency keys ----------------------------------------------------------------

    async def claim_idempotency_key(self, key: str, hold_seconds: float) -> IdempotentClaim:
        """An insert on `_id` is the atomic claim; the TTL index sweeps expired keys."""
        now = datetime.now(UTC)
        keys = self._db[IDEMPOTENCY]
        await keys.delete_one({"_id": key, "expires_at": {"$lt": now}})
        try:
            await keys.insert_one(
                {"_id": key, "reply": None, "expires_at": now + timedelta(seconds=hold_seconds)}
            )
            return IdempotentClaim(acquired=True)
        except DuplicateKeyError:
            found = await keys.find_one({"_id": key})
        return IdempotentClaim(acquired=False, reply=(found or {}).get("reply"))

    async def settle_idempotency_key(
        self, key: str, reply: Mapping[str, Any] | None, keep_seconds: float
    ) -> None:
        keys = self._db[IDEMPOTENCY]
        if reply is None:
            await keys.delete_one({"_id": key})
            return
        expires_at = datetime.now(UTC) + timedelta(seconds=keep_seconds)
        await keys.update_one(
            {"_id": key}, {"$set": {"reply": dict(reply), "expires_at": expires_at}}
        )

    # -- unit of work ----------------------------------------------------------------------

    def unit_of_work(self) -> AbstractAsyncContextManager[BufferedUnitOfWork]:
        return unit_of_work(self, self._callbacks)

    def on_commit(self, callback: Callable[[], Any]) -> None:
        self._callbacks.add(callback)
