"""Fixtures for the store and blob contract suites."""

from collections.abc import AsyncIterator

import pytest

from tests.support.mongo import mongo_wire_server


@pytest.fixture(scope="session")
async def mongo_url() -> AsyncIterator[str]:
    """One mongoeco wire server for the whole session; each test uses its own database."""
    async with mongo_wire_server() as url:
        yield url
