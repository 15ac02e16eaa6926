"""The whole stack as processes for e2e tests: once with SQLite, once with MongoDB.

Each stack gets its own RabbitMQ node, its own mail/SMS catcher (in this process, on
free ports) and its own folders; nothing is faked but the SMS provider's API."""

from collections.abc import AsyncIterator

import pytest

from deploy.local.catcher import Catcher
from deploy.local.inbox import Inbox
from tests.support.rabbit import async_rabbit_node
from tests.support.stack import Stack


@pytest.fixture(scope="package")
async def catcher(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Catcher]:
    catcher = Catcher(
        tmp_path_factory.mktemp("catcher"),
        smtp_port=0,
        http_port=0,
        twilio_auth=("ACshomeilocal", "local"),
    )
    await catcher.start()
    yield catcher
    await catcher.stop()


@pytest.fixture(scope="package")
def inbox(catcher: Catcher) -> Inbox:
    return catcher.inbox


@pytest.fixture(scope="package", params=["sqlite", "mongodb"])
async def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    catcher: Catcher,
    mongo_url: str,
) -> AsyncIterator[Stack]:
    var = tmp_path_factory.mktemp(f"stack-{request.param}")
    store = f"sqlite:///{var}" if request.param == "sqlite" else mongo_url
    async with async_rabbit_node(tmp_path_factory.mktemp("rabbit")) as amqp_url:
        stack = Stack(
            var,
            amqp_url,
            catcher.smtp_port,
            store,
            sms_api_url=catcher.twilio_url,
            catcher_url=catcher.url,
        )
        await stack.start()
        yield stack
        await stack.stop()
