"""The webhooks service process: subscriptions, fan-out and signed deliveries.

Each public event type has its own quorum queue here (`webhooks.<event>`); the deliveries
one event causes go out as separate `webhook.delivery_requested` messages through the
outbox to `webhooks.deliver`, whose workers compete and retry each failed attempt through
broker delay queues (services.common.retry) for about three days. Scale it by running
more of it.
"""

from datetime import timedelta
from typing import ClassVar

from faststream.middlewares import AckPolicy
from faststream.rabbit import Channel
from pydantic import ConfigDict

from services.common.bus import EVENTS, event_queue
from services.common.commands import CreateWebhook, DeleteWebhook, Redeliver, RotateWebhookSecret
from services.common.events import WebhookDeliveryRequested
from services.common.messages import Event
from services.common.queries import ListDeliveries, ListWebhooks
from services.common.retry import DelayedRetry
from services.common.runtime import ServiceRuntime
from services.webhooks.destinations import networks
from services.webhooks.handlers import WebhookHandlers
from services.webhooks.model import EVENT_TYPES
from services.webhooks.repository import COLLECTIONS
from services.webhooks.sender import Sender
from services.webhooks.signatures import new_secret

CRASH_LIMIT = 50
"""Consumer crashes a delivery request may survive; failures of the receiver retry by delay."""


class PublicEvent(Event):
    """A public event, kept whole (fields this service does not know included) to pass on."""

    model_config = ConfigDict(extra="allow")


def public_event(name: str) -> type[Event]:
    """One model per routing key, so each event type has its own queue and schema."""
    title = "".join(part.capitalize() for part in name.replace(".", "_").split("_"))
    attrs: dict[str, object] = {
        "__doc__": f"The public event `{name}`, as its publisher sent it; consumed by "
        "webhooks, which delivers it to every subscription that wants it.",
        "__annotations__": {"name": ClassVar[str]},
        "name": name,
    }
    return type(f"{title}Public", (PublicEvent,), attrs)


runtime = ServiceRuntime("webhooks", COLLECTIONS)
settings = runtime.settings
allowed = networks(settings.webhook_allowed_networks)
sender = Sender(settings.webhook_timeout, allowed)
handlers = WebhookHandlers(
    runtime.in_unit_of_work,
    sender,
    new_secret,
    timedelta(hours=settings.webhook_secret_overlap_hours),
    allowed,
)

runtime.answer(
    {
        CreateWebhook: handlers.create,
        ListWebhooks: handlers.list,
        DeleteWebhook: handlers.delete,
        RotateWebhookSecret: handlers.rotate,
        ListDeliveries: handlers.deliveries,
        Redeliver: handlers.redeliver,
    }
)
for event_type in EVENT_TYPES:
    runtime.on(event_type.replace(".", "_"), public_event(event_type), handlers.fan_out)

deliver_queue = event_queue("webhooks", "deliver", WebhookDeliveryRequested, CRASH_LIMIT)
retries = DelayedRetry(runtime.broker, deliver_queue, settings.webhook_retry_delays)


@runtime.broker.subscriber(
    deliver_queue,
    exchange=EVENTS,
    ack_policy=AckPolicy.NACK_ON_ERROR,
    channel=Channel(prefetch_count=settings.webhook_prefetch),
)
@retries.wrap
async def on_webhook_delivery_requested(request: WebhookDeliveryRequested) -> None:
    await handlers.attempt(request)


@runtime.app.after_startup
async def declare_retries() -> None:
    await retries.declare()


runtime.app.after_shutdown(sender.aclose)
runtime.publishes(WebhookDeliveryRequested)
app = runtime.app
