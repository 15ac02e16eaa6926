"""Session-wide real components: a private RabbitMQ node, a MongoDB wire server and the
mail/SMS catcher. Each starts only when a collected test needs it (the node as soon as
collection ends, the others on first use), on free ports in temporary folders, so a test
run never touches `./run up`'s and can run beside it."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from deploy.local.catcher import Catcher
from deploy.local.inbox import Inbox
from deploy.local.rabbit import RabbitNode
from tests.support.mongo import mongo_wire_server
from tests.support.rabbit import EarlyNode

BROKER_FIXTURES = frozenset({"rabbit", "amqp_url", "stack"})
STACK_FOLDERS = frozenset({"e2e", "browser"})


RABBIT = EarlyNode()


def _needs_broker(item: pytest.Item) -> bool:
    return bool(set(getattr(item, "fixturenames", ())) & BROKER_FIXTURES)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `stack` every test that needs a RabbitMQ node or the whole stack, so that
    `./run test -m "not stack"` runs the fast tests alone (a test that starts a node by
    itself carries the mark in its module); then run the fast tests first, each group in
    its own order, while the session's node boots."""
    for item in items:
        if _needs_broker(item) or STACK_FOLDERS & set(item.path.parts):
            item.add_marker(pytest.mark.stack)
    fast = [item for item in items if item.get_closest_marker("stack") is None]
    items[:] = fast + [item for item in items if item.get_closest_marker("stack") is not None]


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(_needs_broker(item) for item in session.items):
        RABBIT.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    RABBIT.stop()


@pytest.fixture(scope="session")
async def mongo_url() -> AsyncIterator[str]:
    """One mongoeco wire server for the whole session; each test uses its own database."""
    async with mongo_wire_server() as url:
        yield url


@pytest.fixture(scope="session")
async def rabbit() -> AsyncIterator[RabbitNode]:
    """The session's one private RabbitMQ node: bus tests use its default virtual host,
    each stack a virtual host of its own."""
    yield await RABBIT.get()
    await asyncio.to_thread(RABBIT.stop)


@pytest.fixture(scope="session")
def amqp_url(rabbit: RabbitNode) -> str:
    return rabbit.amqp_url


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
