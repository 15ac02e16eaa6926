"""A RabbitMQ cluster of private nodes on loopback, from Debian's `rabbitmq-server`.

The nodes share one Erlang cookie and one epmd (on its own port, started and stopped
here), so they find each other as `<name>@localhost`; the second and later nodes join
the first with `rabbitmqctl join_cluster`. Quorum queues declared once all have joined
keep a replica on each. A node killed with SIGKILL and started again rejoins by itself
from its own data.
"""

import secrets
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from deploy.local.ports import free_port, wait_for_port
from deploy.local.rabbit import RabbitNode, RabbitNodeError


class RabbitCluster:
    """`start()` blocks until every node runs and has joined; `stop()` leaves nothing."""

    def __init__(
        self,
        base_dir: Path,
        size: int = 3,
        amqp_ports: list[int] | None = None,
        dist_ports: list[int] | None = None,
        epmd_port: int | None = None,
        prefix: str = "shomei",
        die_with_parent: bool = False,
    ) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.epmd_port = epmd_port or free_port()
        amqp_ports = amqp_ports or [free_port() for _ in range(size)]
        dist_ports = dist_ports or [free_port() for _ in range(size)]
        cookie_file = self.base_dir / "cookie"
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if not cookie_file.exists():
            cookie_file.write_text(secrets.token_hex(20))
        cookie = cookie_file.read_text().strip()
        self.nodes = [
            RabbitNode(
                self.base_dir / f"node{i + 1}",
                amqp_port=amqp_ports[i],
                dist_port=dist_ports[i],
                node_name=f"{prefix}-{i + 1}-{amqp_ports[0]}@localhost",
                epmd_port=self.epmd_port,
                die_with_parent=die_with_parent,
                cookie=cookie,
                own_epmd=False,
            )
            for i in range(size)
        ]
        self._epmd: subprocess.Popen[bytes] | None = None

    @property
    def amqp_url(self) -> str:
        """Every node's URL, comma-separated: what `SHOMEI_AMQP_URL` takes."""
        return ",".join(node.amqp_url for node in self.nodes)

    @property
    def log_dir(self) -> Path:
        return self.nodes[0].log_dir

    @property
    def running(self) -> bool:
        return all(node.running for node in self.nodes)

    @property
    def returncode(self) -> int | None:
        return next((n.returncode for n in self.nodes if n.returncode is not None), None)

    @property
    def node_name(self) -> str:
        return next((n.node_name for n in self.nodes if not n.running), self.nodes[0].node_name)

    def kill_stale(self) -> None:
        for node in self.nodes:
            node.kill_stale()

    def start(self) -> None:
        try:
            self._start_epmd()
            seed = self.nodes[0]
            seed.start()
            with ThreadPoolExecutor(len(self.nodes)) as pool:
                for joined in [pool.submit(self._join, node, seed) for node in self.nodes[1:]]:
                    joined.result()
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def _join(node: RabbitNode, seed: RabbitNode) -> None:
        fresh = not (node.base_dir / "mnesia").exists()
        node.start()
        if fresh:
            node.join(seed.node_name)

    def _start_epmd(self) -> None:
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        log_dir = self.base_dir / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with (log_dir / "epmd.log").open("ab") as log:
            self._epmd = subprocess.Popen(
                [epmd, "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not wait_for_port("127.0.0.1", self.epmd_port, 10):
            raise RabbitNodeError(f"epmd did not start on port {self.epmd_port}")

    def kill(self, index: int) -> None:
        """SIGKILL one node, as a crash would."""
        self.nodes[index].kill()

    def restart(self, index: int) -> None:
        """Start a killed or stopped node again; it rejoins from its own data."""
        self.nodes[index].start()

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        epmd, self._epmd = self._epmd, None
        if epmd is not None and epmd.poll() is None:
            epmd.terminate()
            try:
                epmd.wait(5)
            except subprocess.TimeoutExpired:
                epmd.kill()
                epmd.wait()
