"""The whole Shomei stack as separate processes, as `./run up` runs it, for e2e tests and
benchmarks: five services and the gateway, on a given broker, SMTP server and store."""

import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from deploy.local.instances import ROOT, Instances
from deploy.local.ports import free_port
from tests.support.shell import run_command

if TYPE_CHECKING:
    from deploy.local.catcher import Catcher
    from deploy.local.rabbit import RabbitNode

SERVICES = ("document", "signing", "seal", "notify", "webhooks")
__all__ = ["ROOT", "SERVICES", "Stack", "create_tenant", "free_port", "running_stack"]


class Stack:
    """One gateway and one instance of each service (`notify_replicas` of notify), each
    process named after its service (`notify`, `notify-1` …)."""

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
        self.instances = Instances(var_dir, amqp_url, self.env)
        for service in SERVICES:
            replicas = notify_replicas if service == "notify" else 1
            for i in range(replicas):
                self.instances.add_service(service if i == 0 else f"{service}-{i}", service)
        self.instances.add_gateway("gateway", self.port)

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        return self.instances.processes

    async def start(self, timeout: float = 60) -> None:
        await self.instances.start(self.instances.names, timeout)

    def logs(self, tail: int = 40) -> str:
        return self.instances.logs(tail)

    def kill(self, name: str) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        self.instances.kill(name)

    async def respawn(self, name: str) -> None:
        """Start one instance again and wait until it answers."""
        self.instances.spawn(name)
        await self.instances.ready([name])

    async def stop(self) -> None:
        await self.instances.stop(grace=15)


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
    var: Path,
    store: str,
    catcher: "Catcher",
    rabbit: "RabbitNode | None" = None,
    extra_env: dict[str, str] | None = None,
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
            extra_env=extra_env,
        )
        await stack.start()
        try:
            yield stack
        finally:
            await stack.stop()
