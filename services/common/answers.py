"""The answering side of request/reply: one service's handlers on `<service>.query`.

The queue's body is one union of the service's commands and queries, discriminated on
`kind`, and its reply is the matching reply model inside `Answer`; both are declared to
FastStream so the AsyncAPI document shows them. A body that matches no request is answered
with `invalid_request`, never dropped, so the asker is not left waiting.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, Union

from faststream import BaseMiddleware
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker, RabbitRouter
from faststream.rabbit.annotations import RabbitMessage
from pydantic import BaseModel, Field, ValidationError, create_model

from services.common.bus import query_queue
from services.common.idempotency import (
    IDEMPOTENCY_HEADER,
    IdempotentAnswers,
    deadline,
    past_deadline,
)
from services.common.messages import Answer, Command, Refusal, RefusalError, Refused, Request
from services.common.refusals import RefusalCode
from services.common.rpc import DIRECT_REPLY_TO
from services.common.store import ConcurrencyConflict, Store

log = logging.getLogger(__name__)

RequestHandler = Callable[[Any], Awaitable[BaseModel]]


def _union(models: list[type[BaseModel]]) -> Any:
    return models[0] if len(models) == 1 else Union[tuple(models)]  # noqa: UP007


class QueryAnswers:
    """The handlers a service answers with, by request `kind`."""

    def __init__(self, service: str, handlers: Mapping[type[Request[Any]], RequestHandler]) -> None:
        self.service = service
        self._by_kind = {
            model.model_fields["kind"].default: (model, h) for model, h in handlers.items()
        }
        models = [model for model, _ in self._by_kind.values()]
        union = _union(models)
        self.body_type: Any = (
            Annotated[union, Field(discriminator="kind")] if len(models) > 1 else union
        )
        replies = _union(list(dict.fromkeys(m.reply_type for m in models)))
        self.answer_type: type[BaseModel] = create_model(
            f"{service.capitalize()}Answer",
            __base__=Answer,
            __doc__=f"What the {service} service answers: `data` is the request's reply model.",
            data=(replies | None, Field(None, description="The request's reply model.")),
        )

    async def reply(self, request: Request[Any]) -> Answer:
        model, handler = self._by_kind[request.kind]
        try:
            data = await handler(request)
        except Refused as exc:
            return refusal(exc.code, exc.errors, **exc.params)
        except ConcurrencyConflict:
            log.warning("%s kept conflicting; answered busy", model.__name__)
            return refusal(RefusalCode.busy)
        except Exception:
            log.exception("%s failed", model.__name__)
            return refusal(RefusalCode.internal_error)
        return Answer(ok=True, data=data.model_dump(mode="json"))


def refusal(
    code: RefusalCode, errors: list[RefusalError] | None = None, **params: str | int
) -> Answer:
    return Answer(ok=False, error=Refusal(code=code, params=params, errors=errors or []))


def answer_queries(
    broker: RabbitBroker,
    service: str,
    handlers: Mapping[type[Request[Any]], RequestHandler],
    *,
    store: Store | None = None,
    keep_seconds: float = 24 * 3600.0,
) -> QueryAnswers:
    """Subscribe `<service>.query`; each request model's `kind` picks its handler.

    A request is acked once answered, so the channel's prefetch bounds how many run at
    once and the rest wait in the broker, where their expiry drops them. One that arrives
    past its asker's deadline is dropped unapplied: the asker already said "try again";
    so is a command delivered again (its consumer died, maybe after applying it).
    With a `store`, an idempotency key makes a retried command answer its first reply.
    Replies are not mandatory: an asker that gave up has no reply queue any more, and a
    reply nobody waits for is dropped rather than raised.
    """
    answers = QueryAnswers(service, handlers)
    once = IdempotentAnswers(store, keep_seconds) if store is not None else None
    router = RabbitRouter(middlewares=[_invalid_bodies_answered(broker)])
    replies = router.publisher(
        DIRECT_REPLY_TO,
        title=f"{service}.query:reply",
        description=f"The {service} service's reply, to the asker's reply-to address.",
        schema=answers.answer_type,
    )
    body_type = answers.body_type

    @router.subscriber(
        query_queue(service),
        ack_policy=AckPolicy.ACK,
        no_reply=True,
        description=f"Commands and queries the {service} service answers, by `kind`.",
    )
    async def answer(body: body_type, message: RabbitMessage) -> None:  # type: ignore[valid-type]
        headers = message.headers or {}
        if past_deadline(headers):
            log.warning("%s dropped unapplied: its asker's deadline passed", body.kind)
            return
        key = headers.get(IDEMPOTENCY_HEADER)
        if message.raw_message.redelivered and isinstance(body, Command) and not key:
            # Its first delivery may have been applied before its consumer died.
            log.warning("%s delivered again and dropped: maybe applied already", body.kind)
            return
        if once is not None and isinstance(key, str) and key:
            reply = await once.reply(body, key, deadline(headers), answers.reply)
            if reply is None:
                return
        else:
            reply = await answers.reply(body)
        if message.reply_to:
            await replies.publish(
                reply.model_dump(mode="json"),
                routing_key=message.reply_to,
                correlation_id=message.correlation_id,
                mandatory=False,
            )

    broker.include_router(router)
    return answers


def _invalid_bodies_answered(broker: RabbitBroker) -> Callable[..., BaseMiddleware]:
    """A body that is not one of the service's requests gets `invalid_request` back."""

    class InvalidBodiesAnswered(BaseMiddleware):
        async def consume_scope(
            self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
        ) -> Any:
            try:
                return await call_next(msg)
            except ValidationError as exc:
                log.info("invalid request on the query queue: %s", exc.error_count())
                if msg.reply_to:
                    await broker.publish(
                        refusal(RefusalCode.invalid_request).model_dump(mode="json"),
                        routing_key=msg.reply_to,
                        correlation_id=msg.correlation_id,
                        mandatory=False,
                    )
                return None

    return InvalidBodiesAnswered
