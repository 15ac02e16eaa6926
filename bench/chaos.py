"""The kill matrix: N two-party envelopes through the whole flow while processes die.

On a three-node RabbitMQ cluster with two instances of every service and of the
gateway, a chaos loop kills -9 a random instance every few seconds (and starts it again)
and kills -9 a random RabbitMQ node a few times (and restarts it). Clients behave as an
operator's would: a dropped connection or a 503 is retried. Everything is counted at the
edges: each envelope must end `completed`, its finished PDF valid in `pdfsig`, the SMTP
server must hold every mail exactly once (two per party: the link and the finished
contract; no Message-ID twice), and no dead-letter queue may hold a message. The same run
without kills is the bill: both throughputs are printed.

    ./run python -m bench.chaos [--n 300] [--kill-every 4] [--node-kills 2] [--no-calm]
                                [--min-kills 6] [--concurrency 12] [--timeout SECONDS]
"""

import argparse
import asyncio
import random
import re
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.fleet import SERVICES, Fleet
from deploy.local.catcher import Catcher
from deploy.local.cluster import RabbitCluster
from tests.support.pdfs import lease_pdf
from tests.support.signer import CSRF, SEAL

RETRYABLE = {429, 502, 503, 504}  # 429: the per-key rate limit, waited out like a 503
CODE = "19850505"


@dataclass
class Outcome:
    """What the edges saw; `problems` is empty when nothing was lost or doubled."""

    envelopes: int
    seconds: float
    kills: list[str] = field(default_factory=list)
    completed: int = 0
    valid_pdfs: int = 0
    mails: int = 0
    retries: int = 0
    problems: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    """Message-IDs the SMTP server got twice: notify was killed after the server took the
    mail and before notify recorded it, so the same mail went again (same Message-ID,
    which a receiving system can drop); bounded by the notify kills."""

    @property
    def throughput(self) -> float:
        """Completed envelopes per second of the run."""
        return self.completed / self.seconds

    def summary(self, label: str) -> str:
        return (
            f"{label}: {self.completed}/{self.envelopes} completed, {self.valid_pdfs} PDFs valid, "
            f"{self.mails} mails ({len(self.resent)} re-sent with their Message-ID), "
            f"{len(self.kills)} kills, {self.retries} client retries, "
            f"{self.seconds:.1f} s, {self.throughput:.2f} completed envelopes/s"
            + ("" if not self.problems else f"\n  {len(self.problems)} PROBLEMS, the first:\n  ")
            + "\n  ".join(self.problems[:15])
        )


def envelope_body(document_id: str, tag: str) -> dict:
    return {
        "title": f"建物賃貸借契約書 {tag}",
        "document_id": document_id,
        "parties": [
            {
                "name": "佐藤 一郎",
                "email": f"tenant-{tag}@chaos.example",
                "signing_order": 1,
                "access_code": CODE,
            },
            {"name": "鈴木 花子", "email": f"landlord-{tag}@chaos.example", "signing_order": 2},
        ],
        "fields": [
            {"party": 0, "page": 1, "x": 160, "y": 690, "width": 60, "height": 60},
            {"party": 1, "page": 1, "x": 410, "y": 690, "width": 60, "height": 60},
        ],
    }


class Client:
    """Requests to any live gateway, retried as a patient user would on a dropped
    connection or a 503; `done` statuses end the retries."""

    def __init__(self, fleet: Fleet, outcome: Outcome, deadline: float) -> None:
        self.fleet = fleet
        self.outcome = outcome
        self.deadline = deadline

    async def call(
        self,
        http: httpx.AsyncClient,
        method: str,
        path: str,
        done: tuple[int, ...],
        **kwargs: object,
    ) -> httpx.Response:
        while True:
            base = random.choice(self.fleet.gateway_urls)
            try:
                response = await http.request(method, base + path, **kwargs)  # type: ignore[arg-type]
                if response.status_code in done:
                    return response
                if not retryable(response):
                    raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
            except httpx.TransportError:
                pass
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"{method} {path}: no success before the deadline")
            self.outcome.retries += 1
            await asyncio.sleep(0.5)


def retryable(response: httpx.Response) -> bool:
    """A 5xx of a dying instance, or a 409 for an Idempotency-Key whose first request a
    killed gateway still holds (its lock lapses after SHOMEI_IDEMPOTENCY_LOCK_SECONDS)."""
    if response.status_code == 409 and "json" in response.headers.get("content-type", ""):
        return response.json().get("code") == "idempotency_in_progress"
    return response.status_code in RETRYABLE


async def signer_form(
    client: "Client", signer: httpx.AsyncClient, path: str
) -> tuple[str, list[str]]:
    """The page's CSRF token and its seal boxes, as the signer's browser reads them."""
    page = await client.call(signer, "GET", path, (200,))
    match = CSRF.search(page.text)
    return (match.group(1) if match else ""), SEAL.findall(page.text)


def link_path(mail: dict) -> str:
    match = re.search(r"https?://[^/\s]+(/s/[A-Za-z0-9_\-]+)", mail["body"])
    if not match:
        raise RuntimeError(f"no signer link in {mail['body']!r}")
    return match.group(1)


async def one_envelope(
    client: Client, api: httpx.AsyncClient, catcher: Catcher, pdf: bytes, tag: str, work: Path
) -> str:
    key = {"Idempotency-Key": f"up-{tag}"}
    up = await client.call(
        api, "POST", "/api/v1/documents", (201,), headers=key,
        files={"file": (f"{tag}.pdf", pdf, "application/pdf")},
    )  # fmt: skip
    created = await client.call(
        api, "POST", "/api/v1/envelopes", (201,), headers={"Idempotency-Key": f"env-{tag}"},
        json=envelope_body(up.json()["id"], tag),
    )  # fmt: skip
    envelope_id = created.json()["id"]
    await client.call(api, "POST", f"/api/v1/envelopes/{envelope_id}/send", (200, 409))
    remaining = max(1.0, client.deadline - time.monotonic())
    for party, code in (
        (f"tenant-{tag}@chaos.example", CODE),
        (f"landlord-{tag}@chaos.example", ""),
    ):
        mails = await catcher.inbox.wait_for(party, "email", remaining)
        if not mails:
            raise TimeoutError(f"no link mail to {party}")
        path = link_path(mails[-1])
        async with httpx.AsyncClient(timeout=30) as signer:
            if code:
                csrf, _ = await signer_form(client, signer, path)
                await client.call(
                    signer, "POST", f"{path}/access-code", (303,), data={"code": code, "csrf": csrf}
                )
            csrf, seals = await signer_form(client, signer, path)
            data = {f"seal_{field}": "1" for field in seals} | {"agree": "1", "csrf": csrf}
            await client.call(signer, "POST", f"{path}/sign", (303, 409), data=data)
    while True:
        envelope = (
            await client.call(api, "GET", f"/api/v1/envelopes/{envelope_id}", (200,))
        ).json()
        if envelope["status"] == "completed":
            break
        if time.monotonic() > client.deadline:
            raise TimeoutError(f"{envelope_id} stuck in {envelope['status']}")
        await asyncio.sleep(0.5)
    pdf_path = work / f"{tag}.pdf"
    download = await client.call(api, "GET", f"/api/v1/envelopes/{envelope_id}/download", (200,))
    pdf_path.write_bytes(download.content)
    return str(pdf_path)


def pdf_valid(path: str) -> bool:
    out = subprocess.run(["pdfsig", path], capture_output=True, text=True).stdout
    return "Signature is Valid" in out and "Total document signed" in out


async def chaos_loop(
    fleet: Fleet, cluster: RabbitCluster, outcome: Outcome, kill_every: float, node_kills: int,
    stop: asyncio.Event, killed: asyncio.Event, min_kills: int, node_spacing: int = 4,
) -> None:  # fmt: skip
    """Kill -9 a random instance every `kill_every` s and restart it; every
    `node_spacing` rounds from the first, a RabbitMQ node instead, restarted once it is
    down, until `node_kills` were done. `killed` is set once `min_kills` kills were done."""
    rounds = 0
    restarts: list[asyncio.Task[None]] = []
    while not stop.is_set():
        if len(outcome.kills) >= min_kills:
            killed.set()
        try:
            await asyncio.wait_for(stop.wait(), kill_every)
            break
        except TimeoutError:
            pass
        rounds += 1
        down = any(not task.done() for task in restarts)
        if len(restarts) < node_kills and rounds % node_spacing == 1 and not down:
            index = random.randrange(len(cluster.nodes))
            outcome.kills.append(f"rabbit-{index + 1}")
            cluster.kill(index)
            restarts.append(asyncio.create_task(restart_node(cluster, index)))
            continue
        name = random.choice(sorted(fleet.processes))
        outcome.kills.append(name)
        fleet.kill(name)
        await asyncio.sleep(0.5)
        fleet.respawn(name)
    killed.set()
    await asyncio.gather(*restarts)


async def restart_node(cluster: RabbitCluster, index: int) -> None:
    """Down for two seconds, then started again (it rejoins from its own data); the
    service kills go on meanwhile."""
    await asyncio.sleep(2)
    await asyncio.to_thread(cluster.restart, index)


async def dead_letters(amqp_url: str) -> dict[str, int]:
    from services.common import failover
    from services.common.bus import dead_letter_queue

    counts = {}
    connection = await failover.connect(amqp_url)
    async with connection:
        for service in SERVICES:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(dead_letter_queue(service).name, passive=True)
                counts[service] = queue.declaration_result.message_count or 0
            except Exception:
                counts[service] = 0  # never declared: nothing dead-lettered
            if not channel.is_closed:
                await channel.close()
    return counts


async def run(
    n: int,
    kill_every: float | None,
    node_kills: int,
    concurrency: int = 12,
    timeout: float = 900,
    work: Path | None = None,
    instances: int = 2,
    min_kills: int = 0,
) -> Outcome:
    """One run on a fresh cluster, fleet and store; kills when `kill_every` is given. The
    second half of the envelopes waits until `min_kills` kills were done, so a fast
    machine cannot finish the run before the kills it is meant to survive."""
    work = work or Path(tempfile.mkdtemp(prefix="shomei-chaos-"))
    catcher = Catcher(work / "catcher", smtp_port=0, http_port=0)
    await catcher.start()
    cluster = RabbitCluster(work / "rabbit", 3)
    await asyncio.to_thread(cluster.start)
    fleet = Fleet(work / "var", cluster.amqp_url, catcher, instances)
    outcome = Outcome(n, 0.0)
    try:
        await fleet.start()
        outcome = await drive(fleet, cluster, catcher, n, kill_every, node_kills, concurrency,
                              timeout, work, min_kills)  # fmt: skip
    finally:
        await fleet.stop()
        await asyncio.to_thread(cluster.stop)
        await catcher.stop()
    return outcome


async def drive(
    fleet: Fleet, cluster: RabbitCluster, catcher: Catcher, n: int, kill_every: float | None,
    node_kills: int, concurrency: int, timeout: float, work: Path, min_kills: int = 0,
) -> Outcome:  # fmt: skip
    outcome = Outcome(n, 0.0)
    pdf = lease_pdf()
    started = time.monotonic()
    client = Client(fleet, outcome, started + timeout)
    gate = asyncio.Semaphore(concurrency)
    stop = asyncio.Event()
    killed = asyncio.Event()
    chaos = None
    if kill_every:
        chaos = asyncio.create_task(
            chaos_loop(fleet, cluster, outcome, kill_every, node_kills, stop, killed, min_kills,
                       node_spacing=max(4, n // 10))  # a long run: node kills spread out
        )  # fmt: skip
    else:
        killed.set()
    headers = {"Authorization": f"Bearer {fleet.api_key}"}
    pdfs: list[str] = []
    async with httpx.AsyncClient(headers=headers, timeout=60) as api:

        async def limited(i: int) -> None:
            if i >= n // 2:
                await killed.wait()
            async with gate:
                try:
                    pdfs.append(await one_envelope(client, api, catcher, pdf, f"e{i}", work))
                except Exception as exc:
                    outcome.problems.append(f"envelope e{i}: {type(exc).__name__}: {exc}")

        await asyncio.gather(*(limited(i) for i in range(n)))
        outcome.seconds = time.monotonic() - started
        stop.set()
        if chaos is not None:
            await chaos
        try:
            await fleet.settle(120)  # all back: late duplicates would show
        except RuntimeError as exc:
            outcome.problems.append(f"fleet did not settle: {exc}"[:6000])
        await all_mails_in(catcher, n, min(180.0, max(10.0, client.deadline - time.monotonic())))
        await asyncio.sleep(3)
    outcome.completed = len(pdfs)
    outcome.valid_pdfs = sum(pdf_valid(p) for p in pdfs)
    if outcome.valid_pdfs != len(pdfs):
        outcome.problems.append(f"{len(pdfs) - outcome.valid_pdfs} finished PDFs not valid")
    mails = catcher.inbox.find(channel="email")
    outcome.mails = len(mails)
    ids = Counter(m["message_id"] for m in mails)
    outcome.resent = [i for i, c in ids.items() if c > 1]
    per_party = Counter(to for to, _ in {(m["to"], m["message_id"]) for m in mails})
    outcome.problems += [
        f"{to} got {c} different mails, not 2" for to, c in per_party.items() if c != 2
    ]
    notify_kills = sum(k.startswith("notify") for k in outcome.kills)
    if len(outcome.resent) > notify_kills:
        outcome.problems.append(f"{len(outcome.resent)} mails re-sent, {notify_kills} notify kills")
    expected = {f"{role}-e{i}@chaos.example" for i in range(n) for role in ("tenant", "landlord")}
    missing = expected - set(per_party)
    outcome.problems += [f"{to} got no mail" for to in sorted(missing)]
    dead = await dead_letters(cluster.amqp_url)
    outcome.problems += [f"{s}.dead holds {c}" for s, c in dead.items() if c]
    return outcome


async def all_mails_in(catcher: Catcher, n: int, timeout: float) -> None:
    """Wait (at most `timeout` s) until each party has its two mails: the finished
    contract's mail may follow completion late, when a killed notify instance held it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = catcher.inbox.find(channel="email")
        per_party = Counter(to for to, _ in {(m["to"], m["message_id"]) for m in mails})
        if sum(min(c, 2) for c in per_party.values()) >= 4 * n:
            return
        await asyncio.sleep(0.5)


async def bill(args: argparse.Namespace) -> None:
    """The run with kills, then (unless --no-calm) the same without, and both figures."""
    options = {"concurrency": args.concurrency, "timeout": args.timeout or max(900, 6 * args.n)}
    stormy = await run(args.n, args.kill_every, args.node_kills, min_kills=args.min_kills,
                       **options)  # fmt: skip
    print(stormy.summary("with kills"), flush=True)
    print("kills:", ", ".join(stormy.kills))
    if not args.no_calm:
        quiet = await run(args.n, None, 0, **options)
        print(quiet.summary("without kills"), flush=True)
        print(
            f"the bill: {stormy.throughput:.2f} envelopes/s with kills, "
            f"{quiet.throughput:.2f} without ({100 * stormy.throughput / quiet.throughput:.0f} %)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--kill-every", type=float, default=4.0)
    parser.add_argument("--node-kills", type=int, default=2)
    parser.add_argument("--no-calm", action="store_true", help="skip the run without kills")
    parser.add_argument(
        "--min-kills", type=int, default=6,
        help="kills done before the second half of the envelopes starts",
    )  # fmt: skip
    parser.add_argument("--concurrency", type=int, default=12, help="envelopes in flight")
    parser.add_argument("--timeout", type=float, default=0, help="seconds; 0: 6 per envelope")
    args = parser.parse_args()
    asyncio.run(bill(args))


if __name__ == "__main__":
    main()
