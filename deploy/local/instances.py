"""Named Shomei processes for tests and benchmarks, each started with `python -m`.

Every instance logs to `<var>/log/<name>.log`, carries its name as SHOMEI_INSTANCE_ID
(so its own health queue answers for it), can be killed -9 and started again, and is
waited for until it answers: a gateway on `/healthz`, a service instance on its health
queue. The e2e stack and the kill matrix's fleet are both made of these.
"""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import httpx

from services.common.queries import Health
from services.common.rpc import QueryClient, ServiceUnavailable

ROOT = Path(__file__).resolve().parents[2]


class NotReady(RuntimeError):
    """An instance did not answer in time; `headline` names it ("the broker" while still
    connecting to it), the message adds the end of its log."""

    def __init__(self, name: str, timeout: float, log: str) -> None:
        self.headline = f"{name or 'the broker'} did not answer in {timeout:.0f}s"
        super().__init__(f"{self.headline}:\n{log}")


class Instances:
    """Service instances and gateways on one broker; `env` is what every one gets, as it
    is at each spawn (a test may change it, then start an instance again)."""

    def __init__(self, var_dir: Path, amqp_url: str, env: dict[str, str]) -> None:
        self.var_dir = var_dir
        self.amqp_url = amqp_url
        self.env = env
        self.services: dict[str, str] = {}
        """Instance name → its service (`notify-1` → `notify`)."""
        self.gateways: dict[str, int] = {}
        """Gateway instance name → its HTTP port."""
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._waiting_for = ""
        """The instance `ready` waits for now."""

    def add_service(self, name: str, service: str) -> None:
        self.services[name] = service

    def add_gateway(self, name: str, port: int) -> None:
        self.gateways[name] = port

    @property
    def names(self) -> list[str]:
        return [*self.services, *self.gateways]

    def spawn(self, name: str) -> None:
        """Start `name` (again); its output goes on at the end of its log."""
        env = {**self.env, "SHOMEI_INSTANCE_ID": name}
        if name in self.gateways:
            env["SHOMEI_GATEWAY_PORT"] = str(self.gateways[name])
        module = "gateway" if name in self.gateways else f"services.{self.services[name]}"
        log_dir = self.var_dir / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with (log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", module],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def start(self, names: Iterable[str], timeout: float) -> None:
        """Spawn `names` and wait until each answers; on failure stop everything and
        raise with the ends of the logs."""
        names = list(names)
        for name in names:
            self.spawn(name)
        try:
            await self.ready(names, timeout)
        except NotReady as exc:
            await self.stop()
            raise RuntimeError(f"{exc.headline}:\n{self.logs()}") from None
        except BaseException:
            await self.stop()
            raise

    async def ready(self, names: Iterable[str] | None = None, timeout: float | None = None) -> None:
        """Until each of `names` (default: every running one) answers, or one of ours
        exits by itself; past `timeout` seconds, `NotReady` names the first that did not
        answer, with the end of its log."""
        names = list(self.processes if names is None else names)
        try:
            await asyncio.wait_for(self._answered(names), timeout)
        except TimeoutError:
            name = self._waiting_for
            raise NotReady(name, timeout or 0, self.logs(only=name) if name else "") from None

    async def _answered(self, names: list[str]) -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            for name in (n for n in names if n in self.gateways):
                self._waiting_for = name
                url = f"http://127.0.0.1:{self.gateways[name]}/healthz"
                while True:
                    self.check_alive()
                    try:
                        if (await http.get(url)).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.2)
        self._waiting_for = ""
        queries = QueryClient(self.amqp_url, 2.0)
        await queries.connect()
        try:
            for name in (n for n in names if n in self.services):
                self._waiting_for = name
                while True:
                    self.check_alive()
                    try:
                        await queries.ask(self.services[name], Health(), instance=name)
                        break
                    except ServiceUnavailable:
                        await asyncio.sleep(0.2)
        finally:
            await queries.close()

    def check_alive(self) -> None:
        """Raise when a process we did not kill has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.logs()}")

    def logs(self, tail: int = 40, only: str = "") -> str:
        out = []
        for path in sorted((self.var_dir / "log").glob(f"{only or '*'}.log")):
            lines = path.read_text(errors="replace").splitlines()[-tail:]
            out.append(f"--- {path.name}\n" + "\n".join(lines))
        return "\n".join(out)

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        process = self.processes.pop(name)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    async def stop(self, grace: float = 20) -> None:
        """SIGTERM to all, SIGKILL to what has not stopped after `grace` seconds."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                await asyncio.to_thread(process.wait, grace)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                print(f"{name} did not stop on SIGTERM", file=sys.stderr)
        self.processes.clear()
