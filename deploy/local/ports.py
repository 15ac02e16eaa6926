"""TCP port checks shared by the RabbitMQ node, the catcher and `./run up`.

We check before starting anything so a taken port gives one clear line instead of a
half-started stack and an Erlang crash dump.
"""

import socket
import time


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on (host, port).

    Binding with SO_REUSEADDR, like the servers we start do, ignores sockets lingering
    in TIME_WAIT from a previous run but still fails on a live listener (also one bound
    to 0.0.0.0 when we ask for 127.0.0.1).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it); for tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def taken_ports(ports: dict[str, tuple[str, int]]) -> list[str]:
    """One message per port already in use, e.g. `port 8000 (gateway) on 127.0.0.1`."""
    return [
        f"port {port} ({name}) on {host} is already in use"
        for name, (host, port) in ports.items()
        if port_in_use(host, port)
    ]


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    """Poll until (host, port) accepts a TCP connection; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
