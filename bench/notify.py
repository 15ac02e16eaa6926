"""Notify's throughput and its delivery proofs at full size, on a private RabbitMQ node and a
real SMTP server (aiosmtpd), printed as figures:

    uv run python -m bench.notify                  # throughput: raw, 1 worker, 2 workers
    uv run python -m bench.notify --proofs         # also 3,000 exactly once, a 60 s SMTP
                                                   # outage, 1,000 under SIGKILL
    uv run python -m bench.notify --mails 0 --proofs kills --killed 3000 --kill-every 1.5

E-mails per second of one worker, of two, and of a raw aiosmtplib loop on one connection
to the same server, in the same run; the aims are one worker ≥ 0.8× raw, two ≥ 1.7× one.
The raw loop runs on uvloop like the workers (and once more on asyncio's loop, for
reference), so the ratio compares like with like. The floor (`bench/notify_floor.py`)
sends the same mails through the same broker with none of the bookkeeping, and the run
with workers limited to part of a CPU (`bench/cpu_limit.py`) measures scaling where two
cores are shared with the SMTP server and the broker.
"""

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosmtplib
import uvloop

from bench import cpu_limit
from deploy.local.catcher import Catcher
from deploy.local.catcher import log as catcher_log
from services.notify.mail import MailSender, transact
from services.notify.templates import render
from tests.support.rabbit import async_rabbit_node
from tests.support.stack import free_port
from tests.unit.notify import test_fleet
from tests.unit.notify.fleet import CountingSmtp, Workers, publish, requests, until, worker_env


@dataclass(frozen=True)
class Run:
    """Mails a second, and CPU milliseconds a mail spent by each kind of process."""

    rate: float
    cpu_ms: dict[str, float]

    def costs(self) -> str:
        return ", ".join(f"{name} {ms:.2f}" for name, ms in self.cpu_ms.items())


def cpu_seconds(pids: list[int]) -> float:
    """User and system time of these processes so far (0 for one that is gone)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def pids_under(folder: Path) -> list[int]:
    """The processes whose command line names `folder` (the private RabbitMQ node)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(folder).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def raw_loop(smtp: CountingSmtp, count: int) -> Run:
    """The same mails built the same way, sent the same way on one reused connection:
    the ceiling."""
    sender = MailSender("127.0.0.1", smtp.port, "Shomei <no-reply@shomei.local>")
    messages = []
    for event in requests(count):
        text = render(event.params, "email")
        data = sender.encode(event.to, text.subject, text.text, text.html, event.notification_id)
        messages.append((event.to, data))
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp.port)
    await client.connect()
    server = [smtp.pid]
    began, cpu, server_cpu = time.perf_counter(), time.process_time(), cpu_seconds(server)
    for to, data in messages:
        await transact(client, "no-reply@shomei.local", to, data)
    elapsed = time.perf_counter() - began
    cpu_ms = {
        "client": (time.process_time() - cpu) / count * 1000,
        "smtp server": (cpu_seconds(server) - server_cpu) / count * 1000,
    }
    await client.quit()
    return Run(count / elapsed, cpu_ms)


def on_uvloop(work: Coroutine[Any, Any, Run]) -> Run:
    return asyncio.run(work, loop_factory=uvloop.new_event_loop)


async def workers_rate(
    amqp_url: str,
    var: Path,
    smtp: CountingSmtp,
    n: int,
    count: int,
    broker: list[int],
    floor: bool = False,
    cores: float = 0,
) -> Run:
    """Mails a second from `n` workers (or floor workers, `bench.notify_floor`), each
    limited to `cores` of a CPU when given: requests queued first, then the clock runs
    from the first arrival to the last."""
    env = worker_env(amqp_url, var, smtp.port)
    limit = cpu_limit.CpuLimit(cores) if cores else None
    place = limit.place if limit else None
    fleet = (
        Workers(var, env, "bench.notify_floor", "notify floor ready", on_spawn=place)
        if floor
        else Workers(var, env, on_spawn=place)
    )
    events = requests(count)
    await publish(amqp_url, events)
    before = smtp.received
    await fleet.start(n)
    kinds = {"workers": [p.pid for p in fleet.processes.values()], "smtp server": [smtp.pid]}
    kinds["broker"] = broker
    try:
        await until(lambda: smtp.received > before, 60, "a first mail")
        began = time.monotonic()
        cpu = {kind: cpu_seconds(pids) for kind, pids in kinds.items()}
        await until(lambda: smtp.received >= before + count, 600, f"{count} mails")
        elapsed = time.monotonic() - began
        cpu_ms = {k: (cpu_seconds(p) - cpu[k]) / (count - 1) * 1000 for k, p in kinds.items()}
    finally:
        await fleet.stop()
        if limit:
            limit.close()
    return Run((count - 1) / elapsed, cpu_ms)


async def main(args: argparse.Namespace) -> None:
    # no gateway runs here to take the SMS stand-in's status callbacks
    catcher_log.setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        async with async_rabbit_node(root / "rabbit") as amqp_url:
            if args.mails:
                await throughput(amqp_url, root, args.mails, args.worker_cpu)
            await proofs(amqp_url, root, args)


async def throughput(amqp_url: str, root: Path, mails: int, cores: float) -> None:
    smtp = CountingSmtp(free_port())
    smtp.start()
    capped: dict[int, Run] = {}
    try:
        declare = Workers(root / "declare", worker_env(amqp_url, root, smtp.port))
        await declare.start(1)  # the exchanges and queues, so requests can wait
        await declare.stop()
        broker = pids_under(root / "rabbit")
        raw = await asyncio.to_thread(on_uvloop, raw_loop(smtp, mails))  # as the workers
        plain = await raw_loop(smtp, mails)
        floor = await workers_rate(amqp_url, root / "floor", smtp, 1, mails, broker, floor=True)
        one = await workers_rate(amqp_url, root / "one", smtp, 1, mails, broker)
        two = await workers_rate(amqp_url, root / "two", smtp, 2, mails, broker)
        if cores and cpu_limit.available():
            for n in (1, 2):
                var = root / f"capped{n}"
                capped[n] = await workers_rate(amqp_url, var, smtp, n, mails, broker, cores=cores)
    finally:
        smtp.stop()
    print(f"raw aiosmtplib, one connection:  {raw.rate:7.1f} mails/s  (uvloop, as the workers)")
    print(f"  the same on asyncio's own loop: {plain.rate:7.1f} mails/s")
    print(
        f"floor, FastStream + aiosmtplib:  {floor.rate:7.1f} mails/s"
        f" = {floor.rate / raw.rate:.2f}× raw"
    )
    print(
        f"one notify worker:               {one.rate:7.1f} mails/s = {one.rate / raw.rate:.2f}× raw"
        f" = {one.rate / floor.rate:.2f}× floor"
    )
    print(
        f"two notify workers:              {two.rate:7.1f} mails/s = {two.rate / one.rate:.2f}× one"
    )
    if capped:
        print(
            f"workers limited to {cores:g} CPU each: one {capped[1].rate:.1f} mails/s,"
            f" two {capped[2].rate:.1f} mails/s = {capped[2].rate / capped[1].rate:.2f}× one"
        )
    elif cores:
        print("(no writable cgroup file system here: the run with limited workers is skipped)")
    print("CPU ms a mail, by process:")
    runs = {
        "raw": raw,
        "raw, asyncio": plain,
        "floor": floor,
        "one worker": one,
        "two workers": two,
    }
    runs.update({f"{n} limited": run for n, run in capped.items()})
    for name, run in runs.items():
        print(f"  {name:12} {run.costs()}")
    worker = one.cpu_ms["workers"]
    print(
        f"  a worker with a core to itself could send {1000 / worker:.0f} mails/s"
        f" = {1000 / worker / raw.rate:.2f}× raw; two workers on {os.cpu_count()} cores at most"
        f" {os.cpu_count() or 1:d} / {sum(two.cpu_ms.values()):.2f} ms"
        f" = {(os.cpu_count() or 1) * worker / sum(two.cpu_ms.values()):.2f}× one"
    )
    print(
        f"  beyond the floor a worker spends {worker - floor.cpu_ms['workers']:.2f} ms a mail:"
        " the claim, the outcome, the journal and the notification.delivered event"
    )
    print(f"  load average now {os.getloadavg()[0]:.1f}")


async def proofs(amqp_url: str, root: Path, args: argparse.Namespace) -> None:
    if "once" in args.proofs:
        smtp = CountingSmtp(free_port())
        smtp.start()
        try:
            events = await test_fleet.exactly_once(amqp_url, root / "once", smtp, 3, args.exactly)
            got = {e.notification_id for e in events} == set(smtp.arrivals)
            print(
                f"3 workers, {args.exactly} notifications: all arrived={got},"
                f" duplicates={smtp.duplicates()}"
            )
        finally:
            smtp.stop()
    if "outage" in args.proofs:
        catcher = Catcher(
            root / "catcher", smtp_port=0, http_port=0, twilio_auth=("ACshomeilocal", "local")
        )
        await catcher.start()
        smtp = CountingSmtp(free_port())
        smtp.start()
        try:
            figures = await test_fleet.smtp_outage(
                amqp_url, root / "outage", smtp, catcher, args.outage, args.outage_mails, 60
            )
            print(f"SMTP stopped {args.outage:g} s: none lost, none twice; {figures}")
        finally:
            smtp.stop()
            await catcher.stop()
    if "kills" in args.proofs:
        smtp = CountingSmtp(free_port())
        smtp.start()
        try:
            figures = await test_fleet.kills(
                amqp_url, root / "kills", smtp, args.killed, args.kill_every, per_second=100
            )
            per_kill = figures["duplicates"] / max(1, figures["kills"])
            print(
                f"{args.killed} notifications under SIGKILL: none lost; {figures};"
                f" {per_kill:.2f} duplicates a kill"
            )
        finally:
            smtp.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.notify")
    parser.add_argument("--mails", type=int, default=1000, help="0: skip the throughput run")
    parser.add_argument(
        "--proofs",
        nargs="*",
        choices=["once", "outage", "kills"],
        default=[],
        help="the delivery proofs to run (all of them when named without any)",
    )
    parser.add_argument(
        "--worker-cpu",
        type=float,
        default=0.5,
        help="CPU limit of each worker in the scaling run with limited workers (0: skip it)",
    )
    parser.add_argument("--exactly", type=int, default=3000)
    parser.add_argument("--outage", type=float, default=60.0)
    parser.add_argument("--outage-mails", type=int, default=1000)
    parser.add_argument("--killed", type=int, default=1000)
    parser.add_argument("--kill-every", type=float, default=3.0)
    arguments = parser.parse_args()
    if arguments.proofs == [] and "--proofs" in sys.argv:
        arguments.proofs = ["once", "outage", "kills"]
    asyncio.run(main(arguments))
