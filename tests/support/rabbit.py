"""A private RabbitMQ node for tests, on free ports in a temporary folder.

Each node has its own epmd port and HOME, so a test run never touches `./run up`'s node
(or another test run's). The session starts one (`tests/conftest.py`'s `rabbit`); each
stack gets a virtual host of its own on it. Only a test that stops, restarts or kills a
node on purpose starts one of its own:

    async with async_rabbit_node(tmp_path) as url:
        ...
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

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
async def async_rabbit(tmp_dir: Path, management: bool = False) -> AsyncIterator[RabbitNode]:
    """A started node, without blocking the event loop for the 3-8 s it takes."""
    node = make_node(tmp_dir, management)
    await asyncio.to_thread(node.start)
    try:
        yield node
    finally:
        await asyncio.to_thread(node.stop)


@asynccontextmanager
async def async_rabbit_node(tmp_dir: Path, management: bool = False) -> AsyncIterator[str]:
    """Same as `rabbit_node`, without blocking the event loop for the 3-8 s it takes."""
    async with async_rabbit(tmp_dir, management) as node:
        yield node.amqp_url


@asynccontextmanager
async def vhost(node: RabbitNode, prefix: str = "stack") -> AsyncIterator[str]:
    """A fresh virtual host on a running node; yields its AMQP URL, drops it on exit."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    url = await asyncio.to_thread(node.add_vhost, name)
    try:
        yield url
    finally:
        if node.running:
            await asyncio.to_thread(node.delete_vhost, name)
