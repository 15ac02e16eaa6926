"""Requests on one aggregate run one after the other in a process, and a conflict that
outlasts every retry is answered `busy`, never as an internal error."""

import asyncio

from services.common.answers import QueryAnswers
from services.common.messages import Query
from services.common.runtime import KeyedLocks
from services.common.store import ConcurrencyConflict
from services.common.views import HealthView


class Ping(Query[HealthView]):
    kind: str = "test.ping"


async def test_holders_of_one_key_never_overlap_and_other_keys_do():
    locks = KeyedLocks()
    inside: dict[str, int] = {"a": 0, "b": 0}
    same_key: list[int] = []
    both_keys: list[int] = []

    async def hold(key: str) -> None:
        async with locks.hold(key):
            inside[key] += 1
            same_key.append(inside[key])
            both_keys.append(inside["a"] + inside["b"])
            await asyncio.sleep(0.001)
            inside[key] -= 1

    await asyncio.gather(*(hold(k) for k in "abababab"))
    assert max(same_key) == 1
    assert max(both_keys) == 2
    assert locks._locks == {}  # nothing kept once nobody holds a key


async def test_a_conflict_that_outlasts_the_retries_is_answered_busy():
    async def conflicting(_: Ping) -> HealthView:
        raise ConcurrencyConflict("still racing")

    answers = QueryAnswers("test", {Ping: conflicting})
    answer = await answers.reply(Ping())
    assert not answer.ok and answer.error is not None
    assert answer.error.code == "busy"
