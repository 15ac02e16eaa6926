"""ダッシュボード (D1), 文書管理 (D2) and 詳細: history (D3), 署名再依頼 (D4), cancel (B3),
preview and download (D5). Every read names the staff user's agency, so another agency's
envelope is simply not found."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import ValidationError

from gateway.console.send_routes import sender_context
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
from services.common.commands import CancelEnvelope, ReRequest, ReRequestParty
from services.common.notifications import EnvelopeMessages, ListEnvelopeMessages
from services.common.queries import (
    GetDashboard,
    GetDocument,
    GetEnvelope,
    GetFinishedDocument,
    ListContractTypes,
    ListEnvelopes,
)
from services.common.refusals import RefusalCode

router = APIRouter(prefix="/console", include_in_schema=False)
STATUSES = ("draft", "sent", "signed", "completed", "declined", "cancelled", "expired")
JST = timedelta(hours=9)
PAGE = 20


@router.get("/")
async def dashboard(request: Request, session: SessionDep, changed: str | None = None) -> Response:
    tenant = await tenant_of(request, session)
    view = await backends(request).ask(
        "signing",
        GetDashboard(tenant_id=tenant.id, plan_limit=tenant.plan_limit, latest=10),
    )
    notice = TEXTS[lang(request)]["password_changed"] if changed else None
    return render(
        request, "dashboard.html", session=session, active="dashboard", view=view, notice=notice
    )


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _jst_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) - JST


def _amount(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@router.get("/documents")
async def documents(
    request: Request,
    session: SessionDep,
    status: str = "",
    date_from: str = "",
    date_to: str = "",
    amount_min: str = "",
    amount_max: str = "",
    counterparty: str = "",
    title: str = "",
    cursor: str = "",
) -> Response:
    t = TEXTS[lang(request)]
    errors: dict[str, str] = {}
    start, end = _day(date_from), _day(date_to)
    if date_from and start is None:
        errors["date_from"] = t["invalid_date"]
    if date_to and end is None:
        errors["date_to"] = t["invalid_date"]
    low, high = _amount(amount_min), _amount(amount_max)
    if amount_min and low is None:
        errors["amount_min"] = t["invalid_amount"]
    if amount_max and high is None:
        errors["amount_max"] = t["invalid_amount"]
    form = {
        "status": status,
        "date_from": date_from,
        "date_to": date_to,
        "amount_min": amount_min,
        "amount_max": amount_max,
        "counterparty": counterparty,
        "title": title,
    }
    page = None
    if not errors:
        try:
            page = await backends(
                request
            ).ask(
                "signing",
                ListEnvelopes(
                    tenant_id=session.user.tenant_id,
                    statuses=[status] if status in STATUSES else [],  # type: ignore[list-item]
                    created_from=_jst_midnight(start) if start else None,
                    created_before=_jst_midnight(end + timedelta(days=1)) if end else None,
                    amount_min=low,
                    amount_max=high,
                    counterparty=counterparty.strip()[:200] or None,
                    title=title.strip()[:200] or None,
                    cursor=cursor[:200] or None,
                    limit=PAGE,
                ),
            )
        except Problem as problem:
            if problem.code != RefusalCode.invalid_cursor:
                raise
            errors["cursor"] = problem.message(lang(request))
    next_url = None
    if page and page.next_cursor:
        next_url = "/console/documents?" + urlencode({**form, "cursor": page.next_cursor})
    return render(
        request,
        "documents.html",
        422 if errors else 200,
        session,
        active="documents",
        page=page,
        form=form,
        errors=errors,
        statuses=STATUSES,
        next_url=next_url,
        first_url="/console/documents?" + urlencode(form) if cursor else None,
    )


async def _detail(
    request: Request, session: SessionDep, envelope_id: str, status: int = 200, **ctx: object
) -> Response:
    tenant_id = session.user.tenant_id
    envelope, messages = await asyncio.gather(
        backends(request).ask("signing", GetEnvelope(tenant_id=tenant_id, envelope_id=envelope_id)),
        _messages(request, tenant_id, envelope_id),
    )
    names = {p.id: p.name for p in envelope.parties}
    return render(
        request,
        "detail.html",
        status,
        session,
        active="documents",
        envelope=envelope,
        names=names,
        type_label=await _type_label(request, envelope.contract_type),
        messages=messages,
        **ctx,
    )


async def _messages(request: Request, tenant_id: str, envelope_id: str) -> EnvelopeMessages | None:
    """送信状況 (B4), asked beside the envelope; None when notify does not answer, so the
    rest of the page still shows. Another agency's envelope lists nothing."""
    try:
        return await backends(request).ask(
            "notify", ListEnvelopeMessages(tenant_id=tenant_id, envelope_id=envelope_id)
        )
    except Problem as problem:
        if problem.status < 500:
            raise
        return None


async def _type_label(request: Request, contract_type: str) -> str:
    """The guide's label from the signing service; the English one when asked for."""
    if lang(request) == "en":
        return TEXTS["en"].get(f"ct_{contract_type}", contract_type)
    types = await backends(request).ask("signing", ListContractTypes())
    return next((t.label for t in types.types if t.id == contract_type), contract_type)


@router.get("/documents/{envelope_id}")
async def detail(
    request: Request,
    session: SessionDep,
    envelope_id: str,
    sent: str | None = None,
    done: str | None = None,
) -> Response:
    t = TEXTS[lang(request)]
    notice = t["sent_notice"] if sent else (t.get(f"done_{done}") if done else None)
    return await _detail(request, session, envelope_id, notice=notice)


@router.post("/documents/{envelope_id}/rerequest")
async def rerequest(request: Request, session: SessionDep, envelope_id: str) -> Response:
    form = await request.form()
    check_csrf(request, session, str(form.get("csrf") or ""))
    require(request, session, "send")
    chosen = [str(v) for v in form.getlist("party")]
    t = TEXTS[lang(request)]
    if not chosen:
        return await _detail(request, session, envelope_id, 422, rerequest_error=t["choose_party"])
    try:
        parties = [
            ReRequestParty(
                party_id=party_id,
                name=str(form.get(f"name-{party_id}") or "").strip() or None,
                email=str(form.get(f"email-{party_id}") or "").strip() or None,
                phone=str(form.get(f"phone-{party_id}") or "").strip() or None,
            )
            for party_id in chosen
        ]
        await backends(request).ask(
            "signing",
            ReRequest(
                tenant_id=session.user.tenant_id,
                envelope_id=envelope_id,
                parties=parties,
                context=sender_context(request, session),
            ),
        )
    except ValidationError as exc:
        problem = Problem(GatewayCode.invalid_input, errors=list(exc.errors()))
        return await _detail(
            request, session, envelope_id, 422, rerequest_error=_describe(problem, request)
        )
    except Problem as problem:
        if problem.status >= 500 or problem.status == 404:
            raise
        return await _detail(
            request,
            session,
            envelope_id,
            problem.status,
            rerequest_error=_describe(problem, request),
        )
    return redirect(f"/console/documents/{envelope_id}?done=rerequest")


def _describe(problem: Problem, request: Request) -> str:
    details = problem.details(lang(request))
    return " ".join([details.detail, *(e.detail for e in details.errors)])


@router.post("/documents/{envelope_id}/cancel")
async def cancel(
    request: Request,
    session: SessionDep,
    envelope_id: str,
    reason: FormText = None,
    csrf: FormText = None,
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "send")
    try:
        await backends(request).ask(
            "signing",
            CancelEnvelope(
                tenant_id=session.user.tenant_id,
                envelope_id=envelope_id,
                reason=(reason or "").strip()[:500] or None,
                context=sender_context(request, session),
            ),
        )
    except Problem as problem:
        if problem.status >= 500 or problem.status == 404:
            raise
        return await _detail(
            request, session, envelope_id, problem.status, cancel_error=_describe(problem, request)
        )
    return redirect(f"/console/documents/{envelope_id}?done=cancel")


@router.get("/documents/{envelope_id}/preview")
async def preview(request: Request, session: SessionDep, envelope_id: str) -> Response:
    """プレビュー画面: the original's pages with every party's boxes."""
    envelope = await backends(request).ask(
        "signing", GetEnvelope(tenant_id=session.user.tenant_id, envelope_id=envelope_id)
    )
    document = await backends(request).ask(
        "document", GetDocument(tenant_id=session.user.tenant_id, document_id=envelope.document_id)
    )
    return render(
        request,
        "preview.html",
        session=session,
        active="documents",
        envelope=envelope,
        document=document,
        names={p.id: p.name for p in envelope.parties},
        index={p.id: i for i, p in enumerate(envelope.parties)},
    )


@router.get("/documents/{envelope_id}/download")
async def download(
    request: Request, session: SessionDep, envelope_id: str, inline: int = 0
) -> Response:
    """The finished PDF (D5); only staff with the download right (A4)."""
    require(request, session, "download")
    b = backends(request)
    envelope = await b.ask(
        "signing", GetEnvelope(tenant_id=session.user.tenant_id, envelope_id=envelope_id)
    )
    if not envelope.finished:
        raise Problem(RefusalCode.not_finished, envelope_status=envelope.status)
    finished = await b.ask(
        "document",
        GetFinishedDocument(tenant_id=session.user.tenant_id, document_id=envelope.document_id),
    )
    disposition = "inline; " if inline else "attachment; "
    name = quote(finished.filename)
    return StreamingResponse(
        await b.open_blob(finished.blob_id),
        media_type="application/pdf",
        headers={
            "Content-Disposition": disposition
            + f"filename=\"signed.pdf\"; filename*=UTF-8''{name}",
            "Cache-Control": "private, no-store",
        },
    )
