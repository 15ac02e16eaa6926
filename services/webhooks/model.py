"""Webhook subscriptions and deliveries: the rules, without I/O, clocks or randomness.

A subscription names a URL, the event types it wants and its signing secrets. Rotating
keeps the previous secret signing beside the new one until the overlap ends, so a receiver
can switch without losing a delivery. A delivery is one event for one subscription: its id
is the `webhook-id` every attempt carries, and its attempts are recorded, newest last.
"""

import hashlib
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from services.common.events import PUBLIC_EVENT_TYPES
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.webhooks.destinations import url_problem

EVENT_TYPES = PUBLIC_EVENT_TYPES
"""Public events an agency may subscribe to."""
KEPT_ATTEMPTS = 50
DeliveryStatus = Literal["pending", "retrying", "succeeded", "failed"]


class Secret(BaseModel):
    value: str
    """`whsec_` and the base64 of the key."""
    valid_until: datetime | None = None
    """None: the current secret; else a rotated one, still signing until then."""


class Subscription(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    url: str
    events: list[str]
    description: str | None = None
    secrets: list[Secret]
    created_at: datetime
    deleted_at: datetime | None = None

    @classmethod
    def create(
        cls,
        *,
        id: str,
        tenant_id: str,
        url: str,
        events: list[str],
        description: str | None,
        secret: str,
        now: datetime,
    ) -> "Subscription":
        if reason := url_problem(url):
            raise Refused(RefusalCode.invalid_webhook_url, reason=reason)
        unknown = [e for e in events if e not in EVENT_TYPES]
        if unknown or not events:
            raise Refused(RefusalCode.invalid_event_types, allowed=", ".join(EVENT_TYPES))
        return cls(
            id=id,
            tenant_id=tenant_id,
            url=url,
            events=list(dict.fromkeys(events)),
            description=description,
            secrets=[Secret(value=secret)],
            created_at=now,
        )

    @property
    def active(self) -> bool:
        return self.deleted_at is None

    def wants(self, event_type: str) -> bool:
        return self.active and event_type in self.events

    def delete(self, now: datetime) -> None:
        if self.deleted_at is None:
            self.deleted_at = now

    def rotate(self, secret: str, now: datetime, overlap: timedelta) -> None:
        """The new secret signs from now on; the current one too, until `now + overlap`.
        A secret rotated out before that is dropped."""
        previous = Secret(value=self.current_secret, valid_until=now + overlap)
        self.secrets = [Secret(value=secret), previous]

    def signing_secrets(self, now: datetime) -> list[str]:
        return [s.value for s in self.secrets if s.valid_until is None or s.valid_until > now]

    @property
    def current_secret(self) -> str:
        return next(s.value for s in self.secrets if s.valid_until is None)

    @property
    def previous_valid_until(self) -> datetime | None:
        return next((s.valid_until for s in self.secrets if s.valid_until is not None), None)


class Attempt(BaseModel):
    at: datetime
    status_code: int | None = None
    error: str | None = None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Delivery(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    webhook_id: str
    event_type: str
    event_id: str
    body: str
    """The exact JSON POSTed on every attempt."""
    status: DeliveryStatus = "pending"
    created_at: datetime
    attempts: list[Attempt] = []

    @staticmethod
    def id_for(webhook_id: str, event_id: str) -> str:
        """Stable: a repeated event for the same subscription is the same delivery."""
        return "msg_" + hashlib.sha256(f"{webhook_id}\n{event_id}".encode()).hexdigest()[:32]

    def record(self, attempt: Attempt, final: bool) -> None:
        """`final`: no retry follows a failure of this attempt."""
        self.attempts = [*self.attempts, attempt][-KEPT_ATTEMPTS:]
        if attempt.ok:
            self.status = "succeeded"
        else:
            self.status = "failed" if final else "retrying"

    def redeliver(self) -> None:
        self.status = "pending"
