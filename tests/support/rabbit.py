"""A private RabbitMQ node for tests, on free ports in a temporary folder.

Each node has its own epmd port and HOME, so a test run never touches `./run up`'s node
(or another test run's). The session starts one (`EarlyNode`, the `rabbit` fixture of
`tests/conftest.py`); each stack gets a virtual host of its own on it. Only a test that
stops, restarts or kills a node on purpose starts one of its own:

    async with async_rabbit_node(tmp_path) as url:
        ...
"""

import asyncio
import contextlib
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import unquote

from deploy.local.ports import free_port
from deploy.local.rabbit import RabbitNode


def make_node(tmp_dir: Path, management: bool = False, die_with_parent: bool = False) -> RabbitNode:
    """A node on three (four with management) free loopback ports under `tmp_dir`."""
    amqp = free_port()
    return RabbitNode(
        Path(tmp_dir),
        amqp_port=amqp,
        dist_port=free_port(),
        node_name=f"shomei-test-{amqp}@localhost",
        epmd_port=free_port(),
        management_port=free_port() if management else None,
        die_with_parent=die_with_parent,
    )


@contextmanager
def rabbit_node(tmp_dir: Path, management: bool = False) -> Iterator[str]:
    """Start a node, yield its AMQP URL, stop it (and its epmd) on exit.

    Started from the calling (main) thread, so the kernel also stops the node if the test
    run is killed outright; the async variant starts it from a worker thread and cannot.
    """
    node = make_node(tmp_dir, management, die_with_parent=True)
    node.start()
    try:
        yield node.amqp_url
    finally:
        node.stop()


@asynccontextmanager
async def async_rabbit_node(tmp_dir: Path, management: bool = False) -> AsyncIterator[str]:
    """Same as `rabbit_node`, without blocking the event loop for the 3-8 s it takes."""
    node = make_node(tmp_dir, management)
    await asyncio.to_thread(node.start)
    try:
        yield node.amqp_url
    finally:
        await asyncio.to_thread(node.stop)


@asynccontextmanager
async def vhost(node: RabbitNode, prefix: str = "stack") -> AsyncIterator[str]:
    """A fresh virtual host on a running node; yields its AMQP URL.

    Left in place on exit: the node is the test run's own and goes with it, and dropping
    a virtual host costs a CLI call (≈1-2 s) per stack for nothing.
    """
    yield await asyncio.to_thread(node.add_vhost, f"{prefix}-{uuid.uuid4().hex[:8]}")


class EarlyNode:
    """The test run's node, booted in a thread as soon as collection shows a test needs it,
    so its start (≈4 s on an idle machine, 10 s and more on a busy one) overlaps the fast
    tests, which run first, instead of delaying the first test that needs it."""

    def __init__(self) -> None:
        self._node: RabbitNode | None = None
        self._booted: Future[RabbitNode] | None = None
        self._folder: Path | None = None

    def start(self) -> None:
        if self._booted is not None:
            return
        self._folder = Path(tempfile.mkdtemp(prefix="shomei-rabbit-"))
        node = self._node = make_node(self._folder)
        booted = self._booted = Future()

        def boot() -> None:
            try:
                node.start()
            except BaseException as exc:
                booted.set_exception(exc)
            else:
                booted.set_result(node)

        threading.Thread(target=boot, name="rabbit-boot", daemon=True).start()

    async def get(self) -> RabbitNode:
        """The running node (started now if it was not yet)."""
        self.start()
        assert self._booted is not None
        return await asyncio.wrap_future(self._booted)

    def stop(self) -> None:
        """Stop it (after its boot ends, if it is still booting) and remove its folder."""
        booted, self._booted = self._booted, None
        if booted is None or self._node is None:
            return
        with contextlib.suppress(Exception):
            booted.result(timeout=120)
        self._node.stop()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


async def forget_queue(node: RabbitNode, amqp_url: str, queue: str) -> None:
    """Drop `queue` from the broker's records and nothing else, as a surviving node does
    for a dead node's transient queues: its process and consumers go on unreachable, and
    no consumer is told."""
    vhost = unquote(amqp_url.rsplit("/", 1)[1]) or "/"
    term = f'rabbit_misc:r(<<"{vhost}">>, queue, <<"{queue}">>)'
    await asyncio.to_thread(
        node.ctl, "eval", f'ok = rabbit_amqqueue:internal_delete({term}, <<"test">>).'
    )
