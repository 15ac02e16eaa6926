"""Request/reply over RabbitMQ: the gateway asks, a service answers on `<service>.query`.

FastStream's own `request()` holds one request in flight per connection (INFRA.md), so the
client here keeps many in flight on one channel: it consumes RabbitMQ's direct reply-to
pseudo-queue and resolves futures keyed by `correlation_id`.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from aio_pika.exceptions import DeliveryError
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError

from services.common.bus import query_queue
from services.common.messages import Query, QueryError, QueryReply, Refused, new_id
from services.common.telemetry import trace_headers

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"


class ServiceUnavailable(Exception):
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} service unavailable: {reason}")
        self.service = service
        self.reason = reason


class QueryFailed(Exception):
    def __init__(self, error: QueryError) -> None:
        super().__init__(error.message)
        self.error = error


class QueryClient:
    def __init__(self, amqp_url: str, timeout: float) -> None:
        self._url = amqp_url
        self.timeout = timeout
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._pending: dict[str, asyncio.Future[bytes]] = {}

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        self._channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        reply_queue = await self._channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await reply_queue.consume(self._on_reply, no_ack=True)

    async def close(self) -> None:
        for future in self._pending.values():
            future.cancel()
        if self._connection is not None:
            await self._connection.close()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(message.body)

    async def ask(self, service: str, query: Query, timeout: float | None = None) -> dict[str, Any]:
        """The reply's data; QueryFailed on a refusal, ServiceUnavailable when nobody answers."""
        channel = self._channel
        if channel is None:
            raise ServiceUnavailable(service, "not connected")
        with _tracer.start_as_current_span(f"{service}.query {query.kind}", kind=SpanKind.CLIENT):
            return await self._ask(channel, service, query, timeout or self.timeout)

    async def _ask(
        self, channel: aio_pika.abc.AbstractChannel, service: str, query: Query, timeout: float
    ) -> dict[str, Any]:
        correlation_id = new_id()
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        message = aio_pika.Message(
            query.model_dump_json().encode(),
            content_type="application/json",
            correlation_id=correlation_id,
            reply_to=DIRECT_REPLY_TO,
            expiration=timeout,
            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
            headers={"query_correlation_id": query.correlation_id, **trace_headers()},
        )
        try:
            await channel.default_exchange.publish(
                message, routing_key=query_queue(service).name, mandatory=True
            )
            body = await asyncio.wait_for(future, timeout)
        except DeliveryError as exc:
            raise ServiceUnavailable(service, "no queue to receive the query") from exc
        except TimeoutError as exc:
            raise ServiceUnavailable(service, f"no answer within {timeout:g}s") from exc
        finally:
            self._pending.pop(correlation_id, None)
        reply = QueryReply.model_validate(json.loads(body))
        if not reply.ok:
            raise QueryFailed(reply.error or QueryError(code="unknown", message="unknown error"))
        return reply.data or {}


Answer = BaseModel | dict[str, Any] | None
QueryHandler = Callable[[Any], Awaitable[Answer]]


class QueryAnswers:
    """The handlers a service answers with, by query `kind`; more can be added until start."""

    def __init__(self) -> None:
        self._by_kind: dict[str, tuple[type[Query], QueryHandler]] = {}

    def add(self, handlers: Mapping[type[Query], QueryHandler]) -> None:
        for model, handler in handlers.items():
            self._by_kind[model.model_fields["kind"].default] = (model, handler)

    async def reply(self, body: dict[str, Any]) -> QueryReply:
        entry = self._by_kind.get(str(body.get("kind")))
        if entry is None:
            return _error("unknown_query", f"unknown query kind {body.get('kind')!r}", 400)
        model, handler = entry
        try:
            query = model.model_validate(body)
        except ValidationError as exc:
            return _error(
                "invalid_query",
                "query does not match its schema",
                422,
                errors=exc.errors(include_url=False, include_context=False, include_input=False),
            )
        try:
            data = await handler(query)
        except Refused as exc:
            return _error(exc.code, exc.message, exc.status, **exc.detail)
        except Exception:
            log.exception("query %s failed", model.__name__)
            return _error("internal_error", "the service failed to answer", 500)
        if isinstance(data, BaseModel):
            data = data.model_dump(mode="json")
        return QueryReply(ok=True, data=data or {})


def answer_queries(
    broker: RabbitBroker,
    service: str,
    handlers: Mapping[type[Query], QueryHandler] | None = None,
) -> QueryAnswers:
    """Subscribe `<service>.query`; each query model's `kind` picks its handler.

    Replies are not mandatory: an asker that gave up has no reply queue any more, and a
    reply nobody waits for is dropped rather than raised.
    """
    answers = QueryAnswers()
    answers.add(handlers or {})

    @broker.subscriber(query_queue(service), ack_policy=AckPolicy.ACK_FIRST, no_reply=True)
    async def answer(body: dict[str, Any], message: RabbitMessage) -> None:
        reply = await answers.reply(body)
        if message.reply_to:
            await broker.publish(
                reply.model_dump(mode="json"),
                routing_key=message.reply_to,
                correlation_id=message.correlation_id,
                mandatory=False,
            )

    return answers


def _error(code: str, message: str, status: int, **detail: Any) -> QueryReply:
    return QueryReply(
        ok=False, error=QueryError(code=code, message=message, status=status, detail=detail)
    )
