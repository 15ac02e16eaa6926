"""Request/reply on a real broker: many in flight on one client, each reply to its own asker
as its typed model, a clear refusal, and 503-worthy timeouts."""

import asyncio
from typing import Literal

import pytest
from pydantic import BaseModel

from services.common.answers import answer_queries
from services.common.bus import make_broker
from services.common.messages import Query, Refused, new_id
from services.common.refusals import RefusalCode
from services.common.rpc import QueryClient, QueryFailed, ServiceUnavailable
from services.common.settings import Settings


class Echoed(BaseModel):
    value: int


class Echo(Query[Echoed]):
    kind: Literal["test.echo"] = "test.echo"
    value: int
    sleep: float = 0.0


class Twice(Query[Echoed]):
    kind: Literal["test.twice"] = "test.twice"
    value: int


@pytest.fixture
async def echo_service(amqp_url, tmp_path):
    service = f"echo{new_id()[:6]}"
    broker = make_broker(Settings(amqp_url=amqp_url, var_dir=tmp_path), service)
    state = {"in_flight": 0, "max_in_flight": 0}

    async def echo(q: Echo) -> Echoed:
        if q.value < 0:
            raise Refused(RefusalCode.page_not_found, page=q.value)
        state["in_flight"] += 1
        state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
        await asyncio.sleep(q.sleep)
        state["in_flight"] -= 1
        return Echoed(value=q.value)

    async def twice(q: Twice) -> Echoed:
        return Echoed(value=2 * q.value)

    answer_queries(broker, service, {Echo: echo, Twice: twice})
    async with broker:
        await broker.start()
        client = QueryClient(amqp_url, timeout=5)
        await client.connect()
        yield service, client, state
        await client.close()


async def test_many_queries_in_flight_each_get_their_own_reply(echo_service):
    service, client, state = echo_service
    replies = await asyncio.gather(
        *(client.ask(service, Echo(value=i, sleep=0.05)) for i in range(64))
    )
    assert [r.value for r in replies] == list(range(64))
    assert state["max_in_flight"] > 1


async def test_the_reply_is_the_request_s_reply_model_picked_by_kind(echo_service):
    service, client, _ = echo_service
    reply = await client.ask(service, Twice(value=21))
    assert isinstance(reply, Echoed) and reply.value == 42


async def test_a_refusal_comes_back_machine_readable(echo_service):
    service, client, _ = echo_service
    with pytest.raises(QueryFailed) as exc:
        await client.ask(service, Echo(value=-1))
    assert exc.value.error.code == RefusalCode.page_not_found
    assert exc.value.error.params == {"page": -1}


async def test_a_query_not_matching_its_schema_is_refused_not_crashed(echo_service):
    service, client, _ = echo_service

    class BadEcho(Query[Echoed]):
        kind: Literal["test.echo"] = "test.echo"
        value: str

    class Unknown(Query[Echoed]):
        kind: Literal["test.unknown"] = "test.unknown"

    with pytest.raises(QueryFailed) as exc:
        await client.ask(service, BadEcho(value="not a number"))
    assert exc.value.error.code == RefusalCode.invalid_request
    with pytest.raises(QueryFailed) as exc:
        await client.ask(service, Unknown())
    assert exc.value.error.code == RefusalCode.invalid_request


async def test_a_slow_service_is_unavailable_after_the_timeout(echo_service):
    service, client, _ = echo_service
    with pytest.raises(ServiceUnavailable) as exc:
        await client.ask(service, Echo(value=1, sleep=2), timeout=0.3)
    assert "no answer" in exc.value.reason
