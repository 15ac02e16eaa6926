"""`./run up`'s guards, as functions: one instance per var/, no start on a taken port,
a stable demo key, and a supervisor that names a dead child and leaves nothing behind."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy.local import procs
from deploy.local.supervisor import Supervisor
from deploy.local.up import (
    UpConfig,
    UpError,
    acquire_lock,
    check_ports,
    demo_api_key,
)


def config_on_free_ports(var_dir: Path) -> UpConfig:
    ports = []
    for _ in range(6):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        ports.append(s)
    numbers = [s.getsockname()[1] for s in ports]
    for s in ports:
        s.close()
    env = {
        "SHOMEI_VAR_DIR": str(var_dir),
        "SHOMEI_AMQP_PORT": str(numbers[0]),
        "SHOMEI_RABBIT_DIST_PORT": str(numbers[1]),
        "SHOMEI_EPMD_PORT": str(numbers[2]),
        "SHOMEI_SMTP_PORT": str(numbers[3]),
        "SHOMEI_CATCHER_PORT": str(numbers[4]),
        "SHOMEI_GATEWAY_PORT": str(numbers[5]),
    }
    return UpConfig.from_env(env)


def test_second_instance_is_refused_naming_the_first(tmp_path: Path) -> None:
    first = acquire_lock(tmp_path)
    try:
        with pytest.raises(UpError, match=rf"already running \(pid {os.getpid()}\)"):
            acquire_lock(tmp_path)
    finally:
        first.close()
    acquire_lock(tmp_path).close()  # released: the next ./run up may start


def test_lock_of_a_killed_instance_is_not_stale(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pathlib import Path; from deploy.local.up import acquire_lock;"
            f"lock = acquire_lock(Path({str(tmp_path)!r}));"
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
    with pytest.raises(UpError, match=rf"pid {holder.pid}"):
        acquire_lock(tmp_path)
    holder.kill()
    holder.wait()
    acquire_lock(tmp_path).close()


def test_taken_port_is_named_with_its_variable(tmp_path: Path) -> None:
    config = config_on_free_ports(tmp_path)
    check_ports(config)  # all free
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", config.gateway_port))
        busy.listen()
        with pytest.raises(UpError) as refused:
            check_ports(config)
    message = str(refused.value)
    assert f"port {config.gateway_port} (gateway)" in message
    assert "SHOMEI_GATEWAY_PORT" in message
    assert "\n" not in message


def test_bad_port_value_is_refused() -> None:
    with pytest.raises(UpError, match="SHOMEI_AMQP_PORT"):
        UpConfig.from_env({"SHOMEI_AMQP_PORT": "fifty"})


def test_demo_key_is_made_once_and_private(tmp_path: Path) -> None:
    key = demo_api_key(tmp_path)
    assert key.startswith("shm_demo_") and len(key) > 30
    assert demo_api_key(tmp_path) == key
    assert (tmp_path / "demo-api-key").stat().st_mode & 0o077 == 0


def test_children_get_every_setting(tmp_path: Path) -> None:
    config = config_on_free_ports(tmp_path)
    env = config.child_env("amqp://guest:guest@127.0.0.1:1/", "shm_demo_x")
    assert env["SHOMEI_STORE"] == f"sqlite:///{tmp_path.resolve()}"
    assert env["SHOMEI_SMTP_PORT"] == str(config.smtp_port)
    assert env["SHOMEI_SMS_API_URL"] == f"http://127.0.0.1:{config.catcher_port}/twilio"
    assert env["SHOMEI_CATCHER_URL"] == f"http://127.0.0.1:{config.catcher_port}"
    assert env["SHOMEI_PUBLIC_URL"] == f"http://127.0.0.1:{config.gateway_port}"
    assert env["SHOMEI_DEMO_API_KEY"] == "shm_demo_x"
    mongo = UpConfig.from_env({"SHOMEI_STORE": "mongodb://db:27017/?replicaSet=rs0"})
    assert mongo.child_env("amqp://x", "k")["SHOMEI_STORE"].startswith("mongodb://")


def test_supervisor_names_the_dead_child_and_stops_the_rest(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path / "log")
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    # a child with a grandchild in a session of its own, like Erlang's helpers
    spawner = [
        sys.executable,
        "-c",
        "import subprocess, sys, time;"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " start_new_session=True); time.sleep(60)",
    ]
    crasher = [sys.executable, "-c", "import sys; print('boom: bad settings'); sys.exit(3)"]
    supervisor.spawn("seal", sleeper, dict(os.environ))
    supervisor.spawn("gateway", spawner, dict(os.environ))
    supervisor.spawn("notify", crasher, dict(os.environ))
    supervisor.children["notify"].wait(10)
    assert supervisor.dead() == ("notify", 3)
    assert supervisor.tail("notify") == "boom: bad settings"
    assert "boom: bad settings" in supervisor.log_path("notify").read_text()
    time.sleep(0.5)  # let the grandchild start
    everything = [i for child in supervisor.children.values() for i in procs.tree(child.pid)]
    assert len(everything) >= 3
    supervisor.stop_all(grace=5)
    assert [i for i in everything if procs.alive(i)] == []
