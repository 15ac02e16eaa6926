"""Loads and saves subscriptions and deliveries through the store port."""

from services.common.events import WebhookDeliveryRequested
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.staging import stage
from services.common.store import Collection, UnitOfWork
from services.webhooks.model import Delivery, Subscription

COLLECTIONS = (
    Collection("subscriptions", indexed=("tenant_id",)),
    Collection("deliveries", indexed=("webhook_id", "created_at")),
)


class WebhookRepository:
    def __init__(self, uow: UnitOfWork, correlation_id: str | None = None) -> None:
        self._uow = uow
        self._correlation_id = correlation_id

    async def subscription(self, tenant_id: str, webhook_id: str) -> Subscription:
        """Another agency's subscription, or a deleted one, is as absent as a missing one."""
        doc = await self._uow.get("subscriptions", webhook_id)
        if doc is None or doc["tenant_id"] != tenant_id or doc.get("deleted_at"):
            raise Refused(RefusalCode.webhook_not_found)
        return Subscription.model_validate(doc)

    async def subscriptions(self, tenant_id: str) -> list[Subscription]:
        docs = await self._uow.find("subscriptions", {"tenant_id": tenant_id})
        subs = [Subscription.model_validate(d) for d in docs]
        return sorted((s for s in subs if s.active), key=lambda s: s.created_at)

    async def subscription_by_id(self, webhook_id: str) -> Subscription | None:
        doc = await self._uow.get("subscriptions", webhook_id)
        return Subscription.model_validate(doc) if doc else None

    def save_subscription(self, subscription: Subscription) -> None:
        self._uow.save("subscriptions", subscription.model_dump(mode="json"))

    async def delivery(self, delivery_id: str) -> Delivery | None:
        doc = await self._uow.get("deliveries", delivery_id)
        return Delivery.model_validate(doc) if doc else None

    async def deliveries(self, webhook_id: str, limit: int) -> list[Delivery]:
        docs = await self._uow.find(
            "deliveries",
            {"webhook_id": webhook_id},
            order_by="created_at",
            descending=True,
            limit=limit,
        )
        return [Delivery.model_validate(d) for d in docs]

    def save_delivery(self, delivery: Delivery, *, send: bool = False) -> None:
        """With `send`, a delivery request goes out in the same unit of work (outbox)."""
        events = (
            [WebhookDeliveryRequested(tenant_id=delivery.tenant_id, delivery_id=delivery.id)]
            if send
            else []
        )
        stage(
            self._uow,
            "deliveries",
            delivery.model_dump(mode="json"),
            events,
            self._correlation_id,
        )
