"""Several instances of every service and of the gateway on one store and one broker
(a cluster's URL list), as separate processes that a chaos loop may kill and respawn."""

import os
import subprocess
from pathlib import Path

from deploy.local.catcher import Catcher
from deploy.local.instances import Instances
from deploy.local.ports import free_port

SERVICES = ("document", "signing", "seal", "notify", "webhooks")


class Fleet:
    """`<service>-<i>` and `gateway-<i>` for i < `instances`; all share `var_dir`'s store."""

    def __init__(self, var_dir: Path, amqp_url: str, catcher: Catcher, instances: int = 2,
                 extra_env: dict[str, str] | None = None) -> None:  # fmt: skip
        self.var_dir = var_dir
        self.amqp_url = amqp_url
        self.api_key = "shm_chaos_" + os.urandom(8).hex()
        ports = [free_port() for _ in range(instances)]
        self.gateway_urls = [f"http://127.0.0.1:{port}" for port in ports]
        env = {
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
        self.instances = Instances(var_dir, amqp_url, env)
        for i in range(instances):
            for service in SERVICES:
                self.instances.add_service(f"{service}-{i}", service)
            self.instances.add_gateway(f"gateway-{i}", ports[i])

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        return self.instances.processes

    async def start(self, timeout: float = 180) -> None:
        # one instance first, so first-start work (keys, schemas) is not raced for nothing
        first = [name for name in self.instances.names if name.endswith("-0")]
        await self.instances.start(first, timeout)
        rest = [name for name in self.instances.names if name not in first]
        await self.instances.start(rest, timeout)

    async def settle(self, timeout: float) -> None:
        """Until every gateway answers /healthz and every service instance its health."""
        await self.instances.ready(timeout=timeout)

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        self.instances.kill(name)

    def respawn(self, name: str) -> None:
        self.instances.spawn(name)

    async def stop(self) -> None:
        await self.instances.stop(grace=20)
