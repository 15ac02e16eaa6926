"""Several instances of every service and of the gateway on one store and one broker
(a cluster's URL list), as separate processes that a chaos loop may kill and respawn."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from deploy.local.catcher import Catcher
from deploy.local.ports import free_port
from services.common.queries import Health
from services.common.rpc import QueryClient, ServiceUnavailable

SERVICES = ("document", "signing", "seal", "notify")
ROOT = Path(__file__).resolve().parents[1]


class Fleet:
    """`<service>-<i>` and `gateway-<i>` for i < `instances`; all share `var_dir`'s store."""

    def __init__(self, var_dir: Path, amqp_url: str, catcher: Catcher, instances: int = 2,
                 extra_env: dict[str, str] | None = None) -> None:  # fmt: skip
        self.var_dir = var_dir
        self.amqp_url = amqp_url
        self.api_key = "shm_chaos_" + os.urandom(8).hex()
        self.ports = {f"gateway-{i}": free_port() for i in range(instances)}
        self.gateway_urls = [f"http://127.0.0.1:{port}" for port in self.ports.values()]
        self.modules = {f"{s}-{i}": f"services.{s}" for s in SERVICES for i in range(instances)}
        self.modules.update({name: "gateway" for name in self.ports})
        self.env = {
            **os.environ,
            "SHOMEI_VAR_DIR": str(var_dir),
            "SHOMEI_AMQP_URL": amqp_url,
            "SHOMEI_STORE": f"sqlite:///{var_dir}",
            "SHOMEI_PUBLIC_URL": self.gateway_urls[0],
            "SHOMEI_SMTP_PORT": str(catcher.smtp_port),
            "SHOMEI_SMS_API_URL": catcher.twilio_url,
            "SHOMEI_CATCHER_URL": catcher.url,
            "SHOMEI_DEMO_API_KEY": self.api_key,
            "SHOMEI_QUORUM_SIZE": "3",
            "SHOMEI_LOG_LEVEL": "INFO",
            **(extra_env or {}),
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str) -> None:
        env = dict(self.env)
        if name in self.ports:
            env["SHOMEI_GATEWAY_PORT"] = str(self.ports[name])
        log_dir = self.var_dir / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with (log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", self.modules[name]],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def start(self, timeout: float = 180) -> None:
        # one instance first, so first-start work (keys, schemas) is not raced for nothing
        for name in self.modules:
            if name.endswith("-0"):
                self._spawn(name)
        await asyncio.wait_for(self.settle(), timeout)
        for name in self.modules:
            if name not in self.processes:
                self._spawn(name)
        await asyncio.wait_for(self.settle(), timeout)

    async def settle(self) -> None:
        """Until every gateway answers /healthz and every service its health query."""
        async with httpx.AsyncClient(timeout=5) as http:
            running = [n for n in self.ports if n in self.processes]
            for url in (f"http://127.0.0.1:{self.ports[n]}" for n in running):
                while True:
                    self._check_alive()
                    try:
                        if (await http.get(f"{url}/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.3)
        queries = QueryClient(self.amqp_url, 2.0)
        await queries.connect()
        try:
            for service in SERVICES:
                while True:
                    self._check_alive()
                    try:
                        await queries.ask(service, Health())
                        break
                    except ServiceUnavailable:
                        await asyncio.sleep(0.3)
        finally:
            await queries.close()

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None and process.returncode != -signal.SIGKILL:
                log = (self.var_dir / "log" / f"{name}.log").read_text(errors="replace")
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{log[-3000:]}")

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        process = self.processes.pop(name)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    def respawn(self, name: str) -> None:
        self._spawn(name)

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                await asyncio.to_thread(process.wait, 20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                print(f"{name} did not stop on SIGTERM", file=sys.stderr)
        self.processes.clear()
