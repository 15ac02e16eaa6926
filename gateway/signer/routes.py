"""The signer's pages on a phone (G1–G6): the link names sender, document and signer; the
access code; identity documents; the contract with this party's boxes in place and what
earlier parties put in theirs; confirm and sign, or decline, or hand over; the 37条
consent; a done page that says where the contract stands, and the download.

The link token names the party; after a right access code the signing service hands out an
access session, kept in an HttpOnly cookie scoped to that link's path. Every POST carries
the CSRF token of the page it came from.
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from gateway.refusals import Problem
from gateway.signer import download, identity
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
from services.common.messages import Command
from services.common.queries import GetDocument, GetPageImage
from services.common.refusals import RefusalCode
from services.common.views import SealView, SignerView

router = APIRouter(prefix=SIGNER_PAGES, include_in_schema=False)
ENDED = ("declined", "cancelled", "expired")
limit = RateLimit()
STATE_REFUSALS = {
    RefusalCode.already_signed,
    RefusalCode.not_your_turn,
    RefusalCode.envelope_closed,
    RefusalCode.party_locked,
    RefusalCode.party_declined,
    RefusalCode.access_code_required,
    RefusalCode.consent_already_answered,
    RefusalCode.consent_not_applicable,
}
"""Refusals that say where the party stands: the link's own page, with the refusal's
status, tells it best (a second tap on a button, a page left open while the state moved on)."""


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
    return await _link_page(request, token, view)


async def _link_page(
    request: Request, token: str, view: SignerView, status: int | None = None
) -> Response:
    """Where the party stands: lock, end, code, done, photos, or the contract to sign;
    `status` replaces the page's own when a refused POST shows it."""
    party = view.party
    if party.status == "locked":
        return page(request, token, "signer/locked.html", status or 423, view=view)
    if view.envelope_status in ENDED:
        return state_page(request, token, view.envelope_status, status or 410, view=view)
    if not party.has_access:
        return page(request, token, "signer/access_code.html", status or 200, view=view, error=None)
    if not party.can_sign:
        return _done(request, token, view, status=status or 200)
    if party.missing_documents:
        return identity.identity_page(request, token, view, [], status or 200)
    return await sign_page(request, view, token, status=status or 200)


def _done(
    request: Request, token: str, view: SignerView, error: str | None = None, status: int = 200
) -> Response:
    party = view.party
    if party.status in ("waiting", "declined"):
        return state_page(request, token, party.status, status, view=view)
    until = (
        view.completed_at + timedelta(days=download.DOWNLOAD_DAYS) if view.completed_at else None
    )
    return page(
        request,
        token,
        "signer/done.html",
        status,
        view=view,
        error=error,
        download_until=until,
        download_open=until is None or datetime.now(UTC) < until,
    )


async def sign_page(
    request: Request,
    view: SignerView,
    token: str,
    error: str | None = None,
    status: int = 200,
    about: str = "sign",
    kept: dict[str, str] | None = None,
) -> HTMLResponse:
    """The contract's pages with this party's boxes; shown again with a refusal's message
    beside the form it is `about` (sign, decline, change), that form's input `kept`. The
    seal's size on paper lets the page show it as large as the finished PDF will."""
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
        about=about,
        kept=kept or {},
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
    code: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not csrf_ok(request, csrf):
        return page(request, token, "signer/state.html", 403, state="csrf")
    if limit.blocked(request):
        return page(request, token, "signer/state.html", 429, state="too_many")
    try:
        checked = await backends(request).ask(
            "signing",
            VerifyAccessCode(
                token=token, code=code if len(code) <= 64 else "", context=context(request)
            ),
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
        return await _after_refusal(request, token, exc)
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
        if exc.code == RefusalCode.id_documents_missing:
            message = exc.message(language(request))
            return identity.identity_page(request, token, view, [message], exc.status, exc.code)
        return await _after_refusal(request, token, exc)
    return again(token)


def _consent(answer: object) -> bool | None:
    """The 37条 answer given with the signature, where a client sends it in the same step."""
    return None if answer not in ("yes", "no") else answer == "yes"


async def _act(
    request: Request,
    token: str,
    csrf: str,
    command: Callable[[str | None], Command[SignerView]],
    problem: str | None,
    about: str,
    kept: dict[str, str] | None = None,
) -> Response:
    """A signer's POST other than signing: its CSRF token, then one command (built with the
    session from the cookie) to the signing service, then back to the link (303), whose
    page shows where things stand now. `problem` is the input's own refusal, a text key."""
    if not csrf_ok(request, csrf):
        return page(request, token, "signer/state.html", 403, state="csrf")
    try:
        if problem:
            return await _refusing(request, token, problem, about, kept)
        await backends(request).ask("signing", command(request.cookies.get(COOKIE)))
    except Problem as exc:
        return await _after_refusal(request, token, exc, about, kept)
    return again(token)


async def _after_refusal(
    request: Request,
    token: str,
    exc: Problem,
    about: str = "sign",
    kept: dict[str, str] | None = None,
) -> Response:
    if exc.code in STATE_REFUSALS:
        try:
            view = await open_link(request, token)
        except Problem as gone:
            return refused(request, token, gone)
        return await _link_page(request, token, view, exc.status)
    if exc.status != 422:
        return refused(request, token, exc)
    lang = language(request)
    details = dict.fromkeys(e.detail for e in exc.details(lang).errors)
    message = "\n".join(details) or exc.message(lang)
    return await _refusing(request, token, message, about, kept)


async def _refusing(
    request: Request, token: str, error: str, about: str, kept: dict[str, str] | None = None
) -> Response:
    """The link's page again, with what was wrong with the input."""
    view = await require_access(request, token)
    if view.party.can_sign:
        return await sign_page(request, view, token, error, 422, about, kept)
    return _done(request, token, view, error, 422)


@router.post("/{token}/decline")
async def decline(
    request: Request,
    token: str,
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """署名を辞退する (G4): the envelope ends; the sender and the asked parties are told."""
    reason = reason.strip()

    def command(session: str | None) -> DeclineAsParty:
        return DeclineAsParty(token=token, session=session, reason=reason, context=context(request))

    problem = None if reason else "decline_reason_missing"
    if len(reason) > 500:
        problem = "decline_reason_long"
    return await _act(request, token, csrf, command, problem, "decline", {"reason": reason})


@router.post("/{token}/change-signer")
async def change_signer(
    request: Request,
    token: str,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """署名者変更 (S14, G5): the named person is asked; this link stops working."""
    name, email, phone = name.strip(), email.strip(), phone.strip()

    def command(session: str | None) -> ChangeSigner:
        return ChangeSigner(
            token=token,
            session=session,
            name=name,
            email=email or None,
            phone=phone or None,
            context=context(request),
        )

    problem = None if name else "change_name_missing"
    if len(name) > 100 or len(email) > 254 or len(phone) > 20:
        problem = "change_too_long"
    kept = {"name": name, "email": email, "phone": phone}
    return await _act(request, token, csrf, command, problem, "change", kept)


@router.post("/{token}/consent")
async def consent(
    request: Request,
    token: str,
    answer: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """37条書面の電子交付への同意 (S18, G6), after signing."""

    def command(session: str | None) -> AnswerConsent:
        return AnswerConsent(
            token=token, session=session, consent=answer == "yes", context=context(request)
        )

    given = answer in ("yes", "no")
    return await _act(
        request, token, csrf, command, None if given else "consent_missing", "consent"
    )


router.include_router(identity.router)
router.include_router(download.router)


@router.get("/{token}/{action}")
async def form_address(token: str, action: str) -> Response:
    """A form's address opened by itself (reloaded, bookmarked, switched to English after a
    refusal): the link's page, not a "method not allowed"."""
    return again(token)
