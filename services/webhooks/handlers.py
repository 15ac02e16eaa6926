"""Webhook use cases: subscriptions (commands and queries), fan-out of public events into
one delivery per subscription, and one attempt of one delivery.

Fan-out and attempts are separate messages on purpose: each delivery waits, fails and
retries on its own, so a receiver that is down or hangs never holds back another's.
"""

import json
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from services.common.commands import CreateWebhook, DeleteWebhook, Redeliver, RotateWebhookSecret
from services.common.events import WebhookDeliveryRequested
from services.common.messages import Event, Refused, new_id, utcnow
from services.common.queries import ListDeliveries, ListWebhooks
from services.common.refusals import RefusalCode
from services.common.retry import RetryLater, current_attempt
from services.common.store import InUnitOfWork, UnitOfWork
from services.common.views import (
    DeliveryAttemptView,
    DeliveryListView,
    DeliveryView,
    WebhookListView,
    WebhookView,
)
from services.webhooks.destinations import Network
from services.webhooks.guard import check_url
from services.webhooks.model import Attempt, Delivery, Subscription
from services.webhooks.repository import WebhookRepository
from services.webhooks.sender import Sender

log = logging.getLogger(__name__)
HIDDEN = ("v", "tenant_id", "correlation_id")
"""Envelope fields of an event that are not the agency's business."""


def webhook_view(sub: Subscription, with_secret: bool = False) -> WebhookView:
    return WebhookView(
        id=sub.id,
        url=sub.url,
        events=sub.events,
        description=sub.description,
        created_at=sub.created_at,
        secret=sub.current_secret if with_secret else None,
        secret_previous_valid_until=sub.previous_valid_until,
    )


def delivery_view(d: Delivery) -> DeliveryView:
    return DeliveryView(
        id=d.id,
        webhook_id=d.webhook_id,
        event_type=d.event_type,
        source_event_id=d.event_id,
        status=d.status,
        created_at=d.created_at,
        attempts=[DeliveryAttemptView(**a.model_dump(), ok=a.ok) for a in d.attempts],
    )


def webhook_body(event_type: str, payload: dict[str, Any]) -> str:
    """The Standard Webhooks shape: `type`, `timestamp`, `data`."""
    data = {k: v for k, v in payload.items() if k not in HIDDEN}
    return json.dumps(
        {"type": event_type, "timestamp": payload.get("occurred_at"), "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


class WebhookHandlers:
    def __init__(
        self,
        in_unit_of_work: InUnitOfWork,
        sender: Sender,
        new_secret: Callable[[], str],
        secret_overlap: timedelta,
        allowed: Sequence[Network] = (),
    ) -> None:
        self._uow = in_unit_of_work
        self._sender = sender
        self._new_secret = new_secret
        self._overlap = secret_overlap
        self._allowed = tuple(allowed)

    # -- subscriptions -------------------------------------------------------------------

    async def create(self, c: CreateWebhook, uow: UnitOfWork) -> WebhookView:
        """A URL whose host resolves to an internal address is refused now (SSRF); each
        delivery checks again as it connects."""
        sub = Subscription.create(
            id="wh_" + new_id(),
            tenant_id=c.tenant_id,
            url=c.url,
            events=c.events,
            description=c.description,
            secret=self._new_secret(),
            now=utcnow(),
        )
        if forbidden := await check_url(sub.url, self._allowed):
            raise Refused(
                RefusalCode.webhook_url_forbidden,
                reason=forbidden.reason,
                address=forbidden.address,
            )
        WebhookRepository(uow).save_subscription(sub)
        return webhook_view(sub, with_secret=True)

    async def list(self, q: ListWebhooks, uow: UnitOfWork) -> WebhookListView:
        subs = await WebhookRepository(uow).subscriptions(q.tenant_id)
        return WebhookListView(items=[webhook_view(s) for s in subs])

    async def delete(self, c: DeleteWebhook, uow: UnitOfWork) -> WebhookView:
        repo = WebhookRepository(uow)
        sub = await repo.subscription(c.tenant_id, c.webhook_id)
        sub.delete(utcnow())
        repo.save_subscription(sub)
        return webhook_view(sub)

    async def rotate(self, c: RotateWebhookSecret, uow: UnitOfWork) -> WebhookView:
        repo = WebhookRepository(uow)
        sub = await repo.subscription(c.tenant_id, c.webhook_id)
        sub.rotate(self._new_secret(), utcnow(), self._overlap)
        repo.save_subscription(sub)
        return webhook_view(sub, with_secret=True)

    async def deliveries(self, q: ListDeliveries, uow: UnitOfWork) -> DeliveryListView:
        repo = WebhookRepository(uow)
        await repo.subscription(q.tenant_id, q.webhook_id)
        found = await repo.deliveries(q.webhook_id, max(1, min(q.limit, 200)))
        return DeliveryListView(items=[delivery_view(d) for d in found])

    async def redeliver(self, c: Redeliver, uow: UnitOfWork) -> DeliveryView:
        repo = WebhookRepository(uow, c.correlation_id)
        await repo.subscription(c.tenant_id, c.webhook_id)
        delivery = await repo.delivery(c.delivery_id)
        if delivery is None or delivery.webhook_id != c.webhook_id:
            raise Refused(RefusalCode.delivery_not_found)
        delivery.redeliver()
        repo.save_delivery(delivery, send=True)
        return delivery_view(delivery)

    # -- events --------------------------------------------------------------------------

    async def fan_out(self, event: Event, uow: UnitOfWork) -> None:
        """One delivery, and one delivery request, per subscription that wants the event."""
        repo = WebhookRepository(uow, event.correlation_id)
        payload = event.model_dump(mode="json")
        body = webhook_body(event.name, payload)
        for sub in await repo.subscriptions(event.tenant_id):
            if not sub.wants(event.name):
                continue
            delivery_id = Delivery.id_for(sub.id, event.event_id)
            if await repo.delivery(delivery_id) is not None:
                continue
            delivery = Delivery(
                id=delivery_id,
                tenant_id=event.tenant_id,
                webhook_id=sub.id,
                event_type=event.name,
                event_id=event.event_id,
                body=body,
                created_at=utcnow(),
            )
            repo.save_delivery(delivery, send=True)

    async def attempt(self, request: WebhookDeliveryRequested) -> None:
        """POST once; record the outcome; a failure before the last attempt retries later."""
        delivery, sub = await self._uow(lambda uow: self._load(uow, request.delivery_id))
        if delivery is None or sub is None or not sub.active:
            log.info("delivery %s: nothing to deliver to", request.delivery_id)
            return
        if delivery.status == "succeeded":
            return
        attempt = await self._sender.post(
            sub.url, sub.signing_secrets(utcnow()), delivery.id, delivery.body
        )
        final = current_attempt().final
        await self._uow(lambda uow: self._record(uow, delivery.id, attempt, final))
        if not attempt.ok and not final:
            raise RetryLater(attempt.error or f"HTTP {attempt.status_code}")

    @staticmethod
    async def _load(
        uow: UnitOfWork, delivery_id: str
    ) -> tuple[Delivery | None, Subscription | None]:
        repo = WebhookRepository(uow)
        delivery = await repo.delivery(delivery_id)
        if delivery is None:
            return None, None
        return delivery, await repo.subscription_by_id(delivery.webhook_id)

    @staticmethod
    async def _record(uow: UnitOfWork, delivery_id: str, attempt: Attempt, final: bool) -> None:
        repo = WebhookRepository(uow)
        delivery = await repo.delivery(delivery_id)
        if delivery is None:
            return
        delivery.record(attempt, final)
        repo.save_delivery(delivery)
        await uow.commit()
