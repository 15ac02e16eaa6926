"""Benchmark: the public API as an agency's system drives it, on SQLite.

Prints envelope creates+sends per second (`POST /envelopes` with `send: true`) with and
without `Idempotency-Key`, and the latency of `GET /envelopes` (first pages, filters and
cursor pages) over 10,000 envelopes. Figures only: nothing here passes or fails.

    uv run python -m bench.api [--n 300] [--concurrency 16] [--total 10000] [--lists 300]
"""

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.stats import p50_p99
from deploy.local.catcher import Catcher
from tests.support.agency import envelope_body, upload
from tests.support.rabbit import async_rabbit_node
from tests.support.stack import Stack


async def creates(
    api: httpx.AsyncClient,
    document_id: str,
    n: int,
    concurrency: int,
    *,
    idempotent: bool,
    send: bool,
) -> float:
    """Envelopes per second for `n` creates (with `send`) at `concurrency`."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        body = {**envelope_body(document_id, f"更新契約 {i}", f"t{i}@bench.example"), "send": send}
        headers = {"Idempotency-Key": uuid.uuid4().hex} if idempotent else {}
        async with gate:
            response = await api.post("/api/v1/envelopes", json=body, headers=headers)
        response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - started)


async def list_latencies(api: httpx.AsyncClient, rounds: int) -> dict[str, list[float]]:
    queries: dict[str, dict[str, str | int]] = {
        "first page (50)": {"limit": 50},
        "status=sent": {"status": "sent", "limit": 50},
        "title contains": {"title": "契約 77", "limit": 50},
        "counterparty": {"counterparty": "t777@bench.example", "limit": 50},
    }
    timings: dict[str, list[float]] = {name: [] for name in [*queries, "cursor page 2–5"]}
    for _ in range(rounds // (len(queries) + 1)):
        for name, params in queries.items():
            started = time.perf_counter()
            (await api.get("/api/v1/envelopes", params=params)).raise_for_status()
            timings[name].append(time.perf_counter() - started)
        page = (await api.get("/api/v1/envelopes", params={"limit": 50})).json()
        for _ in range(4):
            cursor = page.get("next_cursor")
            if not cursor:
                break
            started = time.perf_counter()
            response = await api.get("/api/v1/envelopes", params={"limit": 50, "cursor": cursor})
            timings["cursor page 2–5"].append(time.perf_counter() - started)
            page = response.json()
    return timings


async def run(n: int, concurrency: int, total: int, lists: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="shomei-bench-api-"))
    catcher = Catcher(work / "catcher", smtp_port=0, http_port=0)
    await catcher.start()
    async with async_rabbit_node(work / "rabbit") as amqp_url:
        stack = Stack(work / "var", amqp_url, catcher.smtp_port, f"sqlite:///{work / 'var'}")
        await stack.start()
        try:
            headers = {"Authorization": f"Bearer {stack.api_key}"}
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(
                base_url=stack.url, headers=headers, timeout=120, limits=limits
            ) as api:
                document_id = await upload(api, {})
                await creates(api, document_id, 20, concurrency, idempotent=False, send=True)
                plain = await creates(api, document_id, n, concurrency, idempotent=False, send=True)
                keyed = await creates(api, document_id, n, concurrency, idempotent=True, send=True)
                print(f"creates+sends, concurrency {concurrency}, {n} each:")
                print(f"  without Idempotency-Key  {plain:6.1f} envelopes/s")
                print(f"  with Idempotency-Key     {keyed:6.1f} envelopes/s")
                seeded = 20 + 2 * n
                if total > seeded:
                    rate = await creates(
                        api, document_id, total - seeded, 32, idempotent=False, send=False
                    )
                    print(f"seeded to {total} envelopes (drafts at {rate:.0f}/s)")
                timings = await list_latencies(api, lists)
                print(f"GET /api/v1/envelopes over {max(total, seeded)} envelopes (sequential):")
                for name, values in timings.items():
                    if values:
                        print(f"  {name:18s} {p50_p99(values)}  ({len(values)} calls)")
        finally:
            await stack.stop()
    await catcher.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--lists", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(run(args.n, args.concurrency, args.total, args.lists))


if __name__ == "__main__":
    main()
