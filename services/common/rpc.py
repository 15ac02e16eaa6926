"""Request/reply over RabbitMQ: the gateway asks, a service answers on `<service>.query`.

FastStream's own `request()` holds one request in flight per connection, so the client
here keeps many in flight on one channel: it consumes a reply queue of its own and
resolves futures keyed by `correlation_id`.
"""

import asyncio
import logging
import time
from typing import cast

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from aio_pika.exceptions import AMQPError, DeliveryError
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from pydantic import BaseModel

from services.common import failover
from services.common.bus import instance_health_queue, query_queue
from services.common.idempotency import DEADLINE_HEADER, IDEMPOTENCY_HEADER
from services.common.messages import Answer, Refusal, Request, new_id
from services.common.queue_watch import QueueWatch
from services.common.refusals import RefusalCode
from services.common.telemetry import trace_headers

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
QUERY_CLIENT_NAME = "shomei-query-client"


class ServiceUnavailable(Exception):
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service} service unavailable: {reason}")
        self.service = service
        self.reason = reason


class QueryFailed(Exception):
    """The service refused: `error` carries its code and parameters."""

    def __init__(self, error: Refusal) -> None:
        super().__init__(str(error.code))
        self.error = error


class QueryClient:
    """Many queries in flight on one channel, replies matched by `correlation_id`.

    Replies come to an exclusive queue of this process, declared on the robust channel,
    which re-declares it and restores its consumer after every reconnect (RabbitMQ's
    direct reply-to consumer is not restored, and every later request then fails).
    While the broker is away a request fails at once as ServiceUnavailable.
    """

    def __init__(self, amqp_url: str, timeout: float, reconnect_seconds: float = 1.0) -> None:
        self._url = amqp_url
        self.timeout = timeout
        self._reconnect = reconnect_seconds
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._reply_to = f"shomei.reply.{new_id()}"
        self._watch: QueueWatch | None = None

    async def connect(self) -> None:
        self._connection = await failover.connect_robust(
            self._url,
            reconnect_interval=self._reconnect,
            client_properties={"connection_name": QUERY_CLIENT_NAME},
        )
        self._channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        reply_queue = await self._channel.declare_queue(
            self._reply_to, exclusive=True, auto_delete=True, durable=False
        )
        await reply_queue.consume(self._on_reply, no_ack=True)
        self._watch = QueueWatch(self._connection, [self._reply_to])
        self._watch.start()

    @property
    def reply_queue(self) -> str:
        """This process's queue for the answers, exclusive to its connection."""
        return self._reply_to

    async def close(self) -> None:
        if self._watch is not None:
            await self._watch.stop()
        for future in self._pending.values():
            future.cancel()
        if self._connection is not None:
            await self._connection.close()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(message.body)

    async def ask[R: BaseModel](
        self,
        service: str,
        query: Request[R],
        timeout: float | None = None,
        *,
        idempotency_key: str | None = None,
        instance: str | None = None,
    ) -> R:
        """The request's reply model; QueryFailed on a refusal, ServiceUnavailable when
        nobody answers. With `instance`, only that instance of the service is asked (its
        health queue answers `Health` alone).

        The request carries its deadline, past which the service drops it unapplied; with
        an `idempotency_key` a retried command answers its first reply, not a second run.
        """
        channel, connection = self._channel, self._connection
        if channel is None or connection is None:
            raise ServiceUnavailable(service, "not connected")
        if not connection.connected.is_set() or channel.is_closed:
            raise ServiceUnavailable(service, "the broker connection is down, reconnecting")
        with _tracer.start_as_current_span(f"{service}.query {query.kind}", kind=SpanKind.CLIENT):
            queue = query_queue(service) if instance is None else None
            queue = queue or instance_health_queue(service, instance or "")
            return await self._ask(
                channel, service, queue.name, query, timeout or self.timeout, idempotency_key
            )

    async def _ask[R: BaseModel](
        self,
        channel: aio_pika.abc.AbstractChannel,
        service: str,
        queue: str,
        query: Request[R],
        timeout: float,
        idempotency_key: str | None = None,
    ) -> R:
        correlation_id = new_id()
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        message = aio_pika.Message(
            query.model_dump_json().encode(),
            content_type="application/json",
            correlation_id=correlation_id,
            reply_to=self._reply_to,
            expiration=timeout,
            delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
            headers={
                "query_correlation_id": query.correlation_id,
                DEADLINE_HEADER: f"{time.time() + timeout:.3f}",
                **({IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else {}),
                **trace_headers(),
            },
        )
        try:
            async with asyncio.timeout(timeout):
                await channel.default_exchange.publish(message, routing_key=queue, mandatory=True)
                body = await future
        except DeliveryError as exc:
            raise ServiceUnavailable(service, "no queue to receive the query") from exc
        except TimeoutError as exc:
            raise ServiceUnavailable(service, f"no answer within {timeout:g}s") from exc
        except (AMQPError, ConnectionError, RuntimeError) as exc:
            # aio-pika says "connection closed" as RuntimeError while it reconnects.
            raise ServiceUnavailable(
                service, "the broker connection is down, reconnecting"
            ) from exc
        finally:
            self._pending.pop(correlation_id, None)
        answer = Answer.model_validate_json(body)
        if not answer.ok:
            raise QueryFailed(answer.error or Refusal(code=RefusalCode.internal_error))
        return cast(R, type(query).reply_type.model_validate(answer.data or {}))
