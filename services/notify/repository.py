"""Loads and saves notifications through the store port, with their events."""

from services.common.events import NotificationRequested
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork
from services.notify.model import Notification

COLLECTIONS = (Collection("notifications", indexed=("tenant_id", "envelope_id", "status")),)


class NotificationRepository:
    def __init__(self, uow: UnitOfWork, correlation_id: str | None = None) -> None:
        self._uow = uow
        self._correlation_id = correlation_id

    async def for_request(self, event: NotificationRequested) -> Notification:
        """The notification this request asks for: as stored, or new."""
        doc = await self._uow.get("notifications", event.notification_id)
        return Notification.model_validate(doc) if doc else Notification.requested(event)

    def save(self, notification: Notification) -> None:
        stage(
            self._uow,
            "notifications",
            notification.model_dump(mode="json"),
            notification.collect_events(),
            self._correlation_id,
        )
