"""Idempotency records and rate counters in the gateway's store, on both engines, with two
store connections standing for two gateway instances; expired ones swept."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.idempotency import COLLECTIONS as IDEMPOTENCY
from gateway.idempotency import IdempotencyRecords, Outcome
from gateway.ratelimit import COLLECTIONS as RATES
from gateway.ratelimit import SHARDS, RateLimiter
from gateway.sweep import BATCH, Sweeper, sweep_expired
from services.common.store import Store, open_store


@pytest.fixture(params=["sqlite", "mongo"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}"
    return str(request.getfixturevalue("mongo_url"))


@pytest.fixture
async def two_gateways(store_url: str) -> AsyncIterator[tuple[Store, Store]]:
    url = store_url
    service = f"gw_{uuid.uuid4().hex[:10]}"
    stores = [open_store(url, service, (*IDEMPOTENCY, *RATES)) for _ in range(2)]
    for store in stores:
        await store.open()
    yield stores[0], stores[1]
    for store in stores:
        await store.close()


async def test_concurrent_requests_with_one_key_on_two_gateways_have_one_winner(two_gateways):
    records = [IdempotencyRecords(s, 24, 60) for s in two_gateways]
    claims = await asyncio.gather(
        *(records[i % 2].claim("t1", "key-1", "POST /api/v1/envelopes") for i in range(20))
    )
    outcomes = [c.outcome for c in claims]
    assert outcomes.count(Outcome.claimed) == 1
    assert set(outcomes) == {Outcome.claimed, Outcome.busy}
    [winner] = [c for c in claims if c.outcome is Outcome.claimed]
    await records[0].finish(winner, "abc", 201, [("content-type", "application/json")], b'{"id":1}')
    replay = await records[1].claim("t1", "key-1", "POST /api/v1/envelopes")
    assert replay.outcome is Outcome.replay
    assert replay.answer() == (201, [(b"content-type", b"application/json")], b'{"id":1}')
    assert replay.record["body_sha256"] == "abc"
    other = await records[1].claim("t1", "key-1", "POST /api/v1/envelopes/x/send")
    assert other.outcome is Outcome.reused
    theirs = await records[1].claim("t2", "key-1", "POST /api/v1/envelopes")
    assert theirs.outcome is Outcome.claimed, "keys are scoped to the agency"


async def test_a_released_or_abandoned_claim_may_be_taken_again(two_gateways):
    first, second = (
        IdempotencyRecords(two_gateways[0], 24, 60),
        IdempotencyRecords(two_gateways[1], 24, 0),
    )
    claim = await first.claim("t", "k", "POST /p")
    await first.release(claim)
    again = await first.claim("t", "k", "POST /p")
    assert again.outcome is Outcome.claimed
    taken = await second.claim("t", "k", "POST /p")
    assert (await first.claim("t", "k", "POST /p")).outcome is Outcome.busy
    assert taken.outcome is Outcome.busy, "held for 60 s by the first gateway"
    crashed = await second.claim("t", "k2", "POST /p")
    assert (await second.claim("t", "k2", "POST /p")).outcome is Outcome.claimed, "lock of 0 s"
    assert crashed.outcome is Outcome.claimed


async def test_two_gateways_counting_at_once_keep_close_to_the_limit_and_exact_one_by_one(
    two_gateways,
):
    limiters = [RateLimiter(s, 60) for s in two_gateways]
    now = 1_800_000_000.0
    burst = await asyncio.gather(
        *(limiters[i % 2].hit({"key:a": 30, "tenant:t": 1000}, now=now) for i in range(120))
    )
    passed = sum(not b.exceeded for b in burst)
    assert 30 <= passed <= 30 + 2 * SHARDS, "a burst neither shuts everyone out nor runs far past"
    assert {b.limit for b in burst if b.exceeded} == {30}
    assert {b.reset_seconds for b in burst} == {60 - int(now % 60)}
    later = now + 60
    steady = [
        await limiters[i % 2].hit({"key:a": 30, "tenant:t": 1000}, now=later) for i in range(35)
    ]
    assert [b.exceeded for b in steady] == [False] * 30 + [True] * 5, "exact one at a time"
    assert [b.remaining for b in steady[:3]] == [29, 28, 27]
    tenant_bound = await limiters[1].hit({"key:b": 100, "tenant:t": 36}, now=later)
    assert tenant_bound.limit == 36 and tenant_bound.remaining == 0, "the agency's budget is shared"


async def test_expired_idempotency_answers_and_rate_counters_are_swept_and_fresh_ones_kept(
    two_gateways,
):
    store = two_gateways[0]
    gone = IdempotencyRecords(store, 0, 60)
    kept = IdempotencyRecords(store, 24, 60)
    for i in range(3):
        claim = await gone.claim("t", f"old-{i}", "POST /p")
        await gone.finish(claim, "h", 201, [], b"{}")
    fresh = await kept.claim("t", "new", "POST /p")
    await kept.finish(fresh, "h", 201, [], b"{}")
    limiter = RateLimiter(store, 60)
    long_ago = time.time() - 3600
    for _ in range(5):
        await limiter.hit({"key:a": 10, "tenant:t": 10}, now=long_ago)
    await limiter.hit({"key:a": 10, "tenant:t": 10})

    async with store.unit_of_work() as uow:
        counters_before = len(await uow.find("rate_counters", {}))
    deleted = await sweep_expired(store)
    async with store.unit_of_work() as uow:
        records = [d["id"] for d in await uow.find("idempotency", {})]
        counters = await uow.find("rate_counters", {})
    assert records == [IdempotencyRecords.record_id("t", "new")]
    assert {c["window_of"].split("@")[1] for c in counters} == {str(int(time.time() // 60) * 60)}, (
        "only the current window's counters stay"
    )
    assert deleted == 3 + counters_before - len(counters)
    assert await sweep_expired(store) == 0
    replay = await kept.claim("t", "new", "POST /p")
    assert replay.outcome is Outcome.replay, "a kept answer still answers"
    assert (await gone.claim("t", "old-0", "POST /p")).outcome is Outcome.claimed


async def test_each_gateway_sweeps_periodically_in_batches_while_it_runs(two_gateways):
    store = two_gateways[1]
    gone = IdempotencyRecords(store, 0, 60)
    for i in range(BATCH + 20):
        claim = await gone.claim("t", f"k{i}", "POST /p")
        await gone.release(claim)
    sweeper = Sweeper(store, every_seconds=0.05)
    sweeper.start()
    try:

        async def emptied() -> None:
            while True:
                async with store.unit_of_work() as uow:
                    if await uow.count("idempotency", {}) == 0:
                        return
                await asyncio.sleep(0.05)

        await asyncio.wait_for(emptied(), 60)
    finally:
        await sweeper.stop()
