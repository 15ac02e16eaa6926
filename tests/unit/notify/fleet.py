"""Several notify worker processes on one queue, a real SMTP server that counts what it
receives by Message-ID, and a publisher of requests: shared by the scaling tests and
`bench/notify.py` (smaller counts in the suite, full counts in the bench)."""

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import aio_pika
from aiormq.exceptions import ChannelNotFoundEntity
from aiosmtpd.controller import Controller

from services.common.bus import EVENTS
from services.common.events import NotificationRequested
from services.common.messages import new_id
from services.common.notifications import SignatureRequest

ROOT = Path(__file__).resolve().parents[3]
MESSAGE_ID = re.compile(rb"^Message-ID: <([^@>]+)@", re.MULTILINE | re.IGNORECASE)


class _Recorder:
    def __init__(self, out: Path) -> None:
        self.out = out.open("a", buffering=1)

    async def handle_DATA(self, server, session, envelope) -> str:
        """Only the Message-ID is read: the server must not be the slowest part."""
        found = MESSAGE_ID.search(envelope.content)
        mid = found.group(1).decode() if found else "?"
        self.out.write(f"{mid} {time.time()}\n")
        return "250 OK"


class CountingSmtp:
    """A real SMTP server (aiosmtpd) in its own process, noting when each Message-ID
    arrived; stopped and started again on the same port at will."""

    def __init__(self, port: int, folder: Path | None = None) -> None:
        self.port = port
        self._folder = folder or Path(tempfile.mkdtemp(prefix="smtp-"))
        self._log = self._folder / f"arrivals-{port}.txt"
        self._log.touch()
        self._process: subprocess.Popen[bytes] | None = None
        self._read = 0
        self._arrivals: dict[str, list[float]] = {}

    def start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.unit.notify.fleet", str(self.port), str(self._log)],
            cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError("the SMTP server did not start")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self._process is not None, "the SMTP server is not running"
        return self._process.pid

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait()
            self._process = None

    @property
    def arrivals(self) -> dict[str, list[float]]:
        with self._log.open() as log:
            log.seek(self._read)
            chunk = log.read()
        complete = chunk[: chunk.rfind("\n") + 1]
        self._read += len(complete.encode())
        for line in complete.splitlines():
            mid, at = line.split()
            self._arrivals.setdefault(mid, []).append(float(at))
        return self._arrivals

    @property
    def received(self) -> int:
        return sum(len(times) for times in self.arrivals.values())

    def duplicates(self) -> int:
        return sum(len(times) - 1 for times in self.arrivals.values())


class Workers:
    """`python -m services.notify` processes (or another `module` that logs `ready` when
    it consumes), killed and restarted at will; `on_spawn` is told each new process id
    while the process is still starting Python."""

    def __init__(
        self,
        var_dir: Path,
        env: dict[str, str],
        module: str = "services.notify",
        ready: str = "notify service ready",
        on_spawn: Callable[[int], None] | None = None,
    ) -> None:
        self.var_dir = var_dir
        self.module = module
        self.ready_line = ready
        self.on_spawn = on_spawn
        self.env = {**os.environ, "SHOMEI_LOG_LEVEL": "INFO", **env}
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.started = Counter[int]()

    def log_path(self, index: int) -> Path:
        return self.var_dir / "log" / f"notify-{index}-{self.started[index]}.log"

    def spawn(self, index: int) -> None:
        self.started[index] += 1
        path = self.log_path(index)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as log:
            self.processes[index] = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.on_spawn is not None:
            self.on_spawn(self.processes[index].pid)

    async def ready(self, index: int, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while self.ready_line not in self.log_path(index).read_text(errors="replace"):
                if self.processes[index].poll() is not None:
                    raise RuntimeError(self.log_path(index).read_text(errors="replace"))
                await asyncio.sleep(0.05)

    async def start(self, count: int) -> None:
        for index in range(count):
            self.spawn(index)
        for index in range(count):
            await self.ready(index)

    def kill(self, index: int) -> None:
        """SIGKILL: no chance to finish, acknowledge or record anything."""
        process = self.processes.pop(index)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()


def requests(count: int, channel: str = "email") -> list[NotificationRequested]:
    """Requests of the real size: a signing request with a comment, as signing sends."""
    return [
        NotificationRequested(
            tenant_id="bench",
            notification_id=new_id(),
            channel=channel,  # type: ignore[arg-type]
            to=f"party{n}@example.jp" if channel == "email" else f"090{n % 100_000_000:08d}",
            envelope_id=f"env{n // 2}",
            party_id=f"p{n}",
            params=SignatureRequest(
                recipient_name=f"佐藤 一郎{n}",
                sender_name="デモ不動産株式会社",
                document_title="建物賃貸借契約書（メゾン青空 201号室）",
                sign_url=f"http://127.0.0.1:8000/s/{new_id()}{new_id()[:11]}",
                comment="鍵の受け渡しは3月31日です。\nご不明な点はお気軽にお問い合わせください。",
                access_code_hint="生年月日（西暦8桁）",
            ),
        )
        for n in range(count)
    ]


async def publish(
    amqp_url: str, events: list[NotificationRequested], per_second: float = 0
) -> dict[str, float]:
    """Publish (persistent, confirmed) and return when each was published (epoch)."""
    published: dict[str, float] = {}
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS.name)
        batch = 200 if not per_second else max(1, int(per_second / 10))
        for start in range(0, len(events), batch):
            chunk = events[start : start + batch]
            began = time.monotonic()
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            e.model_dump_json().encode(),
                            content_type="application/json",
                            message_id=e.event_id,
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=e.name,
                    )
                    for e in chunk
                )
            )
            for e in chunk:
                published[e.notification_id] = time.time()
            if per_second:
                await asyncio.sleep(max(0.0, len(chunk) / per_second - (time.monotonic() - began)))
    return published


async def queue_depth(amqp_url: str, name: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        try:
            queue = await channel.declare_queue(name, passive=True)
        except ChannelNotFoundEntity:
            return 0
        return queue.declaration_result.message_count or 0


async def until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"not within {timeout:g}s: {what}") from None


def worker_env(amqp_url: str, var_dir: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        "SHOMEI_AMQP_URL": amqp_url,
        "SHOMEI_VAR_DIR": str(var_dir),
        "SHOMEI_STORE": f"sqlite:///{var_dir}",
        "SHOMEI_SMTP_PORT": str(smtp_port),
        **extra,
    }


def _serve_smtp(port: int, out: Path) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
    controller = Controller(_Recorder(out), hostname="127.0.0.1", port=port)
    controller.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    _serve_smtp(int(sys.argv[1]), Path(sys.argv[2]))
