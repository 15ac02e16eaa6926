"""A private RabbitMQ node run from Debian's `rabbitmq-server` package, without root.

Everything the node owns lives under `base_dir`: its HOME (so its own `.erlang.cookie`),
mnesia, logs, pid file, config and enabled-plugins file. It listens on loopback only,
and it gets its own `epmd` on its own port, started and stopped by us, so `./run up`,
the test suite and any system node never share or kill each other's port mapper.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from deploy.local import procs
from deploy.local.ports import taken_ports, wait_for_port
from services.common.settings import get_settings

RABBIT_BIN = get_settings().rabbitmq_bin
LOOPBACK_ERL_ARGS = "-kernel inet_dist_use_interface {127,0,0,1}"


class RabbitNodeError(RuntimeError):
    """The node would not start or stop; the message ends with the tail of its log."""


class RabbitNode:
    """One RabbitMQ node: `start()` blocks until it accepts AMQP, `stop()` leaves nothing.

    Blocking on purpose (it only runs subprocesses); async callers wrap it in
    `asyncio.to_thread`. `die_with_parent` makes the kernel stop the node if the
    creating thread dies: use it only from a main thread that lives as long as the node.
    """

    def __init__(
        self,
        base_dir: Path,
        amqp_port: int,
        dist_port: int,
        node_name: str,
        epmd_port: int | None = None,
        management_port: int | None = None,
        die_with_parent: bool = False,
        cookie: str | None = None,
        own_epmd: bool = True,
    ) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.amqp_port = amqp_port
        self.dist_port = dist_port
        self.epmd_port = epmd_port if epmd_port is not None else dist_port + 1
        self.node_name = node_name if "@" in node_name else f"{node_name}@localhost"
        self.management_port = management_port
        self.die_with_parent = die_with_parent
        self.cookie = cookie
        """The Erlang cookie, shared by the nodes of a cluster; None: the node makes its own."""
        self.own_epmd = own_epmd
        """False in a cluster: its nodes share one epmd, which the cluster starts and stops."""
        self.home = self.base_dir / "home"
        self.pid_file = self.base_dir / "rabbit.pid"
        self.epmd_pid_file = self.base_dir / "epmd.pid"
        self.log_dir = self.base_dir / "log"
        self._server: subprocess.Popen[bytes] | None = None
        self._epmd: subprocess.Popen[bytes] | None = None
        self._tree: list[procs.Ident] = []

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    def vhost_url(self, vhost: str) -> str:
        return f"{self.amqp_url}{quote(vhost, safe='')}"

    def add_vhost(self, vhost: str) -> str:
        """Create `vhost` (guest may do everything in it) and return its AMQP URL.

        A virtual host is a broker of its own (exchanges, queues, bindings), so several
        stacks can share one running node instead of starting one each. One CLI call
        (`import_definitions` creates the vhost and the permission together): ≈1 s,
        against ≈10 s to start and stop a node.
        """
        definitions = {
            "vhosts": [{"name": vhost}],
            "permissions": [
                {"user": "guest", "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
            ],
        }
        path = self.base_dir / f"vhost-{os.getpid()}-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(definitions))
        try:
            self.ctl("import_definitions", str(path))
        finally:
            path.unlink(missing_ok=True)
        return self.vhost_url(vhost)

    def ctl(self, *args: str, timeout: float = 60.0) -> None:
        """`rabbitmqctl args…` against this node; RabbitNodeError when it fails."""
        result = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-q", *args],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RabbitNodeError(
                f"rabbitmqctl {' '.join(args)} failed: {result.stdout}{result.stderr}"
            )

    @property
    def ports(self) -> dict[str, tuple[str, int]]:
        ports = {
            "RabbitMQ AMQP": ("127.0.0.1", self.amqp_port),
            "RabbitMQ distribution": ("127.0.0.1", self.dist_port),
        }
        if self.own_epmd:
            ports["RabbitMQ epmd"] = ("127.0.0.1", self.epmd_port)
        if self.management_port:
            ports["RabbitMQ management"] = ("127.0.0.1", self.management_port)
        return ports

    def env(self) -> dict[str, str]:
        """Environment for the server and for the CLI tools talking to it."""
        base = self.base_dir
        return {
            **os.environ,
            "HOME": str(self.home),
            "RABBITMQ_NODENAME": self.node_name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.log_dir),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.pid_file),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": LOOPBACK_ERL_ARGS,
            # CLI tools: any free distribution port (the default range 35672-35682 is
            # shared by every CLI call on the machine), loopback only.
            "RABBITMQ_CTL_DIST_PORT_MIN": "0",
            "RABBITMQ_CTL_DIST_PORT_MAX": "0",
            "RABBITMQ_CTL_ERL_ARGS": LOOPBACK_ERL_ARGS,
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def _write_config(self) -> None:
        for folder in (self.home, self.log_dir, self.base_dir / "mnesia"):
            folder.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listeners.tcp.1 = 127.0.0.1:{self.amqp_port}",
            "loopback_users.guest = true",
            "log.console = false",
            "log.file.level = info",
        ]
        plugins = "[]."
        if self.management_port:
            lines += [
                "management.tcp.ip = 127.0.0.1",
                f"management.tcp.port = {self.management_port}",
            ]
            plugins = "[rabbitmq_management]."
        (self.base_dir / "rabbitmq.conf").write_text("\n".join(lines) + "\n")
        if self.cookie is not None:
            cookie = self.home / ".erlang.cookie"
            cookie.unlink(missing_ok=True)
            cookie.touch(mode=0o600)
            cookie.write_text(self.cookie)
            cookie.chmod(0o400)
        (self.base_dir / "enabled_plugins").write_text(plugins + "\n")

    def _preexec(self) -> None:
        if self.die_with_parent:
            procs.die_with_parent()

    def start(self, timeout: float = 60.0) -> None:
        """Start epmd and the node; raise RabbitNodeError (after cleaning up) on failure."""
        if not (RABBIT_BIN / "rabbitmq-server").exists():
            raise RabbitNodeError(
                f"{RABBIT_BIN}/rabbitmq-server not found: apt-get install rabbitmq-server"
            )
        self.kill_stale()
        taken = taken_ports(self.ports)
        if taken:
            raise RabbitNodeError("; ".join(taken))
        self._write_config()
        self.pid_file.unlink(missing_ok=True)
        try:
            if self.own_epmd:
                self._start_epmd()
            console = (self.log_dir / "console.log").open("ab")
            self._server = subprocess.Popen(
                [str(RABBIT_BIN / "rabbitmq-server")],
                env=self.env(),
                cwd=self.base_dir,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=self._preexec,
            )
            console.close()
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _start_epmd(self) -> None:
        epmd = shutil.which("epmd") or "/usr/lib/erlang/bin/epmd"
        log = (self.log_dir / "epmd.log").open("ab")
        self._epmd = subprocess.Popen(
            [epmd, "-port", str(self.epmd_port), "-address", "127.0.0.1"],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=self._preexec,
        )
        log.close()
        self.epmd_pid_file.write_text(f"{self._epmd.pid}\n")
        if not wait_for_port("127.0.0.1", self.epmd_port, 10) or self._epmd.poll() is not None:
            raise RabbitNodeError(f"epmd did not start on port {self.epmd_port}" + self._tail())

    def _wait_ready(self, timeout: float) -> None:
        assert self._server is not None
        waiter = subprocess.Popen(
            [
                str(RABBIT_BIN / "rabbitmq-diagnostics"),
                "-q",
                "wait",
                str(self.pid_file),
                "--timeout",
                str(int(timeout)),
            ],
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout + 5
        try:
            while waiter.poll() is None:
                if self._server.poll() is not None:
                    raise RabbitNodeError(
                        f"rabbitmq-server exited with {self._server.returncode}" + self._tail()
                    )
                if time.monotonic() > deadline:
                    raise RabbitNodeError(f"RabbitMQ not ready after {timeout:.0f}s" + self._tail())
                time.sleep(0.1)
        finally:
            if waiter.poll() is None:
                waiter.kill()
            output = waiter.communicate()[0].decode(errors="replace")
        if waiter.returncode != 0:
            raise RabbitNodeError(f"rabbitmq-diagnostics wait failed: {output}" + self._tail())

    def join(self, seed: str) -> None:
        """Make this running node a member of `seed`'s cluster (its own data is dropped)."""
        self.ctl("stop_app")
        self.ctl("join_cluster", seed)
        self.ctl("start_app")

    def kill(self) -> None:
        """SIGKILL the node and its wrapper, as a crash would: no clean shutdown."""
        server, self._server = self._server, None
        if server is None:
            return
        tree = procs.tree(server.pid)
        for found in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(found[0], signal.SIGKILL)
        server.wait()
        self.pid_file.unlink(missing_ok=True)

    def _tail(self, lines: int = 20) -> str:
        text = []
        for name in ("console.log", f"{self.node_name}.log", "epmd.log"):
            path = self.log_dir / name
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                text.append(f"\n--- {path}\n" + "\n".join(tail))
        return "".join(text)

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.poll() is None

    @property
    def returncode(self) -> int | None:
        """Exit code of the server wrapper once it ended by itself, else None."""
        return None if self._server is None else self._server.poll()

    def stop(self, timeout: float = 30.0) -> None:
        """Shut the node down cleanly, then end whatever of it is left, and its epmd.

        Only processes we started (and their descendants) are touched; other nodes on
        this machine, with their own epmd, are never affected.
        """
        server, self._server = self._server, None
        if server is not None:
            if server.poll() is None:
                self._tree = procs.tree(server.pid)
                try:
                    subprocess.run(
                        [str(RABBIT_BIN / "rabbitmqctl"), "-q", "shutdown"],
                        env=self.env(),
                        stdin=subprocess.DEVNULL,
                        capture_output=True,
                        timeout=timeout,
                        check=False,
                    )
                except subprocess.TimeoutExpired:
                    pass
                if server.poll() is None:
                    try:
                        server.wait(5)  # the shell wrapper exits right after the VM
                    except subprocess.TimeoutExpired:
                        pass
            procs.kill_all(self._tree)
            if server.poll() is None:
                server.kill()
            server.wait()
        epmd, self._epmd = self._epmd, None
        if epmd is not None:
            if epmd.poll() is None:
                epmd.terminate()
                try:
                    epmd.wait(5)
                except subprocess.TimeoutExpired:
                    epmd.kill()
                    epmd.wait()
            self.epmd_pid_file.unlink(missing_ok=True)
        # A CLI call that finds no epmd starts `epmd -daemon` itself; such a daemon
        # carries our HOME and port in its environment, which no other node's has.
        procs.kill_all(self._stray_epmds())
        self.pid_file.unlink(missing_ok=True)

    def _stray_epmds(self) -> list[procs.Ident]:
        return procs.find({"HOME": str(self.home), "ERL_EPMD_PORT": str(self.epmd_port)}, "epmd")

    def kill_stale(self) -> None:
        """End a node and epmd left by an earlier run that died without stopping them.

        A process counts as ours only if it is the beam whose `-home` is our HOME, the
        epmd on our port whose PID we recorded, or an epmd whose environment holds our
        HOME and epmd port.
        """
        if self.pid_file.exists():
            pid = _read_pid(self.pid_file)
            argv = procs.cmdline(pid) if pid else []
            if pid and str(self.home) in argv and "beam" in " ".join(argv[:1]):
                procs.kill_all(procs.tree(pid))
            self.pid_file.unlink(missing_ok=True)
        if self.epmd_pid_file.exists():
            pid = _read_pid(self.epmd_pid_file)
            argv = procs.cmdline(pid) if pid else []
            if pid and argv[:1] and argv[0].endswith("epmd") and str(self.epmd_port) in argv:
                found = procs.ident(pid)
                if found:
                    procs.kill_all([found])
            self.epmd_pid_file.unlink(missing_ok=True)
        procs.kill_all(self._stray_epmds())

    def owned_processes(self) -> list[procs.Ident]:
        """Every live process of this node (for tests asserting that none survives)."""
        out: list[procs.Ident] = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            argv = procs.cmdline(int(entry.name))
            joined = " ".join(argv)
            if (str(self.home) in argv and "beam" in joined) or (
                argv[:1] and argv[0].endswith("epmd") and f"-port {self.epmd_port}" in joined
            ):
                found = procs.ident(int(entry.name))
                if found:
                    out.append(found)
        if self._server is not None:
            out += procs.tree(self._server.pid)
        if self._epmd is not None and (found := procs.ident(self._epmd.pid)):
            out.append(found)
        out += [i for i in self._tree if procs.alive(i)]
        out += self._stray_epmds()
        return sorted(set(out))


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
