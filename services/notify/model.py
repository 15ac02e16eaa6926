"""A notification (email or SMS) and its delivery state (B4)."""

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, PrivateAttr

from services.common.events import (
    NotificationDelivered,
    NotificationFailed,
    NotificationRequested,
)
from services.common.messages import Event

Status = Literal["pending", "delivered", "failed"]


class Notification(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    kind: str
    channel: Literal["email", "sms"]
    to: str
    envelope_id: str | None = None
    party_id: str | None = None
    status: Status = "pending"
    attempts: int = 0
    last_error: str | None = None
    provider_id: str | None = None
    requested_at: datetime
    sending_until: datetime | None = None
    delivered_at: datetime | None = None
    _events: list[Event] = PrivateAttr(default_factory=list)

    @classmethod
    def requested(cls, event: NotificationRequested) -> "Notification":
        return cls(
            id=event.notification_id,
            tenant_id=event.tenant_id,
            kind=event.kind,
            channel=event.channel,
            to=event.to,
            envelope_id=event.envelope_id,
            party_id=event.party_id,
            requested_at=event.occurred_at,
        )

    @property
    def settled(self) -> bool:
        """Delivered or permanently failed: a repeated request sends nothing."""
        return self.status != "pending"

    def claim(self, now: datetime, lease: timedelta) -> bool:
        """Start an attempt unless settled or another delivery of it is sending right now.

        At-least-once delivery can hand the same request to two workers at once; the lease
        lets one send while the other stands down.
        """
        if self.settled or (self.sending_until is not None and self.sending_until > now):
            return False
        self.attempts += 1
        self.sending_until = now + lease
        return True

    def transient_failure(self, reason: str) -> None:
        self.last_error = reason[:500]
        self.sending_until = None

    def delivered(self, provider_id: str | None, now: datetime) -> None:
        self.status = "delivered"
        self.provider_id = provider_id
        self.delivered_at = now
        self._events.append(
            NotificationDelivered(
                tenant_id=self.tenant_id,
                notification_id=self.id,
                channel=self.channel,
                envelope_id=self.envelope_id,
                party_id=self.party_id,
                provider_id=provider_id,
            )
        )

    def failed(self, reason: str) -> None:
        self.status = "failed"
        self.last_error = reason[:500]
        self._events.append(
            NotificationFailed(
                tenant_id=self.tenant_id,
                notification_id=self.id,
                channel=self.channel,
                reason=self.last_error,
                envelope_id=self.envelope_id,
                party_id=self.party_id,
            )
        )

    def collect_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events
