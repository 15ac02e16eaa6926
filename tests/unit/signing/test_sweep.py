"""Reminders and expiry swept by several service instances at once (B3): the version check
is the claim, so each reminder is asked for exactly once, and nothing is lost when a
sweeper starts late."""

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from services.common.store import ConcurrencyConflict, Store, open_store
from services.signing.credentials import AccessCodes
from services.signing.handlers import SigningHandlers
from services.signing.repository import COLLECTIONS, EnvelopeRepository
from tests.unit.signing.builders import LINK, NOW, party, sent


@pytest.fixture(params=["sqlite", "mongo"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}"
    return str(request.getfixturevalue("mongo_url"))


async def sweep(store: Store, handlers: SigningHandlers) -> None:
    """What each instance's sweep does: find what is due, tick each in its own unit."""
    async with store.unit_of_work() as uow:
        due = await handlers.due(uow)
    for envelope_id in due:
        for _ in range(10):
            try:
                async with store.unit_of_work() as uow:
                    await handlers.tick(envelope_id, uow)
                    await uow.commit()
                break
            except ConcurrencyConflict:
                await asyncio.sleep(0)


async def test_b3_four_instances_sweeping_at_once_remind_once_then_expire_once(store_url):
    service = f"signing_{uuid.uuid4().hex[:10]}"
    stores = [open_store(store_url, service, COLLECTIONS) for _ in range(4)]
    for store in stores:
        await store.open()
    try:
        async with stores[0].unit_of_work() as uow:
            for n in range(5):
                envelope = sent([party(f"人 {n}")])
                envelope.id = f"env-{n}"
                envelope.collect_events()
                EnvelopeRepository(uow).save(envelope)
            await uow.commit()
        codes = AccessCodes(lambda: b"k" * 32)
        for days in (3, 3, 30, 31):
            clock = lambda days=days: NOW + timedelta(days=days, minutes=1)  # noqa: E731
            handlers = [SigningHandlers(codes, LINK, clock) for _ in stores]
            await asyncio.gather(*(sweep(s, h) for s, h in zip(stores, handlers, strict=True)))
        outbox = await stores[0].pending_outbox(limit=1000)
        kinds = [
            m.payload["params"]["kind"] for m in outbox if m.routing_key == "notification.requested"
        ]
        assert kinds.count("signature_reminder") == 5  # one reminder each, not four
        assert kinds.count("envelope_expired") == 5
        expired = [m for m in outbox if m.routing_key == "envelope.expired"]
        assert len(expired) == 5
    finally:
        for store in stores:
            await store.close()
