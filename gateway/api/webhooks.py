"""Webhook subscriptions (B1): where an agency's system is told of events, signed the
Standard Webhooks way; their recent deliveries and a redelivery."""

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.auth import TenantDep
from gateway.api.common import BackendsDep, api_router
from services.common.commands import CreateWebhook, DeleteWebhook, Redeliver, RotateWebhookSecret
from services.common.queries import ListDeliveries, ListWebhooks
from services.common.views import DeliveryListView, DeliveryView, WebhookListView, WebhookView

router = api_router("/api/v1/webhooks", "webhooks")


class WebhookRequest(BaseModel):
    """A new subscription."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    url: str = Field(min_length=8, max_length=2000)
    """Where each event is POSTed (http or https)."""
    events: list[str] = Field(min_length=1, max_length=20)
    """Event types: envelope.sent, party.signed, envelope.declined, envelope.completed,
    envelope.expired, envelope.cancelled, notification.failed."""
    description: str | None = Field(default=None, max_length=200)
    """Your own note (up to 200 characters)."""


@router.post("", status_code=201, summary="Subscribe a URL to events", response_model=WebhookView)
async def create_webhook(body: WebhookRequest, tenant: TenantDep, b: BackendsDep) -> WebhookView:
    """The answer shows the signing secret (`whsec_…`) once: keep it to verify signatures."""
    return await b.ask(
        "webhooks",
        CreateWebhook(
            tenant_id=tenant.id, url=body.url, events=body.events, description=body.description
        ),
    )


@router.get("", summary="The agency's webhook subscriptions", response_model=WebhookListView)
async def list_webhooks(tenant: TenantDep, b: BackendsDep) -> WebhookListView:
    return await b.ask("webhooks", ListWebhooks(tenant_id=tenant.id))


@router.delete("/{webhook_id}", summary="Delete a subscription", response_model=WebhookView)
async def delete_webhook(webhook_id: str, tenant: TenantDep, b: BackendsDep) -> WebhookView:
    return await b.ask("webhooks", DeleteWebhook(tenant_id=tenant.id, webhook_id=webhook_id))


@router.post(
    "/{webhook_id}/rotate-secret",
    summary="A new signing secret; the previous one signs too for a while",
    response_model=WebhookView,
)
async def rotate_secret(webhook_id: str, tenant: TenantDep, b: BackendsDep) -> WebhookView:
    """Until `secret_previous_valid_until`, each delivery carries two `v1,` signatures."""
    return await b.ask("webhooks", RotateWebhookSecret(tenant_id=tenant.id, webhook_id=webhook_id))


@router.get(
    "/{webhook_id}/deliveries",
    summary="Recent deliveries and each attempt's outcome",
    response_model=DeliveryListView,
)
async def list_deliveries(
    webhook_id: str,
    tenant: TenantDep,
    b: BackendsDep,
    limit: Annotated[int, Query(ge=1, le=200, description="How many, newest first.")] = 50,
) -> DeliveryListView:
    return await b.ask(
        "webhooks", ListDeliveries(tenant_id=tenant.id, webhook_id=webhook_id, limit=limit)
    )


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    summary="Send one delivery again (same webhook-id)",
    response_model=DeliveryView,
)
async def redeliver(
    webhook_id: str, delivery_id: str, tenant: TenantDep, b: BackendsDep
) -> DeliveryView:
    return await b.ask(
        "webhooks",
        Redeliver(tenant_id=tenant.id, webhook_id=webhook_id, delivery_id=delivery_id),
    )
