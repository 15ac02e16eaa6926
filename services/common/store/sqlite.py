"""The embedded store engine: one SQLite file per service (WAL).

Each collection is a table of JSON documents with one real column per declared searchable
field, so `find`/`count` use ordinary indexes. Writes go through one writer connection on
a thread of its own, a whole transaction per trip (`sqlite_writer.SqliteWriter`), so the
units of work of one process commit one after another. Reads use a second connection
(aiosqlite), which in WAL mode only ever sees committed data even while a commit is
half-way through on the writer.

Every read runs in one hop to aiosqlite's thread (`execute_fetchall`): a cursor left open
across an await would hold the shared reader's snapshot, so other reads would see rows
already deleted or changed (an outbox row published twice, a false version conflict).
"""

import json
import re
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from services.common.store.buffered import (
    BufferedUnitOfWork,
    CommitCallbacks,
    field_value,
    unit_of_work,
)
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
from services.common.store.sqlite_writer import SqliteWriter

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
BUSY_TIMEOUT_MS = 10_000
RESERVED = frozenset({"outbox", "processed_events", "idempotency_keys"})
OUTBOX_ADDED_COLUMNS = {
    "headers": "TEXT NOT NULL DEFAULT '{}'",
    "claimed_by": "TEXT",
    "claim_until": "REAL",
}


def _ident(name: str) -> str:
    """Quote a declared collection/field name; names are code, but never trust them in SQL."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid store name {name!r}")
    return f'"{name}"'


def _index_name(table: str, field: str) -> str:
    return _ident(f"ix_{table}_{field.replace('.', '_')}")


def _column_value(value: Any) -> Any:
    """Scalars as-is (bools become 0/1 like json_extract gives); containers as JSON text."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(
        {k: v for k, v in doc.items() if k != "version"},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _outbox_message(row: sqlite3.Row | tuple[Any, ...]) -> OutboxMessage:
    return OutboxMessage(
        id=row[0], routing_key=row[1], payload=json.loads(row[2]), headers=json.loads(row[3])
    )


def _condition(
    column: str, value: Range | Contains | Prefix | AnyOf, params: list[Any]
) -> list[str]:
    if isinstance(value, AnyOf):
        if not value.values:
            return ["0"]
        params.extend(_column_value(v) for v in value.values)
        return [f"{column} IN ({', '.join('?' * len(value.values))})"]
    if isinstance(value, Contains | Prefix):
        escaped = value.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%" if isinstance(value, Contains) else f"{escaped}%")
        if isinstance(value, Prefix):  # LIKE ignores ASCII case: the prefix is compared too
            params.extend([value.text, value.text])
            return [f"{column} LIKE ? ESCAPE '\\'", f"substr({column}, 1, length(?)) = ?"]
        return [f"{column} LIKE ? ESCAPE '\\'"]
    clauses = []
    for op, bound in ((">=", value.gte), (">", value.gt), ("<=", value.lte), ("<", value.lt)):
        if bound is not None:
            clauses.append(f"{column} {op} ?")
            params.append(_column_value(bound))
    return clauses


def _after(clause: str, column: str, after: After, descending: bool, params: list[Any]) -> str:
    op = "<" if descending else ">"
    if column == "id":
        keyset = f"id {op} ?"
        params.append(after.id)
    else:
        keyset = f"({column} {op} ? OR ({column} = ? AND id {op} ?))"
        params.extend([_column_value(after.value), _column_value(after.value), after.id])
    return f"{clause} AND {keyset}" if clause else f" WHERE {keyset}"


class _VersionMissed(Exception):
    """Inside a write: a versioned UPDATE matched fewer rows than it was given."""

    def __init__(self, sql: str) -> None:
        self.sql = sql


class SqliteStore:
    def __init__(self, folder: str | Path, service: str, collections: Sequence[Collection]) -> None:
        self.collections = tuple(collections)
        for coll in self.collections:
            if coll.name in RESERVED or coll.name.startswith("sqlite_"):
                raise ValueError(f"collection name {coll.name!r} is reserved by the store")
        self.path = Path(folder) / f"{service}.sqlite3"
        self._by_name = {c.name: c for c in self.collections}
        self._writer: SqliteWriter | None = None
        self._reader: aiosqlite.Connection | None = None
        self._callbacks = CommitCallbacks()
        self.synchronous = "FULL"
        """Set before `open()`. NORMAL (WAL) skips the fsync at each commit: a commit still
        survives any process crash, but an OS crash may lose the last ones."""

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = SqliteWriter(self.path, self.synchronous, BUSY_TIMEOUT_MS)
        await self._writer.open()
        await self._writer.transaction(self._migrate)
        # isolation_level=None: no implicit BEGIN on the reader either.
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        await self._reader.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
        if self._writer is not None:
            await self._writer.close()
        self._reader = self._writer = None

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Create tables and indexes; add (and backfill) columns for newly declared fields."""
        db.execute(
            "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " id TEXT NOT NULL UNIQUE, routing_key TEXT NOT NULL, payload TEXT NOT NULL,"
            " headers TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL)"
        )
        outbox_columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
        for column, kind in OUTBOX_ADDED_COLUMNS.items():
            if column not in outbox_columns:
                db.execute(f"ALTER TABLE outbox ADD COLUMN {column} {kind}")
        db.execute(
            "CREATE TABLE IF NOT EXISTS idempotency_keys"
            " (key TEXT PRIMARY KEY, reply TEXT, expires_at REAL NOT NULL)"
        )
        db.execute(
            "CREATE INDEX IF NOT EXISTS ix_idempotency_keys_expires_at"
            " ON idempotency_keys (expires_at)"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS processed_events"
            " (event_id TEXT PRIMARY KEY, at TEXT NOT NULL)"
        )
        db.execute("CREATE INDEX IF NOT EXISTS ix_processed_events_at ON processed_events (at)")
        for coll in self.collections:
            table = _ident(coll.name)
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY,"
                " version INTEGER NOT NULL, data TEXT NOT NULL)"
            )
            existing = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            for field in coll.searchable():
                if field in ("id", "version", "data"):
                    raise ValueError(f"{coll.name}: {field!r} cannot be a searchable field")
                column = _ident(field)
                if field not in existing:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
                    db.execute(
                        f"UPDATE {table} SET {column} = json_extract(data, ?)",
                        (f"$.{field}",),
                    )
                unique = "UNIQUE " if field in coll.unique else ""
                db.execute(
                    f"CREATE {unique}INDEX IF NOT EXISTS"
                    f" {_index_name(coll.name, field)} ON {table} ({column})"
                )
            for fields in coll.sorted_within:
                columns = ", ".join(map(_ident, fields))
                db.execute(
                    f"CREATE INDEX IF NOT EXISTS {_index_name(coll.name, '__'.join(fields))}"
                    f" ON {table} ({columns}, id)"
                )

    # -- reads -----------------------------------------------------------------------------

    def collection(self, name: str) -> Collection:
        try:
            return self._by_name[name]
        except KeyError:
            raise ValueError(f"collection {name!r} was not declared") from None

    @property
    def _read(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("store is not open")
        return self._reader

    def _where(self, coll: Collection, where: Mapping[str, Any]) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        allowed = {"id", *coll.searchable()}
        for field, value in where.items():
            if field not in allowed:
                raise UndeclaredField(f"{coll.name}.{field} is not a declared indexed field")
            column = _ident(field)
            if value is None:
                clauses.append(f"{column} IS NULL")
            elif isinstance(value, Range | Contains | Prefix | AnyOf):
                clauses.extend(_condition(column, value, params))
            else:
                clauses.append(f"{column} = ?")
                params.append(_column_value(value))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    @staticmethod
    def _doc(row: sqlite3.Row | tuple[Any, ...]) -> Document:
        doc: Document = json.loads(row[1])
        doc["version"] = row[0]
        return doc

    async def get(self, collection: str, id: str) -> Document | None:
        sql = f"SELECT version, data FROM {_ident(self.collection(collection).name)} WHERE id = ?"
        rows = await self._read.execute_fetchall(sql, (id,))
        return self._doc(next(iter(rows))) if rows else None

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
        clause, params = self._where(coll, where)
        if order_by is not None and order_by != "id" and order_by not in coll.searchable():
            raise UndeclaredField(f"{coll.name}.{order_by} is not a declared indexed field")
        if after is not None:
            clause = _after(clause, _ident(order_by or "id"), after, descending, params)
        sql = f"SELECT version, data FROM {_ident(coll.name)}{clause}"
        direction = " DESC" if descending else ""
        if order_by is not None:
            sql += f" ORDER BY {_ident(order_by)}{direction}, id{direction}"
        else:
            sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        return [self._doc(row) for row in await self._read.execute_fetchall(sql, params)]

    async def count(self, collection: str, where: Mapping[str, Any]) -> int:
        coll = self.collection(collection)
        clause, params = self._where(coll, where)
        sql = f"SELECT COUNT(*) FROM {_ident(coll.name)}{clause}"
        rows = list(await self._read.execute_fetchall(sql, params))
        return int(rows[0][0]) if rows else 0

    async def was_processed(self, event_id: str) -> bool:
        sql = "SELECT 1 FROM processed_events WHERE event_id = ?"
        return bool(await self._read.execute_fetchall(sql, (event_id,)))

    async def pending_outbox(self, limit: int = 100) -> list[OutboxMessage]:
        sql = "SELECT id, routing_key, payload, headers FROM outbox ORDER BY seq LIMIT ?"
        return [_outbox_message(r) for r in await self._read.execute_fetchall(sql, (limit,))]

    async def claim_outbox(
        self, owner: str, limit: int = 100, lease_seconds: float = 30.0
    ) -> list[OutboxMessage]:
        """One UPDATE … RETURNING under BEGIN IMMEDIATE: claims never interleave, even
        between processes, since SQLite admits one writer per file at a time."""
        now = time.time()
        claimable = "claimed_by IS NULL OR claimed_by = ? OR claim_until < ?"
        if not await self._read.execute_fetchall(
            f"SELECT 1 FROM outbox WHERE {claimable} LIMIT 1", (owner, now)
        ):
            return []  # nothing to claim: an idle relay's poll takes no write lock
        rows = await self._write.transaction(
            lambda db: db.execute(
                "UPDATE outbox SET claimed_by = ?, claim_until = ? WHERE seq IN"
                f" (SELECT seq FROM outbox WHERE {claimable} ORDER BY seq LIMIT ?)"
                " RETURNING seq, id, routing_key, payload, headers",
                (owner, now + lease_seconds, owner, now, limit),
            ).fetchall()
        )
        return [_outbox_message(r[1:]) for r in sorted(rows, key=lambda r: r[0])]

    # -- writes ----------------------------------------------------------------------------

    @property
    def _write(self) -> SqliteWriter:
        if self._writer is None:
            raise RuntimeError("store is not open")
        return self._writer

    async def apply(
        self,
        saves: Sequence[tuple[str, Document]],
        outbox: Sequence[OutboxMessage],
        processed: Sequence[str],
    ) -> None:
        """Apply one unit of work atomically; ConcurrencyConflict leaves nothing written.

        Rows of one shape go in one `executemany`, and the whole transaction is one trip to
        the writer's thread. Saves hold each document once, so the order between shapes
        does not matter.
        """
        now = datetime.now(UTC).isoformat()
        shapes: dict[str, tuple[list[tuple[str, Document]], list[tuple[Any, ...]]]] = {}
        for collection, doc in saves:
            sql, params = self._doc_write(self.collection(collection), doc)
            written, rows = shapes.setdefault(sql, ([], []))
            written.append((collection, doc))
            rows.append(params)
        outbox_rows = [
            (m.id, m.routing_key, json.dumps(dict(m.payload)), json.dumps(dict(m.headers)), now)
            for m in outbox
        ]

        def write(db: sqlite3.Connection) -> None:
            for sql, (_, rows) in shapes.items():
                cursor = db.executemany(sql, rows)
                if sql.startswith("UPDATE") and cursor.rowcount != len(rows):
                    raise _VersionMissed(sql)
            if outbox_rows:
                db.executemany(
                    "INSERT INTO outbox (id, routing_key, payload, headers, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    outbox_rows,
                )
            if processed:
                db.executemany(
                    "INSERT INTO processed_events (event_id, at) VALUES (?, ?)",
                    [(event_id, now) for event_id in processed],
                )

        try:
            await self._write.transaction(write)
        except sqlite3.IntegrityError as error:
            raise ConcurrencyConflict(str(error)) from error
        except _VersionMissed as missed:
            written, _ = shapes[missed.sql]
            names = ", ".join(f"{c}/{d['id']}@{d['version']}" for c, d in written)
            raise ConcurrencyConflict(f"one of {names} is no longer at the version read") from None

    def _doc_write(self, coll: Collection, doc: Document) -> tuple[str, tuple[Any, ...]]:
        """The INSERT (a new document) or versioned UPDATE that saves `doc`."""
        version = int(doc.get("version") or 0)
        fields = coll.searchable()
        values = [_column_value(field_value(doc, f)) for f in fields]
        table = _ident(coll.name)
        if version == 0:
            columns = ", ".join(["id", "version", "data", *map(_ident, fields)])
            marks = ", ".join("?" * (3 + len(fields)))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
            return sql, (doc["id"], 1, _dumps(doc), *values)
        sets = ", ".join(["version = ?", "data = ?", *(f"{_ident(f)} = ?" for f in fields)])
        sql = f"UPDATE {table} SET {sets} WHERE id = ? AND version = ?"
        return sql, (version + 1, _dumps(doc), *values, doc["id"], version)

    async def mark_relayed(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        await self._write.transaction(
            lambda db: db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])
        )

    async def delete_expired(
        self, collection: str, field: str, before: Any, limit: int = 500
    ) -> int:
        coll = self.collection(collection)
        table, column = _ident(coll.name), _ident(coll.searched(field))
        return await self._write.transaction(
            lambda db: (
                db.execute(
                    f"DELETE FROM {table} WHERE id IN"
                    f" (SELECT id FROM {table} WHERE {column} < ? LIMIT ?)",
                    (_column_value(before), int(limit)),
                ).rowcount
            )
        )

    async def forget_processed(self, before: datetime, limit: int = 500) -> int:
        cutoff = before.astimezone(UTC).isoformat()  # as `apply` writes `at`
        return await self._write.transaction(
            lambda db: (
                db.execute(
                    "DELETE FROM processed_events WHERE event_id IN (SELECT event_id"
                    " FROM processed_events WHERE at < ? LIMIT ?)",
                    (cutoff, int(limit)),
                ).rowcount
            )
        )

    # -- idempotency keys ----------------------------------------------------------------

    async def claim_idempotency_key(self, key: str, hold_seconds: float) -> IdempotentClaim:
        now = time.time()

        def claim(db: sqlite3.Connection) -> tuple[bool, list[Any]]:
            db.execute("DELETE FROM idempotency_keys WHERE expires_at < ?", (now,))
            cursor = db.execute(
                "INSERT OR IGNORE INTO idempotency_keys (key, reply, expires_at)"
                " VALUES (?, NULL, ?)",
                (key, now + hold_seconds),
            )
            if cursor.rowcount == 1:
                return True, []
            return False, db.execute(
                "SELECT reply FROM idempotency_keys WHERE key = ?", (key,)
            ).fetchall()

        acquired, rows = await self._write.transaction(claim)
        if acquired:
            return IdempotentClaim(acquired=True)
        reply = rows[0][0] if rows else None
        return IdempotentClaim(acquired=False, reply=None if reply is None else json.loads(reply))

    async def settle_idempotency_key(
        self, key: str, reply: Mapping[str, Any] | None, keep_seconds: float
    ) -> None:
        if reply is None:
            await self._write.transaction(
                lambda db: db.execute("DELETE FROM idempotency_keys WHERE key = ?", (key,))
            )
            return
        answer, until = json.dumps(dict(reply)), time.time() + keep_seconds
        await self._write.transaction(
            lambda db: db.execute(
                "UPDATE idempotency_keys SET reply = ?, expires_at = ? WHERE key = ?",
                (answer, until, key),
            )
        )

    # -- unit of work --------------------------------------------------------------------

    def unit_of_work(self) -> AbstractAsyncContextManager[BufferedUnitOfWork]:
        return unit_of_work(self, self._callbacks)

    def on_commit(self, callback: Callable[[], Any]) -> None:
        self._callbacks.add(callback)
