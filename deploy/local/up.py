"""`./run up`: the whole of Shomei on one machine, and nothing left running after Ctrl-C.

Starts a private RabbitMQ node, the mail/SMS catcher, the five services and the gateway
as separate processes (logs in var/log/<name>.log), waits until every service consumes
its query queue and the gateway's /healthz answers, prints where everything is, then
watches: if any child dies it names it, shows the end of its log, stops the rest and
exits 1; Ctrl-C or SIGTERM stops everything and exits 0.
"""

import asyncio
import fcntl
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import aio_pika
import aio_pika.exceptions
import httpx
from pydantic import ValidationError

from deploy.local.cluster import RabbitCluster
from deploy.local.ports import port_in_use
from deploy.local.rabbit import RabbitNode, RabbitNodeError
from deploy.local.supervisor import ChildDied, Supervisor, tail
from gateway.console.demo import DEMO_LOGIN, demo_password
from services.common import failover
from services.common.settings import Settings, settings_env, settings_from, variable

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("document", "signing", "seal", "notify", "webhooks")


class UpError(Exception):
    """A reason not to start, said in one line."""


class Stop(Exception):
    """Raised by the SIGINT/SIGTERM handler to unwind to the clean-up."""


@dataclass
class UpConfig:
    """Where `./run up` puts things: `Settings` read from `env`, with var/ made absolute."""

    settings: Settings
    var_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str]) -> "UpConfig":
        try:
            settings = settings_from(env)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = variable(str(error["loc"][0]))
            raise UpError(f"{name}={env.get(name)!r}: {error['msg']}") from None
        return cls(settings, (ROOT / settings.var_dir).resolve(), dict(env))

    @property
    def amqp_port(self) -> int:
        return self.settings.amqp_port

    @property
    def smtp_port(self) -> int:
        return self.settings.smtp_port

    @property
    def catcher_port(self) -> int:
        return self.settings.catcher_port

    @property
    def gateway_host(self) -> str:
        return self.settings.gateway_host

    @property
    def gateway_port(self) -> int:
        return self.settings.gateway_port

    @property
    def notify_workers(self) -> int:
        return self.settings.notify_workers

    @property
    def gateway_url(self) -> str:
        return self.settings.gateway_url

    @property
    def catcher_url(self) -> str:
        return f"http://127.0.0.1:{self.catcher_port}"

    def ports(self) -> list[tuple[str, str, str, int]]:
        """(what, env variable that moves it, host, port) for every port we will bind."""
        s = self.settings
        return [
            ("RabbitMQ AMQP", variable("amqp_port"), "127.0.0.1", s.amqp_port),
            (
                "RabbitMQ distribution",
                variable("rabbit_dist_port"),
                "127.0.0.1",
                s.rabbit_dist_port,
            ),
            ("RabbitMQ epmd", variable("epmd_port"), "127.0.0.1", s.epmd_port),
            *(
                (f"RabbitMQ node {i + 1} AMQP", variable("amqp_port"), "127.0.0.1", s.amqp_port + i)
                for i in range(1, s.cluster)
            ),
            *(
                (
                    f"RabbitMQ node {i + 1} distribution",
                    variable("rabbit_dist_port"),
                    "127.0.0.1",
                    s.rabbit_dist_port + i,
                )
                for i in range(1, s.cluster)
            ),
            ("catcher SMTP", variable("smtp_port"), "127.0.0.1", s.smtp_port),
            ("catcher HTTP", variable("catcher_port"), "127.0.0.1", s.catcher_port),
            ("gateway", variable("gateway_port"), s.gateway_host, s.gateway_port),
        ]

    def rabbit_node(self) -> RabbitNode | RabbitCluster:
        """One private node, or with SHOMEI_CLUSTER=N (`--cluster`: 3) N nodes joined into a
        cluster on consecutive ports, every process given all of them."""
        s = self.settings
        if s.cluster > 1:
            return RabbitCluster(
                self.var_dir / "rabbitmq-cluster",
                s.cluster,
                amqp_ports=[s.amqp_port + i for i in range(s.cluster)],
                dist_ports=[s.rabbit_dist_port + i for i in range(s.cluster)],
                epmd_port=s.epmd_port,
                die_with_parent=True,
            )
        return RabbitNode(
            self.var_dir / "rabbitmq",
            amqp_port=self.settings.amqp_port,
            dist_port=self.settings.rabbit_dist_port,
            node_name="shomei@localhost",
            epmd_port=self.settings.epmd_port,
            die_with_parent=True,
        )

    def child_env(self, amqp_url: str, demo_key: str) -> dict[str, str]:
        """Every setting, explicit, for the services and the gateway: the wiring to this
        node and catcher, the rest as given or defaulted (webhooks may reach a receiver on
        this machine unless told otherwise)."""
        wiring = {
            variable("var_dir"): str(self.var_dir),
            variable("amqp_url"): amqp_url,
            variable("smtp_host"): "127.0.0.1",
            variable("catcher_url"): self.catcher_url,
            variable("demo_api_key"): demo_key,
        }
        local_receivers = {variable("webhook_allowed_networks"): "127.0.0.0/8,::1"}
        env = {**local_receivers, **self.env, **wiring}
        env.update(settings_env(settings_from(env)))
        env["PYTHONUNBUFFERED"] = "1"
        return env


def acquire_lock(var_dir: Path) -> IO[str]:
    """Hold var/up.lock for as long as this `./run up` lives (the kernel drops it when
    the process dies, even by SIGKILL, so it can never go stale). Keep the returned file
    open; raises UpError naming the PID of the `./run up` already running."""
    var_dir.mkdir(parents=True, exist_ok=True)
    lock = (var_dir / "up.lock").open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        pid = lock.read().strip() or "?"
        lock.close()
        raise UpError(
            f"another ./run up is already running (pid {pid}); stop it first (Ctrl-C there)"
        ) from None
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def check_ports(config: UpConfig) -> None:
    """Raise UpError for the first port already taken, naming the variable that moves it."""
    for what, name, host, port in config.ports():
        if port_in_use(host, port):
            raise UpError(
                f"port {port} ({what}) on {host} is already in use; "
                f"free it or choose another with {name}=…"
            )


def demo_api_key(var_dir: Path) -> str:
    """The demo tenant's API key: made once, then the same on every `./run up`."""
    path = var_dir / "demo-api-key"
    if path.exists() and (key := path.read_text().strip()):
        return key
    key = "shm_demo_" + secrets.token_urlsafe(24)
    path.touch(mode=0o600)
    path.write_text(key + "\n")
    return key


def wait_until_ok(url: str, supervisor: Supervisor, timeout: float) -> None:
    """Poll `url` until 200; UpError if a child dies meanwhile or time runs out."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if gone := supervisor.dead():
                raise ChildDied(*gone)
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
    raise UpError(f"{url} did not answer 200 within {timeout:.0f}s; see {supervisor.log_dir}")


async def _consumers(amqp_url: str, queues: list[str]) -> dict[str, int]:
    """Consumer count of each queue (0 while it does not exist yet)."""
    counts = dict.fromkeys(queues, 0)
    connection = await failover.connect(amqp_url, timeout=5)
    async with connection:
        for name in queues:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(name, passive=True)
                counts[name] = queue.declaration_result.consumer_count or 0
            except aio_pika.exceptions.ChannelClosed:
                pass  # not declared yet; the failed passive declare closed the channel
            finally:
                if not channel.is_closed:
                    await channel.close()
    return counts


def wait_for_services(amqp_url: str, supervisor: Supervisor, timeout: float) -> None:
    """Wait until every service consumes its `<service>.query` queue (request/reply on a
    queue per service, docs/architecture.md): the gateway's /healthz alone answers before
    the services do, and a newcomer's first upload would get a 503."""
    queues = [f"{service}.query" for service in SERVICES]
    deadline = time.monotonic() + timeout
    waiting = queues
    while time.monotonic() < deadline:
        if gone := supervisor.dead():
            raise ChildDied(*gone)
        counts = asyncio.run(_consumers(amqp_url, queues))
        waiting = [name for name, count in counts.items() if count == 0]
        if not waiting:
            return
        time.sleep(0.25)
    raise UpError(f"no consumer on {', '.join(waiting)} after {timeout:.0f}s; see the logs")


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def run(config: UpConfig) -> int:
    """Start everything, watch it, stop it; the return value is the exit code."""
    var_dir = config.var_dir
    lock = acquire_lock(var_dir)
    node = config.rabbit_node()
    supervisor = Supervisor(var_dir / "log")
    started = False
    try:
        node.kill_stale()  # left by a ./run up that was killed with SIGKILL
        check_ports(config)
        key = demo_api_key(var_dir)
        nodes = max(config.settings.cluster, 1)
        where = (
            f"{config.amqp_port}"
            if nodes == 1
            else f"{config.amqp_port}-{config.amqp_port + nodes - 1}"
        )
        print(f"starting RabbitMQ ({nodes} node(s)) on 127.0.0.1:{where} …", flush=True)
        started = True
        node.start()
        env = config.child_env(node.amqp_url, key)
        if config.settings.cluster > 1:
            env[variable("quorum_size")] = str(config.settings.cluster)
        catcher_argv = [
            *("-m", "deploy.local.catcher"),
            *("--smtp-port", str(config.smtp_port), "--http-port", str(config.catcher_port)),
            *("--data", str(var_dir / "catcher")),
        ]
        print("starting the mail/SMS catcher, services and gateway …", flush=True)
        supervisor.spawn("catcher", [sys.executable, *catcher_argv], env)
        wait_until_ok(f"{config.catcher_url}/healthz", supervisor, 20)
        for service in SERVICES:
            copies = config.notify_workers if service == "notify" else 1
            for n in range(copies):  # N notify workers share one queue
                name = service if n == 0 else f"{service}-{n + 1}"
                own = {**env, variable("instance_id"): name}  # its probe: `health <service>`
                supervisor.spawn(name, [sys.executable, "-m", f"services.{service}"], own)
        supervisor.spawn("gateway", [sys.executable, "-m", "gateway"], env)
        wait_for_services(node.amqp_url, supervisor, 90)
        wait_until_ok(f"{config.gateway_url}/healthz", supervisor, 90)
        print(banner(config, key), flush=True)
        while True:
            if gone := supervisor.dead():
                raise ChildDied(*gone)
            if not node.running:
                raise ChildDied("rabbitmq", node.returncode or 0)
            time.sleep(0.5)
    except Stop:
        print("\nstopping …", flush=True)
        return 0
    except ChildDied as died:
        if died.name == "rabbitmq":
            log = node.log_dir / f"{node.node_name}.log"
            last = tail(log)
        else:
            log, last = supervisor.log_path(died.name), supervisor.tail(died.name)
        print(f"\n./run up: {died}; last lines of {_show(log)}:\n{last}\n", flush=True)
        return 1
    except (UpError, RabbitNodeError) as exc:
        print(f"./run up: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the clean-up finish
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop_all()
        node.stop()
        lock.close()
        if started:
            print("everything stopped.", flush=True)


def banner(config: UpConfig, key: str) -> str:
    url = config.gateway_url
    return f"""
Shomei is running.

  gateway      {url}
  staff login  {DEMO_LOGIN} / {demo_password(key)}   (the staff console at {url}/)
  API docs     {url}/docs
  demo API key {key}
               (Authorization: Bearer …; kept in {_show(config.var_dir / "demo-api-key")})
  dev inbox    {url}/dev/inbox   (every mail and SMS stays on this machine)
  logs         {_show(config.var_dir / "log")}/<name>.log, RabbitMQ in \
{_show(config.var_dir / "rabbitmq" / "log")}

Ctrl-C stops everything."""


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    args = sys.argv[1:] if argv is None else argv
    env = dict(os.environ)
    if args == ["--cluster"]:
        env[variable("cluster")] = "3"
    elif args:
        print("usage: ./run up [--cluster]", file=sys.stderr)
        return 2
    try:
        config = UpConfig.from_env(env)
        return run(config)
    except UpError as exc:
        print(f"./run up: {exc}", file=sys.stderr)
        return 1
    except Stop:
        return 0


if __name__ == "__main__":
    sys.exit(main())
