"""The delivery state of an envelope's mails and SMS for the sender (B4)."""

from gateway.api.auth import TenantDep
from gateway.api.common import BackendsDep, api_router
from services.common.notifications import EnvelopeMessages, ListEnvelopeMessages
from services.common.queries import GetEnvelope

router = api_router("/api/v1", "api", 401, 404, 422, 502, 503)


@router.get(
    "/envelopes/{envelope_id}/messages",
    summary="Each mail and SMS of an envelope: queued, sent, delivered, failed, suppressed (B4)",
)
async def envelope_messages(
    envelope_id: str, tenant: TenantDep, b: BackendsDep
) -> EnvelopeMessages:
    """Failed and suppressed messages say why. Another agency's envelope is not found."""
    await b.ask("signing", GetEnvelope(tenant_id=tenant.id, envelope_id=envelope_id))
    data = await b.ask("notify", ListEnvelopeMessages(tenant_id=tenant.id, envelope_id=envelope_id))
    return EnvelopeMessages.model_validate(data)
