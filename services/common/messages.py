"""Base shapes of everything that travels on the bus, in three kinds.

Events are facts, published on the topic exchange. Commands ask one service for a change
and its answer; queries ask it for a read. Each command and query names its reply model as
its type parameter (`class SendEnvelope(Command[EnvelopeView])`), so the asker gets that
model back and the AsyncAPI documents show it.
"""

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from services.common.refusals import RefusalCode


def new_id() -> str:
    return uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    """Attribute docstrings become the schema's field descriptions."""

    model_config = ConfigDict(use_attribute_docstrings=True)


RefusalParam = str | int
"""A refusal's parameters are plain values the gateway can put into any language."""


class RefusalError(Model):
    """One of several problems answered at once, with the party or field it concerns."""

    code: RefusalCode
    """Stable, machine-readable reason."""
    party: int | None = None
    """Index of the party in the request's `parties`, from 0."""
    field: int | None = None
    """Index of the box in the request's `fields`, from 0."""
    input: str | None = None
    """The input at fault, e.g. `email`."""
    params: dict[str, RefusalParam] = {}
    """Values the message needs: the party's role and name, limits …"""


class Refused(Exception):
    """A service's clear "no": a stable code and its parameters, never a status or UI text.

    `errors` lists every problem when several are answered at once."""

    def __init__(
        self,
        code: RefusalCode,
        errors: list[RefusalError] | None = None,
        **params: RefusalParam,
    ) -> None:
        super().__init__(f"{code}: {params}" if params else str(code))
        self.code = code
        self.params = params
        self.errors = errors or []


class Message(BaseModel):
    """Versioned by `v`; unknown fields are ignored so a newer sender does not break a reader."""

    model_config = ConfigDict(extra="ignore", frozen=True, use_attribute_docstrings=True)

    v: int = 1
    """Version of the message's shape."""


class Event(Message):
    """A fact, published on `shomei.events` with routing key `name`."""

    name: ClassVar[str]

    event_id: str = Field(default_factory=new_id)
    """Unique per event; consumers process each id once."""
    tenant_id: str
    """The agency the fact belongs to."""
    correlation_id: str = Field(default_factory=new_id)
    """Follows one caller's request through every message it causes."""
    occurred_at: datetime = Field(default_factory=utcnow)
    """When it happened (UTC)."""


class Request[R: BaseModel](Message):
    """An ask to one service on `<service>.query`; `kind` picks the handler.

    The reply model `R` is read back from the class as `reply_type`.
    """

    reply_type: ClassVar[type[BaseModel]]

    kind: str
    """Picks the handler; the request body is a union discriminated on it."""
    correlation_id: str = Field(default_factory=new_id)
    """Follows the caller's request into the events it causes."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        kind = cls.model_fields["kind"]
        if kind.description is None:
            kind.description = "Picks the handler: always this value for this request."
            cls.model_rebuild(force=True)
        for base in cls.__mro__:
            args = getattr(base, "__pydantic_generic_metadata__", {}).get("args", ())
            if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
                cls.reply_type = args[0]
                return


class Command[R: BaseModel](Request[R]):
    """The caller wants a change, and its answer."""


class Query[R: BaseModel](Request[R]):
    """The caller wants to read; nothing changes that the caller could see."""


class Refusal(Model):
    """A refusal on the wire: what the gateway turns into a status and a message."""

    code: RefusalCode
    """Stable, machine-readable reason."""
    params: dict[str, RefusalParam] = {}
    """Values the message needs: party index, field index, limit …"""
    errors: list[RefusalError] = []
    """Every problem, when several are answered at once."""


class Answer(Model):
    """The reply envelope on the wire: `data` (the request's reply model) or `error`."""

    ok: bool
    """True when `data` holds the reply, false when `error` says why not."""
    data: dict[str, Any] | None = None
    """The reply model, as JSON."""
    error: Refusal | None = None
    """Why the service said no."""
