"""Retries with growing delay through the broker: no handler sleeps, polls or holds a slot.

A handler that meets a passing failure of the outside world (a mail relay down, an SMS
provider's 5xx, a time-stamp authority timing out) raises `RetryLater(reason)`; any other
exception counts the same. The message is acknowledged and a copy is parked in
`<queue>.delay.<n>`, a quorum queue whose `x-message-ttl` is the n-th delay of the
schedule; when it expires the broker dead-letters it (at least once) through the fanout
exchange `<queue>.retry` back to `<queue>`, where any worker picks it up. Other messages
flow past it all the while.

    <queue> ──fails──▶ exchange <queue>.delay.<n> ─▶ queue <queue>.delay.<n> (TTL)
       ▲                                                   │ expired
       └──────────── exchange <queue>.retry (fanout) ◀─────┘

Failures are counted in the `x-shomei-attempt` header, not by the broker's delivery
count: a consumer that crashes returns its messages unacknowledged, and that is not a
failure of the message (the queue's `x-delivery-limit` is set high, for poison messages
that kill every consumer). The handler learns through `current_attempt()` which attempt
it runs and whether it is the last; a failure of the last attempt rejects the message to
the service's dead-letter queue. Parked copies keep the event's routing key, so a dead
letter is replayed to `shomei.events` like any other (and the `x-` header is dropped then,
so a replay starts a fresh count).

A handler may also `RetryLater(reason, counts=False)`: park a copy for the first delay
without counting a failure (e.g. while another live worker holds the work).
"""

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue
from faststream.rabbit.message import RabbitMessage

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-shomei-attempt"
"""How many attempts of this message have failed so far (absent = none)."""


class RetryLater(Exception):
    """A passing failure: try this message again after the next delay of the schedule."""

    def __init__(self, reason: str, *, counts: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.counts = counts


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    """1 for the first try; a broker redelivery after a crash keeps the number."""
    final: bool
    """No retry follows a failure of this attempt: record the failure now if it matters."""
    redelivered: bool
    """The broker delivered this message before, to a consumer whose channel is gone."""


_current: ContextVar[Attempt] = ContextVar("shomei_retry_attempt")


def current_attempt() -> Attempt:
    """The attempt the running handler serves (a first, non-final one outside retries)."""
    return _current.get(Attempt(number=1, final=False, redelivered=False))


def failures_of(headers: dict[str, Any] | None) -> int:
    try:
        return max(0, int((headers or {}).get(ATTEMPT_HEADER, 0)))
    except (TypeError, ValueError):
        return 0


class DelayedRetry:
    """The delay queues of one consumer queue and the guard around its handler."""

    def __init__(self, broker: RabbitBroker, queue: RabbitQueue, delays: Sequence[float]) -> None:
        if not delays or any(d <= 0 for d in delays):
            raise ValueError(f"a retry schedule needs positive delays, got {list(delays)!r}")
        self.broker = broker
        self.queue = queue
        self.delays = tuple(float(d) for d in delays)
        self.retry_exchange = RabbitExchange(
            f"{queue.name}.retry", type=ExchangeType.FANOUT, durable=True
        )

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_exchange(self, level: int) -> RabbitExchange:
        return RabbitExchange(
            f"{self.queue.name}.delay.{level}", type=ExchangeType.FANOUT, durable=True
        )

    def delay_queue(self, level: int) -> RabbitQueue:
        return RabbitQueue(
            f"{self.queue.name}.delay.{level}",
            queue_type=QueueType.QUORUM,
            durable=True,
            arguments={
                "x-message-ttl": round(self.delays[level] * 1000),
                "x-dead-letter-exchange": self.retry_exchange.name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )

    async def declare(self) -> None:
        """The delay queues and the way back; after the consumer queue exists."""
        back = await self.broker.declare_exchange(self.retry_exchange)
        home = await self.broker.declare_queue(self.queue)
        await home.bind(back)
        for level in range(len(self.delays)):
            exchange = await self.broker.declare_exchange(self.delay_exchange(level))
            parked = await self.broker.declare_queue(self.delay_queue(level))
            await parked.bind(exchange)

    def wrap(self, handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        """The handler, run under `current_attempt()`; its failures parked or dead-lettered.

        The wrapper keeps the handler's signature, so FastStream injects the same arguments.
        """

        @functools.wraps(handler)
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            message: RabbitMessage = self.broker.context.get_local("message")
            return await self.run(message, lambda: handler(*args, **kwargs))

        return guarded

    async def run(self, message: RabbitMessage, call: Callable[[], Awaitable[Any]]) -> Any:
        raw = message.raw_message
        failures = failures_of(raw.headers)
        attempt = Attempt(
            number=failures + 1,
            final=failures + 1 >= self.max_attempts,
            redelivered=bool(raw.redelivered),
        )
        token = _current.set(attempt)
        try:
            return await call()
        except RetryLater as exc:
            if not exc.counts:
                await self._park(message, 0, failures)
                return None
            await self._failed(message, attempt, exc.reason)
        except Exception as exc:
            log.exception("%s: attempt %d failed", self.queue.name, attempt.number)
            await self._failed(message, attempt, f"{type(exc).__name__}: {exc}")
        finally:
            _current.reset(token)
        return None

    async def _failed(self, message: RabbitMessage, attempt: Attempt, reason: str) -> None:
        if attempt.final:
            log.error(
                "%s: message %s failed its last attempt (%d): %s; dead-lettered",
                self.queue.name,
                message.message_id,
                attempt.number,
                reason,
            )
            await message.reject(requeue=False)
            return
        level = attempt.number - 1
        log.info(
            "%s: message %s attempt %d failed (%s); again in %gs",
            self.queue.name,
            message.message_id,
            attempt.number,
            reason,
            self.delays[level],
        )
        await self._park(message, level, attempt.number)

    async def _park(self, message: RabbitMessage, level: int, failures: int) -> None:
        """Publish the copy (confirmed) before the original is acknowledged: a crash in
        between leaves two copies, which idempotent handlers absorb, never none."""
        raw = message.raw_message
        headers = {k: v for k, v in (raw.headers or {}).items() if not k.startswith("x-")}
        headers[ATTEMPT_HEADER] = failures
        await self.broker.publish(
            raw.body,
            exchange=self.delay_exchange(level),
            routing_key=raw.routing_key or "",
            headers=headers,
            message_id=raw.message_id,
            correlation_id=raw.correlation_id,
            content_type=raw.content_type,
            persist=True,
            mandatory=True,
        )
