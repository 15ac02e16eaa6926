"""The SQLite store's writer: one connection on a thread of its own, and one trip to that
thread per transaction.

On aiosqlite's connection every statement was a trip to its thread and back: BEGIN, each
`executemany`, COMMIT, five or six wake-ups of two threads for one unit of work, about
45 µs of CPU each. Here a transaction is a plain function that the writer's thread runs
from BEGIN IMMEDIATE to COMMIT, so the event loop waits once. Only that thread touches
the connection, so its queue serialises the process's transactions; between processes,
SQLite's own write lock (and `busy_timeout`) does.

A caller cancelled while its transaction runs does not stop it: the transaction commits
or rolls back whole on the thread, and the caller only stops waiting for the answer.
"""

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class SqliteWriter:
    def __init__(self, path: Path, synchronous: str, busy_timeout_ms: int) -> None:
        self._path = path
        self._synchronous = synchronous
        self._busy_timeout_ms = busy_timeout_ms
        self._thread: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        await self._call(self._connect)

    def _connect(self) -> None:
        # isolation_level=None: no implicit BEGIN, transactions are ours to open.
        conn = sqlite3.connect(self._path, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        self._conn = conn

    async def transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(connection)` between BEGIN IMMEDIATE and COMMIT; any error rolls back."""
        return await self._call(self._in_transaction, work)

    def _in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        if conn is None:
            raise RuntimeError("store is not open")
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._thread is None:
            raise RuntimeError("store is not open")
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def close(self) -> None:
        if self._thread is None:
            return
        if self._conn is not None:
            await self._call(self._conn.close)
            self._conn = None
        self._thread.shutdown(wait=True)
        self._thread = None
