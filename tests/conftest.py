"""Session-wide real components: a private RabbitMQ node and a MongoDB wire server.

Each starts only when a test asks for it, on free ports in temporary folders, so a test
run never touches `./run up`'s node and can run beside it.
"""

from collections.abc import AsyncIterator

import pytest

from tests.support.mongo import mongo_wire_server
from tests.support.rabbit import async_rabbit_node


@pytest.fixture(scope="session")
async def mongo_url() -> AsyncIterator[str]:
    """One mongoeco wire server for the whole session; each test uses its own database."""
    async with mongo_wire_server() as url:
        yield url


@pytest.fixture(scope="session")
async def amqp_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """One private RabbitMQ node for the session's bus tests."""
    async with async_rabbit_node(tmp_path_factory.mktemp("rabbit")) as url:
        yield url
