"""One handler shape for commands and queries: the runtime opens the unit of work, hands it
in, commits after the handler returns, writes nothing when it refuses, and runs it again
on a write conflict; the asker gets the reply model."""

from typing import Literal

import pytest
from pydantic import BaseModel

from services.common.messages import Command, Refused, new_id
from services.common.queries import Health
from services.common.refusals import RefusalCode
from services.common.rpc import QueryClient, QueryFailed
from services.common.runtime import ServiceRuntime
from services.common.settings import Settings
from services.common.store import Collection, UnitOfWork


class Counted(BaseModel):
    count: int


class Count(Command[Counted]):
    kind: Literal["test.count"] = "test.count"
    refuse: bool = False


@pytest.fixture
async def counter(amqp_url, tmp_path):
    name = f"counter{new_id()[:6]}"
    settings = Settings(amqp_url=amqp_url, var_dir=tmp_path, store=f"sqlite:///{tmp_path}")
    runtime = ServiceRuntime(name, [Collection("counters")], settings)
    runs = {"n": 0, "twin_saved": False}

    async def count(q: Count, uow: UnitOfWork) -> Counted:
        runs["n"] += 1
        doc = await uow.get("counters", "c") or {"id": "c", "version": 0, "count": 0}
        if not runs["twin_saved"]:  # a twin writes between our read and our commit
            runs["twin_saved"] = True
            async with runtime.store.unit_of_work() as twin:
                twin.save("counters", {"id": "c", "version": 0, "count": 10})
                await twin.commit()
        doc["count"] += 1
        uow.save("counters", doc)
        if q.refuse:
            raise Refused(RefusalCode.not_signed)
        return Counted(count=doc["count"])

    runtime.answer({Count: count})
    await runtime.store.open()
    async with runtime.broker:
        await runtime.broker.start()
        client = QueryClient(amqp_url, timeout=10)
        await client.connect()
        yield name, client, runtime, runs
        await client.close()
    await runtime.store.close()


async def stored_count(runtime: ServiceRuntime) -> int:
    async with runtime.store.unit_of_work() as uow:
        return (await uow.get("counters", "c"))["count"]


async def test_the_runtime_commits_after_the_handler_and_retries_a_conflict(counter):
    name, client, runtime, runs = counter
    reply = await client.ask(name, Count())
    assert reply == Counted(count=11)
    assert runs["n"] == 2  # the first run lost to the twin and was run again
    assert await stored_count(runtime) == 11


async def test_a_refusal_writes_nothing(counter):
    name, client, runtime, _ = counter
    await client.ask(name, Count())
    with pytest.raises(QueryFailed) as exc:
        await client.ask(name, Count(refuse=True))
    assert exc.value.error.code == RefusalCode.not_signed
    assert await stored_count(runtime) == 11


async def test_every_service_answers_health_beside_its_own_requests(counter):
    name, client, _, _ = counter
    health = await client.ask(name, Health())
    assert health.service == name and health.status == "ok"
