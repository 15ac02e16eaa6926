"""API連携 (A4, B1): an agency's administrator makes and revokes API keys and manages the
webhook subscriptions of the agency's own systems, through the same handlers the public
API runs, so a key or subscription made here is the one the API knows. A new key and a
new signing secret are shown once, on the page that made them, and never again."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from gateway.api import keys as keys_api
from gateway.api import webhooks as webhooks_api
from gateway.console.text import TEXTS
from gateway.console.web import (
    FormText,
    SessionDep,
    backends,
    check_csrf,
    lang,
    redirect,
    render,
    require,
    tenant_of,
)
from gateway.refusals import GatewayCode, Problem
from gateway.staff import Session
from gateway.tenants import SCOPES
from services.common.events import PUBLIC_EVENT_TYPES
from services.common.refusals import RefusalCode

router = APIRouter(prefix="/console/admin", include_in_schema=False)
Many = Annotated[list[str] | None, Form()]
HOME = "/console/admin/integrations"
FIELD_MESSAGES = {
    "scopes": "choose_scope",
    "events": "choose_event",
    "url": "webhook_url_invalid",
    "name": "key_name_too_long",
    "description": "webhook_note_too_long",
}
"""A field the API's request model refused, worded for the form beside it."""
REFUSED_FIELDS = {
    RefusalCode.invalid_webhook_url: "url",
    RefusalCode.invalid_event_types: "events",
}
"""The webhooks service's refusals of a subscription, by the field at fault."""


def _field_errors(exc: ValidationError, language: str) -> dict[str, str]:
    t = TEXTS["en" if language == "en" else "ja"]
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if field == "name" and error["type"] == "string_too_short":
            errors[field] = t["required"]
        else:
            errors.setdefault(field, t[FIELD_MESSAGES.get(field, "required")])
    return errors


async def _page(request: Request, session: Session, status: int = 200, **ctx: Any) -> Response:
    tenant = await tenant_of(request, session)
    keys = await keys_api.list_keys(request, tenant)
    hooks = await webhooks_api.list_webhooks(tenant, backends(request))
    return render(
        request,
        "integrations.html",
        status,
        session,
        active="integrations",
        keys=keys.items,
        hooks=hooks.items,
        scopes=SCOPES,
        events=PUBLIC_EVENT_TYPES,
        **ctx,
    )


@router.get("/integrations")
async def integrations(request: Request, session: SessionDep, done: str = "") -> Response:
    require(request, session, "admin")
    notice = {"revoked": "key_revoked_notice", "deleted": "webhook_deleted"}.get(done)
    return await _page(request, session, notice=TEXTS[lang(request)][notice] if notice else None)


@router.post("/keys")
async def create_key(
    request: Request,
    session: SessionDep,
    name: FormText = None,
    scopes: Many = None,
    csrf: FormText = None,
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "admin")
    form = {"name": (name or "").strip(), "scopes": scopes or []}
    try:
        body = keys_api.ApiKeyRequest(name=form["name"], scopes=form["scopes"])  # type: ignore[arg-type]
    except ValidationError as exc:
        errors = _field_errors(exc, lang(request))
        return await _page(request, session, 422, key_errors=errors, key_form=form)
    made = await keys_api.create_key(body, request, await tenant_of(request, session))
    notice = TEXTS[lang(request)]["key_created"]
    return await _page(request, session, 201, notice=notice, new_key=made)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(
    request: Request, session: SessionDep, key_id: str, csrf: FormText = None
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "admin")
    try:
        await keys_api.revoke_key(key_id, request, await tenant_of(request, session))
    except Problem as problem:
        if problem.code != GatewayCode.api_key_not_found:
            raise
        message = TEXTS[lang(request)]["key_not_found"]
        return await _page(request, session, 404, error=message)
    return redirect(f"{HOME}?done=revoked")


@router.post("/webhooks")
async def create_webhook(
    request: Request,
    session: SessionDep,
    url: FormText = None,
    events: Many = None,
    description: FormText = None,
    csrf: FormText = None,
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "admin")
    form = {
        "url": (url or "").strip(),
        "events": events or [],
        "description": (description or "").strip(),
    }
    errors: dict[str, str] = {}
    try:
        body = webhooks_api.WebhookRequest(
            url=form["url"], events=form["events"], description=form["description"] or None
        )
    except ValidationError as exc:
        errors = _field_errors(exc, lang(request))
    if not errors:
        try:
            made = await webhooks_api.create_webhook(
                body, await tenant_of(request, session), backends(request)
            )
        except Problem as problem:
            field = REFUSED_FIELDS.get(problem.code)
            if field is None:
                raise
            errors[field] = TEXTS[lang(request)][FIELD_MESSAGES[field]]
    if errors:
        return await _page(request, session, 422, hook_errors=errors, hook_form=form)
    notice = TEXTS[lang(request)]["webhook_created"]
    return await _page(request, session, 201, notice=notice, new_secret=made)


@router.post("/webhooks/{webhook_id}/rotate")
async def rotate_secret(
    request: Request, session: SessionDep, webhook_id: str, csrf: FormText = None
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "admin")
    tenant = await tenant_of(request, session)
    rotated = await webhooks_api.rotate_secret(webhook_id, tenant, backends(request))
    notice = TEXTS[lang(request)]["secret_rotated"]
    return await _page(request, session, notice=notice, new_secret=rotated)


@router.post("/webhooks/{webhook_id}/delete")
async def delete_webhook(
    request: Request, session: SessionDep, webhook_id: str, csrf: FormText = None
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "admin")
    tenant = await tenant_of(request, session)
    await webhooks_api.delete_webhook(webhook_id, tenant, backends(request))
    return redirect(f"{HOME}?done=deleted")


@router.get("/webhooks/{webhook_id}")
async def deliveries(
    request: Request, session: SessionDep, webhook_id: str, done: str = ""
) -> Response:
    """A subscription's recent deliveries and each attempt's outcome."""
    require(request, session, "admin")
    tenant = await tenant_of(request, session)
    hooks = await webhooks_api.list_webhooks(tenant, backends(request))
    hook = next((h for h in hooks.items if h.id == webhook_id), None)
    if hook is None:
        raise Problem(RefusalCode.webhook_not_found)
    found = await webhooks_api.list_deliveries(webhook_id, tenant, backends(request), limit=50)
    notice = TEXTS[lang(request)]["redelivered"] if done == "redelivered" else None
    return render(
        request,
        "webhook.html",
        session=session,
        active="integrations",
        hook=hook,
        deliveries=found.items,
        notice=notice,
    )


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(
    request: Request,
    session: SessionDep,
    webhook_id: str,
    delivery_id: str,
    csrf: FormText = None,
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "admin")
    tenant = await tenant_of(request, session)
    await webhooks_api.redeliver(webhook_id, delivery_id, tenant, backends(request))
    return redirect(f"/console/admin/webhooks/{webhook_id}?done=redelivered")
