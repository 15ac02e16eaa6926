"""The signer's pages on a phone (G1–G6): the link names sender, document and signer; the
access code; identity documents; the contract with this party's boxes in place and what
earlier parties put in theirs; confirm and sign, or decline, or hand over; the 37条
consent; a done page that says where the contract stands, and the download.

The link token names the party; after a right access code the signing service hands out an
access session, kept in an HttpOnly cookie scoped to that link's path. Every POST carries
the CSRF token of the page it came from.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from gateway.refusals import Problem
from gateway.signer import identity
from gateway.signer.link import (
    COOKIE,
    NOT_FOUND,
    again,
    backends,
    context,
    open_link,
    refused,
    require_access,
    state_page,
)
from gateway.signer.web import RateLimit, csrf_ok, language, page
from services.common.commands import (
    AnswerConsent,
    ChangeSigner,
    DeclineAsParty,
    DrawSeal,
    SignAsParty,
    VerifyAccessCode,
)
from services.common.links import SIGNER_PAGES
from services.common.queries import GetDocument, GetFinishedDocument, GetPageImage
from services.common.refusals import RefusalCode
from services.common.views import SealView, SignerView

router = APIRouter(prefix=SIGNER_PAGES, include_in_schema=False)
DOWNLOAD_DAYS = 30
"""The finished PDF downloads from the signer's link this long after completion (G7)."""
ENDED = ("declined", "cancelled", "expired")
limit = RateLimit()


@router.get("/{token}", response_class=HTMLResponse)
async def signer_page(request: Request, token: str) -> Response:
    if limit.blocked(request):
        return page(request, token, "signer/state.html", 429, state="too_many")
    try:
        view = await open_link(request, token)
    except Problem as exc:
        if exc.code in NOT_FOUND:
            limit.failed(request)
        return refused(request, token, exc)
    party = view.party
    if party.status == "locked":
        return page(request, token, "signer/locked.html", 423, view=view)
    if view.envelope_status in ENDED:
        return state_page(request, token, view.envelope_status, 410, view=view)
    if not party.has_access:
        return page(request, token, "signer/access_code.html", view=view, error=None)
    if not party.can_sign:
        return _done(request, token, view)
    missing = [k for k in party.required_documents if k not in _attached(view)]
    if missing:
        return page(request, token, "signer/identity.html", view=view, errors=[])
    return await sign_page(request, view, token)


def _attached(view: SignerView) -> set[str]:
    return {image.kind for image in view.party.identity_documents}


def _done(request: Request, token: str, view: SignerView) -> Response:
    party = view.party
    if party.status == "waiting":
        return state_page(request, token, "waiting", 200, view=view)
    if party.status == "declined":
        return state_page(request, token, "declined", 200, view=view)
    until = view.completed_at + timedelta(days=DOWNLOAD_DAYS) if view.completed_at else None
    return page(
        request,
        token,
        "signer/done.html",
        view=view,
        download_until=until,
        download_open=until is None or datetime.now(UTC) < until,
    )


async def sign_page(
    request: Request, view: SignerView, token: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    """The contract's pages with this party's boxes; shown again with a refusal's message.
    The seal's size on paper lets the page show it as large as the finished PDF will."""
    document, seal = await asyncio.gather(
        backends(request).ask(
            "document", GetDocument(tenant_id=view.tenant_id, document_id=view.document_id)
        ),
        _seal_or_none(request, view),
    )
    return page(
        request,
        token,
        "signer/sign.html",
        status,
        view=view,
        pages=document.pages,
        error=error,
        seal=seal,
    )


async def _seal_or_none(request: Request, view: SignerView) -> SealView | None:
    """A seal that cannot be drawn is explained when the signer presses it, not here."""
    if not view.party.can_sign:
        return None
    try:
        return await _seal(request, view)
    except Problem:
        return None


@router.post("/{token}/access-code", response_class=HTMLResponse)
async def enter_access_code(
    request: Request,
    token: str,
    code: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not csrf_ok(request, csrf):
        return page(request, token, "signer/state.html", 403, state="csrf")
    if limit.blocked(request):
        return page(request, token, "signer/state.html", 429, state="too_many")
    try:
        checked = await backends(request).ask(
            "signing", VerifyAccessCode(token=token, code=code, context=context(request))
        )
    except Problem as exc:
        if exc.code in NOT_FOUND:
            limit.failed(request)
        return refused(request, token, exc)
    if checked.locked:
        return page(request, token, "signer/locked.html", 423, view=checked.signer)
    if not checked.granted or checked.session is None:
        return page(
            request,
            token,
            "signer/access_code.html",
            403,
            view=checked.signer,
            error=checked.attempts_left or 0,
        )
    response = again(token)
    response.set_cookie(
        COOKIE,
        checked.session,
        path=f"{SIGNER_PAGES}/{token}",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=3600 * 12,
    )
    return response


@router.get("/{token}/pages/{number}")
async def page_image(request: Request, token: str, number: int) -> StreamingResponse:
    view = await require_access(request, token)
    image = await backends(request).ask(
        "document",
        GetPageImage(tenant_id=view.tenant_id, document_id=view.document_id, page=number),
    )
    return StreamingResponse(
        await backends(request).open_blob(image.blob_id),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )


async def _seal(request: Request, view: SignerView) -> SealView:
    return await backends(request).ask(
        "seal",
        DrawSeal(
            tenant_id=view.tenant_id,
            name=view.party.name,
            party_kind=view.party.kind,
            role=view.party.role,
            seal_image_id=view.party.seal_image_id,
        ),
    )


@router.get("/{token}/seal")
async def seal_image(request: Request, token: str) -> StreamingResponse:
    view = await require_access(request, token)
    seal = await _seal(request, view)
    return StreamingResponse(
        await backends(request).open_blob(seal.blob_id),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )


@router.get("/{token}/marks/{field_id}")
async def mark_seal(request: Request, token: str, field_id: str) -> StreamingResponse:
    """An earlier party's seal, as pressed in their box."""
    view = await require_access(request, token)
    blob = next((m.seal_blob_id for m in view.marks if m.id == field_id), None)
    if blob is None:
        raise Problem(RefusalCode.link_invalid)
    return StreamingResponse(
        await backends(request).open_blob(blob),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )


@router.post("/{token}/sign", response_class=HTMLResponse)
async def sign(request: Request, token: str) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get("csrf")):
        return page(request, token, "signer/state.html", 403, state="csrf")
    try:
        view = await require_access(request, token)
    except Problem as exc:
        return refused(request, token, exc)
    texts = {k.removeprefix("text_"): str(v) for k, v in form.items() if k.startswith("text_")}
    checks = {k.removeprefix("check_"): True for k in form if k.startswith("check_")}
    seals = [f.id for f in view.fields if f.type == "signature" and view.party.can_sign]
    if not all(form.get(f"seal_{field_id}") == "1" for field_id in seals):
        return await sign_page(request, view, token, "seals_missing", 422)
    if form.get("agree") != "1" and view.party.can_sign:
        return await sign_page(request, view, token, "agree_missing", 422)
    seal = await _seal(request, view)
    try:
        await backends(request).ask(
            "signing",
            SignAsParty(
                token=token,
                session=request.cookies.get(COOKIE),
                seal_blob_id=seal.blob_id,
                texts={k: v[:500] for k, v in texts.items()},
                checks=checks,
                article37_consent=_consent(form.get("article37_consent")),
                context=context(request),
            ),
        )
    except Problem as exc:
        if exc.status != 422:
            return refused(request, token, exc)
        return await sign_page(request, view, token, exc.message(language(request)), 422)
    return again(token)


def _consent(answer: object) -> bool | None:
    """The 37条 answer given with the signature, where a client sends it in the same step."""
    return None if answer not in ("yes", "no") else answer == "yes"


@router.post("/{token}/decline")
async def decline(
    request: Request,
    token: str,
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """署名を辞退する (G4): the envelope ends; the sender and the asked parties are told."""
    if not csrf_ok(request, csrf):
        return page(request, token, "signer/state.html", 403, state="csrf")
    try:
        if not reason.strip():
            view = await require_access(request, token)
            return await sign_page(request, view, token, "decline_reason", 422)
        await backends(request).ask(
            "signing",
            DeclineAsParty(
                token=token,
                session=request.cookies.get(COOKIE),
                reason=reason.strip(),
                context=context(request),
            ),
        )
    except Problem as exc:
        return refused(request, token, exc)
    return again(token)


@router.post("/{token}/change-signer")
async def change_signer(
    request: Request,
    token: str,
    name: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """署名者変更 (S14, G5): the named person is asked; this link stops working."""
    if not csrf_ok(request, csrf):
        return page(request, token, "signer/state.html", 403, state="csrf")
    try:
        if not name.strip():
            view = await require_access(request, token)
            return await sign_page(request, view, token, "change_name", 422)
        await backends(request).ask(
            "signing",
            ChangeSigner(
                token=token,
                session=request.cookies.get(COOKIE),
                name=name.strip(),
                email=email.strip() or None,
                phone=phone.strip() or None,
                context=context(request),
            ),
        )
    except Problem as exc:
        if exc.status == 422:
            view = await require_access(request, token)
            return await sign_page(request, view, token, exc.message(language(request)), 422)
        return refused(request, token, exc)
    return again(token)


@router.post("/{token}/consent")
async def consent(
    request: Request,
    token: str,
    answer: Annotated[str, Form(max_length=3)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """37条書面の電子交付への同意 (S18, G6), after signing."""
    if not csrf_ok(request, csrf):
        return page(request, token, "signer/state.html", 403, state="csrf")
    if answer not in ("yes", "no"):
        return again(token)
    try:
        await backends(request).ask(
            "signing",
            AnswerConsent(
                token=token,
                session=request.cookies.get(COOKIE),
                consent=answer == "yes",
                context=context(request),
            ),
        )
    except Problem as exc:
        return refused(request, token, exc)
    return again(token)


def attachment(title: str) -> str:
    """RFC 6266/5987: the contract's title for browsers that read `filename*`, and an ASCII
    fallback for those that do not."""
    name = title.strip().replace("/", "／").replace("\\", "＼") or "contract"
    ascii_name = "".join(c for c in name if c.isascii() and c.isprintable() and c not in '"%;')
    fallback = (ascii_name.strip(" .") or "contract") + ".pdf"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name + '.pdf')}"


@router.get("/{token}/download")
async def download(request: Request, token: str) -> Response:
    try:
        view = await require_access(request, token)
    except Problem as exc:
        if exc.code == RefusalCode.access_code_required:
            return again(token)
        return refused(request, token, exc)
    if not view.finished or view.completed_at is None:
        return again(token)
    if datetime.now(UTC) >= view.completed_at + timedelta(days=DOWNLOAD_DAYS):
        return state_page(request, token, "download_expired", 410, view=view)
    finished = await backends(request).ask(
        "document",
        GetFinishedDocument(
            tenant_id=view.tenant_id, document_id=view.document_id, envelope_id=view.envelope_id
        ),
    )
    return StreamingResponse(
        await backends(request).open_blob(finished.blob_id),
        media_type="application/pdf",
        headers={"Content-Disposition": attachment(view.title), "Cache-Control": "no-store"},
    )


router.include_router(identity.router)
