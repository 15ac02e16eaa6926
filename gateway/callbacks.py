"""Status callbacks of the SMS provider, checked as Twilio signs them, forwarded to notify.

Twilio signs each callback with `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the
account's auth token, of the URL it called followed by the POST parameters sorted by
name. The URL is the public one notify gave the provider (`public_url` + path), not the
one this process sees behind a proxy. An unsigned or wrongly signed callback changes
nothing (403); a signed one without a message id or with an unknown status gets 400.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from twilio.request_validator import RequestValidator

from gateway.backends import Backends
from gateway.refusals import GatewayCode, Problem
from services.common.notifications import SMS_STATUS_PATH, ReportSmsStatus

router = APIRouter(include_in_schema=False)


@router.post(SMS_STATUS_PATH)
async def sms_status(request: Request) -> Response:
    settings = request.app.state.settings
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += f"?{request.url.query}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not RequestValidator(settings.twilio_auth_token).validate(url, params, signature):
        raise Problem(GatewayCode.callback_not_signed)
    try:
        report = ReportSmsStatus(
            provider_id=params.get("MessageSid", ""),
            status=params.get("MessageStatus", ""),  # type: ignore[arg-type]
            error_code=params.get("ErrorCode") or None,
        )
    except ValidationError as exc:
        raise Problem(GatewayCode.callback_invalid) from exc
    backends: Backends = request.app.state.backends
    await backends.ask("notify", report)
    return Response(status_code=204)
