"""The MongoDB engine's outbox against the mongoeco wire server: what it reads with and
what it writes with, watched on the wire, and no shared counter between instances.

What only a real replica set shows (a rolled-back write never being relayed) rests on the
read and write concerns checked here."""

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from pymongo import monitoring

from services.common.store import Collection, OutboxMessage, open_store

THINGS = Collection("things")


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.seen.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


@pytest.fixture
def commands() -> Iterator[Commands]:
    """Listens on clients created from now on (pymongo has no way to unregister)."""
    listener = Commands()
    monitoring.register(listener)
    yield listener
    listener.seen = []


async def test_outbox_reads_majority_committed_and_writes_wait_for_a_majority(mongo_url, commands):
    store = open_store(mongo_url, f"concern_{uuid.uuid4().hex[:8]}", [THINGS])
    await store.open()
    async with store.unit_of_work() as uow:
        uow.save("things", {"id": "a", "version": 0})
        uow.add_outbox(OutboxMessage("m1", "thing.made"))
        await uow.commit()
    commands.seen.clear()
    claimed = await store.claim_outbox("relay-1")
    pending = await store.pending_outbox()
    await store.mark_relayed([m.id for m in claimed])
    await store.close()
    assert [m.id for m in claimed] == [m.id for m in pending] == ["m1"]
    reads = [c for name, c in commands.seen if name == "find" and c.get("find") == "outbox"]
    writes = [c for name, c in commands.seen if name in ("update", "delete")]
    assert reads and all(c.get("readConcern", {}).get("level") == "majority" for c in reads)
    assert writes and all(c.get("writeConcern", {}).get("w") == "majority" for c in writes)


async def test_two_instances_writing_outbox_rows_never_touch_a_shared_document(mongo_url, commands):
    """A counter document for the outbox order made every commit of every instance
    conflict with every other; each commit now writes only its own documents.

    mongoeco reports a conflict for any two overlapping transactions, so the wire is
    watched instead: only a real mongod shows the conflicts gone."""
    service = f"hot_{uuid.uuid4().hex[:8]}"
    stores = [open_store(mongo_url, service, [THINGS]) for _ in range(2)]
    for store in stores:
        await store.open()

    async def write(n: int) -> None:
        store = stores[n % 2]
        async with store.unit_of_work() as uow:
            uow.save("things", {"id": f"t{n}", "version": 0})
            uow.add_outbox(OutboxMessage(f"m{n:03d}", "thing.made"))
            await uow.commit()

    commands.seen.clear()
    for n in range(0, 40, 2):
        await asyncio.gather(write(n), write(n + 1))
    pending = await stores[0].pending_outbox(limit=100)
    for store in stores:
        await store.close()
    assert sorted(m.id for m in pending) == [f"m{n:03d}" for n in range(40)]
    assert [m.id for m in pending][:2] in (["m000", "m001"], ["m001", "m000"])
    writes = [(name, c) for name, c in commands.seen if name in WRITES]
    assert writes
    shared = [(name, c) for name, c in writes if c.get(name) not in ("things", "outbox")]
    assert shared == []


WRITES = ("insert", "update", "delete", "findAndModify")
