"""A notification (email or SMS), who is sending it now, and its delivery state (B4).

Pure: no I/O. The claim protocol that keeps a notification from being sent twice:

- A worker claims a queued notification before it sends, recording itself as `holder`
  (its worker id) in the same write that counts the attempt; the outcome (sent, failed,
  suppressed, or "try later") clears the holder in the write after the send.
- Another delivery of the same notification (a redelivery, a duplicate publish) finds the
  holder. If the holder is gone (its broker connection closed: it died), the claim is
  taken over at once; if the holder lives, it is still working on its own copy, so this
  copy steps aside (parked for a short delay, never watched). A claim older than
  `STALE_CLAIM` is taken over whatever the holder says, so a stuck worker cannot keep a
  message for ever.
- Settled notifications (sent, delivered, failed, suppressed) are never sent again, so a
  replay of a dead letter, an outbox repeat or a twin delivery sends nothing.
"""

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, PrivateAttr

from services.common.events import (
    Channel,
    NotificationDelivered,
    NotificationFailed,
    NotificationRequested,
    NotificationSuppressed,
)
from services.common.messages import Event
from services.common.notifications import (
    DeliveryFailed,
    DeliverySuppressed,
    Locale,
    MessageState,
    MessageStatus,
)

STALE_CLAIM = timedelta(minutes=10)
"""Longer than any send can take (SMTP and SMS timeouts are seconds)."""
Claim = Literal["claimed", "settled", "held"]
_NOTICES = frozenset({"delivery_failed", "delivery_suppressed"})


class Notification(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    kind: str
    channel: Channel
    to: str
    locale: Locale = "ja"
    envelope_id: str | None = None
    party_id: str | None = None
    document_title: str | None = None
    party_name: str | None = None
    tell_sender: str | None = None
    status: MessageStatus = "queued"
    reason: str | None = None
    holder: str | None = None
    claimed_at: datetime | None = None
    attempts: int = 0
    provider_id: str | None = None
    requested_at: datetime
    updated_at: datetime
    _events: list[Event] = PrivateAttr(default_factory=list)

    @classmethod
    def requested(cls, event: NotificationRequested, now: datetime) -> "Notification":
        params = event.params
        return cls(
            id=event.notification_id,
            tenant_id=event.tenant_id,
            kind=event.kind,
            channel=event.channel,
            to=event.to,
            locale=event.locale,
            envelope_id=event.envelope_id,
            party_id=event.party_id,
            document_title=getattr(params, "document_title", None),
            party_name=getattr(params, "recipient_name", None),
            tell_sender=event.tell_sender,
            requested_at=event.occurred_at,
            updated_at=now,
        )

    @property
    def settled(self) -> bool:
        return self.status != "queued"

    def claim(self, worker: str, now: datetime, holder_gone: bool) -> Claim:
        """Take the notification for one attempt, unless settled or held by a live worker."""
        if self.settled:
            return "settled"
        stale = self.claimed_at is not None and now - self.claimed_at > STALE_CLAIM
        if self.holder is not None and not holder_gone and not stale:
            return "held"
        self.holder = worker
        self.claimed_at = now
        self.attempts += 1
        self.updated_at = now
        return "claimed"

    def try_later(self, worker: str, reason: str, now: datetime) -> None:
        """Let go after a passing failure (unless another worker took over meanwhile)."""
        if self.holder == worker:
            self.holder = None
        self.reason = reason[:500]
        self.updated_at = now

    def sent(self, provider_id: str | None, now: datetime) -> None:
        if self.settled:
            return
        self.status = "sent"
        self.holder = None
        self.reason = None
        self.provider_id = provider_id
        self.updated_at = now
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

    def failed(self, reason: str, now: datetime) -> None:
        if self.status in ("failed", "suppressed"):
            return
        self._not_sent("failed", reason, now, NotificationFailed)
        self._tell_sender(
            DeliveryFailed(
                document_title=self.document_title or "-",
                party_name=self.party_name or "-",
                channel=self.channel,
                contact=self.to,
                reason=self.reason or "-",
            )
        )

    def suppressed(
        self, reason: str, now: datetime, acquired_on: date | None, changed_on: date | None
    ) -> None:
        if self.settled:
            return
        self._not_sent("suppressed", reason, now, NotificationSuppressed)
        self._tell_sender(
            DeliverySuppressed(
                document_title=self.document_title or "-",
                party_name=self.party_name or "-",
                phone_number=self.to,
                acquired_on=acquired_on,
                changed_on=changed_on,
            )
        )

    def _not_sent(
        self,
        status: MessageStatus,
        reason: str,
        now: datetime,
        fact: type[NotificationFailed] | type[NotificationSuppressed],
    ) -> None:
        self.status = status
        self.holder = None
        self.reason = reason[:500]
        self.updated_at = now
        self._events.append(
            fact(
                tenant_id=self.tenant_id,
                notification_id=self.id,
                channel=self.channel,
                reason=self.reason,
                envelope_id=self.envelope_id,
                party_id=self.party_id,
            )
        )

    def provider_reported(self, status: str, error_code: str | None, now: datetime) -> None:
        """The SMS provider's later word: handed to the phone, or not."""
        if status == "delivered" and self.status in ("queued", "sent"):
            self.status = "delivered"
            self.updated_at = now
        elif status in ("failed", "undelivered") and self.status in ("queued", "sent"):
            code = f"、エラー {error_code}" if error_code else ""
            self.failed(f"SMS事業者が届かなかったと報告しました（{status}{code}）", now)

    def _tell_sender(self, params: DeliveryFailed | DeliverySuppressed) -> None:
        """A failure or suppression also reaches the sender by mail (B4), once."""
        if not self.tell_sender or self.kind in _NOTICES:
            return
        self._events.append(
            NotificationRequested(
                tenant_id=self.tenant_id,
                notification_id=f"{self.id}.notice",
                channel="email",
                to=self.tell_sender,
                params=params,
                locale=self.locale,
                envelope_id=self.envelope_id,
                party_id=self.party_id,
            )
        )

    def state(self) -> MessageState:
        return MessageState(
            notification_id=self.id,
            kind=self.kind,
            channel=self.channel,
            to=self.to,
            party_id=self.party_id,
            status=self.status,
            reason=self.reason if self.status in ("failed", "suppressed") else None,
            attempts=self.attempts,
            requested_at=self.requested_at,
            updated_at=self.updated_at,
        )

    def collect_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events
