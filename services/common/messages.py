"""Base shapes of everything that travels on the bus: events (facts) and queries (asks)."""

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field


def new_id() -> str:
    return uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Refused(Exception):
    """A service's clear "no": carried back to the asker as a machine-readable error."""

    def __init__(self, code: str, message: str, status: int = 400, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.detail = detail


class Message(BaseModel):
    """Versioned by `v`; unknown fields are ignored so a newer sender does not break a reader."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    v: int = 1


class Event(Message):
    """A fact, published on `shomei.events` with routing key `name`."""

    name: ClassVar[str]

    event_id: str = Field(default_factory=new_id)
    tenant_id: str
    correlation_id: str = Field(default_factory=new_id)
    occurred_at: datetime = Field(default_factory=utcnow)


class Query(Message):
    """An ask to one service; `kind` picks the handler, `correlation_id` follows the request."""

    kind: str
    correlation_id: str = Field(default_factory=new_id)


class QueryError(BaseModel):
    code: str
    message: str
    status: int = 400
    detail: dict[str, Any] = Field(default_factory=dict)


class QueryReply(BaseModel):
    ok: bool
    data: dict[str, Any] | None = None
    error: QueryError | None = None
