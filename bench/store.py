"""The embedded store's unit of work, the step every handler of every service ends with:
one document and one outbox row committed, latency p50/p99 and CPU per commit, on uvloop
as the services run:

    uv run python -m bench.store --n 3000
"""

import argparse
import asyncio
import tempfile
import time

import uvloop

from bench.stats import p50_p99
from services.common.store import Collection, OutboxMessage
from services.common.store.sqlite import SqliteStore


async def commits(n: int, synchronous: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(folder, "bench", [Collection("envelopes", indexed=("tenant_id",))])
        store.synchronous = synchronous
        await store.open()
        try:
            latencies: list[float] = []
            cpu = time.process_time()
            for i in range(n):
                began = time.perf_counter()
                async with store.unit_of_work() as uow:
                    uow.save(
                        "envelopes",
                        {"id": f"e{i}", "version": 0, "tenant_id": "t1", "title": "賃貸借" * 40},
                    )
                    uow.add_outbox(
                        OutboxMessage(f"ev{i}", "envelope.sent", {"envelope_id": f"e{i}"}, {})
                    )
                    await uow.commit()
                latencies.append(time.perf_counter() - began)
            cpu_us = (time.process_time() - cpu) / n * 1e6
        finally:
            await store.close()
    print(f"SQLite, synchronous={synchronous:6} {p50_p99(latencies)}  CPU {cpu_us:.0f} µs a commit")


async def main(n: int) -> None:
    for synchronous in ("NORMAL", "FULL"):
        await commits(n, synchronous)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.store")
    parser.add_argument("--n", type=int, default=3000, help="units of work committed")
    asyncio.run(main(parser.parse_args().n), loop_factory=uvloop.new_event_loop)
