"""Benchmark: N envelopes through steps 1–3 of the contract flow on the real stack.

Each envelope: upload a PDF, create an envelope with two parties, send it; the first
party's email must reach the SMTP server. Prints envelopes/s, p50/p99 from the send
request to the email's arrival, and CPU ms per envelope of each process. Figures only:
nothing here passes or fails.

    ./run python -m bench.e2e --n 200 --concurrency 16 [--store sqlite|mongodb]
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

from bench.stats import percentile
from deploy.local.catcher import Catcher
from tests.support.pdfs import lease_pdf
from tests.support.rabbit import async_rabbit_node
from tests.support.stack import Stack

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that have been waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / CLOCK_TICKS


def envelope_body(document_id: str, i: int) -> dict:
    return {
        "title": f"建物賃貸借契約書 {i}",
        "document_id": document_id,
        "parties": [
            {
                "name": "佐藤 一郎",
                "email": f"tenant{i}@bench.example",
                "signing_order": 1,
                "access_code": "19850505",
            },
            {"name": "鈴木 花子", "email": f"landlord{i}@bench.example", "signing_order": 2},
        ],
        "fields": [
            {"party": 0, "page": 1, "x": 160, "y": 690, "width": 60, "height": 60},
            {"party": 1, "page": 1, "x": 410, "y": 690, "width": 60, "height": 60},
        ],
    }


async def one_envelope(api: httpx.AsyncClient, pdf: bytes, i: int) -> tuple[str, float]:
    up = await api.post("/api/v1/documents", files={"file": (f"{i}.pdf", pdf, "application/pdf")})
    up.raise_for_status()
    created = await api.post("/api/v1/envelopes", json=envelope_body(up.json()["id"], i))
    created.raise_for_status()
    sent_at = time.time()
    sent = await api.post(f"/api/v1/envelopes/{created.json()['id']}/send")
    sent.raise_for_status()
    return f"tenant{i}@bench.example", sent_at


async def run(n: int, concurrency: int, store_kind: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="shomei-bench-"))
    catcher = Catcher(work / "catcher", smtp_port=0, http_port=0)
    await catcher.start()
    mongo = None
    if store_kind == "mongodb":
        from tests.support.mongo import mongo_wire_server

        mongo = mongo_wire_server()
        store = await mongo.__aenter__()
    else:
        store = f"sqlite:///{work / 'var'}"
    async with async_rabbit_node(work / "rabbit") as amqp_url:
        stack = Stack(work / "var", amqp_url, catcher.smtp_port, store)
        await stack.start()
        pids = {name: p.pid for name, p in stack.processes.items()}
        try:
            await measure(stack, catcher, pids, n, concurrency)
        finally:
            await stack.stop()
    await catcher.stop()
    if mongo is not None:
        await mongo.__aexit__(None, None, None)


async def measure(
    stack: Stack, catcher: Catcher, pids: dict[str, int], n: int, concurrency: int
) -> None:
    pdf = lease_pdf()
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=stack.url, headers=headers, timeout=60, limits=limits
    ) as api:
        await one_envelope(api, pdf, -1)  # warm-up: first renders, connections
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        gate = asyncio.Semaphore(concurrency)

        async def limited(i: int) -> tuple[str, float]:
            async with gate:
                return await one_envelope(api, pdf, i)

        started = time.time()
        sends = await asyncio.gather(*(limited(i) for i in range(n)))
        latencies = []
        for to, sent_at in sends:
            [mail] = await catcher.inbox.wait_for(to, "email", 120)
            latencies.append(datetime.fromisoformat(mail["received_at"]).timestamp() - sent_at)
        last = max(s + lat for (_, s), lat in zip(sends, latencies, strict=True))
        cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    elapsed = last - started
    print(f"envelopes: {n}, concurrency: {concurrency}")
    print(f"throughput: {n / elapsed:.1f} envelopes/s ({elapsed:.2f} s for steps 1–3)")
    print(
        f"send → email at SMTP: p50 {1000 * statistics.median(latencies):.0f} ms, "
        f"p99 {1000 * percentile(latencies, 99):.0f} ms, "
        f"max {1000 * max(latencies):.0f} ms"
    )
    print("CPU per envelope:")
    for name in pids:
        print(f"  {name:10s} {1000 * (cpu_after[name] - cpu_before[name]) / n:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--store", choices=["sqlite", "mongodb"], default="sqlite")
    args = parser.parse_args()
    asyncio.run(run(args.n, args.concurrency, args.store))


if __name__ == "__main__":
    main()
