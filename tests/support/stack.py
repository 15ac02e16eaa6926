"""The whole Shomei stack as separate processes, as `./run up` runs it, for e2e tests and
benchmarks: five services and the gateway, on a given broker, SMTP server and store."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from deploy.local.ports import free_port
from services.common.queries import Health
from services.common.rpc import QueryClient, ServiceUnavailable
from tests.support.shell import run_command

if TYPE_CHECKING:
    from deploy.local.catcher import Catcher
    from deploy.local.rabbit import RabbitNode

SERVICES = ("document", "signing", "seal", "notify", "webhooks")
ROOT = Path(__file__).resolve().parents[2]


class Stack:
    def __init__(
        self,
        var_dir: Path,
        amqp_url: str,
        smtp_port: int,
        store: str,
        sms_api_url: str = "http://127.0.0.1:9/twilio",
        catcher_url: str = "",
        notify_replicas: int = 1,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.var_dir = var_dir
        self.amqp_url = amqp_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_key = "shm_test_" + os.urandom(8).hex()
        self.notify_replicas = notify_replicas
        self.env = {
            **os.environ,
            "SHOMEI_VAR_DIR": str(var_dir),
            "SHOMEI_AMQP_URL": amqp_url,
            "SHOMEI_STORE": store,
            "SHOMEI_PUBLIC_URL": self.url,
            "SHOMEI_GATEWAY_PORT": str(self.port),
            "SHOMEI_SMTP_PORT": str(smtp_port),
            "SHOMEI_SMS_API_URL": sms_api_url,
            "SHOMEI_CATCHER_URL": catcher_url,
            "SHOMEI_DEMO_API_KEY": self.api_key,
            "SHOMEI_LOG_LEVEL": "INFO",
            "SHOMEI_WEBHOOK_RETRY_DELAYS": "[0.5, 1, 2, 4]",
            "SHOMEI_RATE_LIMIT_PER_KEY": "100000",
            "SHOMEI_RATE_LIMIT_PER_TENANT": "100000",
            "SHOMEI_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
            **(extra_env or {}),
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, module: str) -> None:
        log_dir = self.var_dir / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = (log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def start(self, timeout: float = 60) -> None:
        for service in SERVICES:
            replicas = self.notify_replicas if service == "notify" else 1
            for i in range(replicas):
                self._spawn(service if i == 0 else f"{service}-{i}", f"services.{service}")
        self._spawn("gateway", "gateway")
        try:
            await asyncio.wait_for(self._ready(), timeout)
        except TimeoutError:
            await self.stop()
            raise RuntimeError(f"stack not ready in {timeout}s:\n{self.logs()}") from None
        except BaseException:
            await self.stop()
            raise

    async def _ready(self) -> None:
        async with httpx.AsyncClient() as client:
            while True:
                self._check_alive()
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        await self._answering(*SERVICES)

    async def _answering(self, *services: str) -> None:
        """Wait until each service answers its health query (or one of ours has died)."""
        queries = QueryClient(self.amqp_url, 1.0)
        await queries.connect()
        try:
            for service in services:
                while True:
                    self._check_alive()
                    try:
                        await queries.ask(service, Health())
                        break
                    except ServiceUnavailable:
                        await asyncio.sleep(0.2)
        finally:
            await queries.close()

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.logs()}")

    def logs(self, tail: int = 40) -> str:
        out = []
        for path in sorted((self.var_dir / "log").glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()[-tail:]
            out.append(f"--- {path.name}\n" + "\n".join(lines))
        return "\n".join(out)

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    async def respawn(self, service: str) -> None:
        """Start one service again and wait until it answers."""
        self._spawn(service, f"services.{service}")
        await self._answering(service)

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                await asyncio.to_thread(process.wait, 15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                print(f"{name} did not stop on SIGTERM", file=sys.stderr)
        self.processes.clear()


def create_tenant(stack: Stack, tenant_id: str, name: str) -> str:
    """A second agency through the operator's command as the README shows it, from a
    fresh shell; returns its API key."""
    result = run_command(
        "admin", "create-tenant", "--id", tenant_id, "--name", name, settings=stack.env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@asynccontextmanager
async def running_stack(
    var: Path, store: str, catcher: "Catcher", rabbit: "RabbitNode | None" = None
) -> AsyncIterator[Stack]:
    """A stack mailing to `catcher`, on a virtual host of its own on `rabbit` (the test
    run's node), or on a private RabbitMQ node when no node is given."""
    from tests.support.rabbit import async_rabbit_node, vhost

    broker = vhost(rabbit) if rabbit is not None else async_rabbit_node(var / "rabbit")
    async with broker as amqp_url:
        stack = Stack(
            var / "var",
            amqp_url,
            catcher.smtp_port,
            store,
            sms_api_url=catcher.twilio_url,
            catcher_url=catcher.url,
        )
        await stack.start()
        try:
            yield stack
        finally:
            await stack.stop()
