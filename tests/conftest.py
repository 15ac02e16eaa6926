"""Session-wide real components: a private RabbitMQ node, a MongoDB wire server and the
mail/SMS catcher. Each starts only when a test asks for it, on free ports in temporary
folders, so a test run never touches `./run up`'s and can run beside it."""

from collections.abc import AsyncIterator

import pytest

from deploy.local.catcher import Catcher
from deploy.local.inbox import Inbox
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


@pytest.fixture(scope="session")
async def catcher(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Catcher]:
    """The local SMTP server and Twilio-compatible SMS API every stack sends to."""
    catcher = Catcher(
        tmp_path_factory.mktemp("catcher"),
        smtp_port=0,
        http_port=0,
        twilio_auth=("ACshomeilocal", "local"),
    )
    await catcher.start()
    yield catcher
    await catcher.stop()


@pytest.fixture(scope="session")
def inbox(catcher: Catcher) -> Inbox:
    return catcher.inbox
