"""The whole stack as processes for e2e tests: once with SQLite, once with MongoDB.

Each stack gets a virtual host of its own on the session's RabbitMQ node, folders of its
own, and mails to the session's catcher; nothing is faked but the SMS provider's API."""

from collections.abc import AsyncIterator

import pytest

from deploy.local.catcher import Catcher
from deploy.local.rabbit import RabbitNode
from tests.support.stack import Stack, running_stack


@pytest.fixture(scope="package", params=["sqlite", "mongodb"])
async def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    catcher: Catcher,
    mongo_url: str,
    rabbit: RabbitNode,
) -> AsyncIterator[Stack]:
    var = tmp_path_factory.mktemp(f"stack-{request.param}")
    store = f"sqlite:///{var / 'var'}" if request.param == "sqlite" else mongo_url
    async with running_stack(var, store, catcher, rabbit) as stack:
        yield stack
