"""The signer's pages on a phone (G1–G4): access code, read the contract, press the seal, sign.

The link token names the party; after a right access code the signing service hands out an
access session, kept in an HttpOnly cookie scoped to that link's path.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from gateway.backends import Backends
from gateway.refusals import Problem, describe
from services.common.commands import (
    AnswerConsent,
    ChangeSigner,
    DeclineAsParty,
    DrawSeal,
    OpenSignerLink,
    SignAsParty,
    SignerContext,
    VerifyAccessCode,
)
from services.common.links import SIGNER_PAGES
from services.common.queries import GetDocument, GetFinishedDocument, GetPageImage
from services.common.refusals import RefusalCode
from services.common.views import SealView, SignerView

router = APIRouter(prefix=SIGNER_PAGES, include_in_schema=False)
COOKIE = "shomei_signer"


def _b(request: Request) -> Backends:
    return request.app.state.backends


def _context(request: Request) -> SignerContext:
    return SignerContext(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent", "")[:300],
    )


async def _open(request: Request, token: str) -> SignerView:
    return await _b(request).ask(
        "signing",
        OpenSignerLink(token=token, session=request.cookies.get(COOKIE), context=_context(request)),
    )


def _page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status)


async def _require_access(request: Request, token: str) -> SignerView:
    view = await _open(request, token)
    if not view.party.has_access:
        raise Problem(RefusalCode.access_code_required)
    return view


@router.get("/{token}", response_class=HTMLResponse)
async def signer_page(request: Request, token: str) -> Response:
    view = await _open(request, token)
    party = view.party
    if party.status == "locked":
        return _page(request, "signer/locked.html", 423, view=view)
    if not party.has_access:
        return _page(request, "signer/access_code.html", view=view, token=token, error=None)
    if not party.can_sign:
        return _page(request, "signer/done.html", view=view, token=token)
    return await _sign_page(request, view, token)


async def _sign_page(
    request: Request, view: SignerView, token: str, refusal: Problem | None = None
) -> HTMLResponse:
    """The contract's pages with this party's boxes; shown again with a refusal's message."""
    document = await _b(request).ask(
        "document", GetDocument(tenant_id=view.tenant_id, document_id=view.document_id)
    )
    return _page(
        request,
        "signer/sign.html",
        refusal.status if refusal else 200,
        view=view,
        token=token,
        pages=document.pages,
        error=refusal.message("ja") if refusal else None,
    )


@router.post("/{token}/access-code", response_class=HTMLResponse)
async def enter_access_code(
    request: Request, token: str, code: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    checked = await _b(request).ask(
        "signing", VerifyAccessCode(token=token, code=code, context=_context(request))
    )
    if checked.locked:
        return _page(request, "signer/locked.html", 423, view=checked.signer)
    if not checked.granted or checked.session is None:
        left = checked.attempts_left or 0
        return _page(
            request,
            "signer/access_code.html",
            403,
            view=checked.signer,
            token=token,
            error=describe(RefusalCode.wrong_access_code, {"attempts_left": left}),
        )
    response = RedirectResponse(f"{SIGNER_PAGES}/{token}", status_code=303)
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


@router.get("/{token}/pages/{page}")
async def page_image(request: Request, token: str, page: int) -> StreamingResponse:
    view = await _require_access(request, token)
    image = await _b(request).ask(
        "document",
        GetPageImage(tenant_id=view.tenant_id, document_id=view.document_id, page=page),
    )
    return StreamingResponse(
        await _b(request).open_blob(image.blob_id),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )


async def _seal(request: Request, view: SignerView) -> SealView:
    return await _b(request).ask(
        "seal",
        DrawSeal(
            tenant_id=view.tenant_id,
            name=view.party.name,
            party_kind=view.party.kind,
            role=view.party.role,
        ),
    )


@router.get("/{token}/seal")
async def seal_image(request: Request, token: str) -> StreamingResponse:
    view = await _require_access(request, token)
    seal = await _seal(request, view)
    return StreamingResponse(await _b(request).open_blob(seal.blob_id), media_type="image/png")


@router.post("/{token}/sign", response_class=HTMLResponse)
async def sign(request: Request, token: str) -> Response:
    view = await _require_access(request, token)
    form = await request.form()
    texts = {k.removeprefix("text_"): str(v) for k, v in form.items() if k.startswith("text_")}
    checks = {k.removeprefix("check_"): True for k in form if k.startswith("check_")}
    consent = form.get("article37_consent")
    seal = await _seal(request, view)
    try:
        await _b(request).ask(
            "signing",
            SignAsParty(
                token=token,
                session=request.cookies.get(COOKIE),
                seal_blob_id=seal.blob_id,
                texts=texts,
                checks=checks,
                article37_consent=None if consent is None else consent == "yes",
                context=_context(request),
            ),
        )
    except Problem as exc:
        if exc.status != 422:
            raise
        return await _sign_page(request, view, token, exc)
    return RedirectResponse(f"{SIGNER_PAGES}/{token}", status_code=303)


@router.get("/{token}/download")
async def download(request: Request, token: str) -> StreamingResponse:
    view = await _require_access(request, token)
    if not view.finished:
        raise Problem(RefusalCode.not_finished)
    finished = await _b(request).ask(
        "document",
        GetFinishedDocument(
            tenant_id=view.tenant_id, document_id=view.document_id, envelope_id=view.envelope_id
        ),
    )
    return StreamingResponse(
        await _b(request).open_blob(finished.blob_id),
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="signed.pdf"'},
    )


@router.post("/{token}/decline")
async def decline(
    request: Request, token: str, reason: Annotated[str, Form(min_length=1, max_length=500)]
) -> Response:
    """署名を辞退する (G4): the envelope ends; the sender and the asked parties are told."""
    await _b(request).ask(
        "signing",
        DeclineAsParty(
            token=token,
            session=request.cookies.get(COOKIE),
            reason=reason,
            context=_context(request),
        ),
    )
    return RedirectResponse(f"{SIGNER_PAGES}/{token}", status_code=303)


@router.post("/{token}/change-signer")
async def change_signer(
    request: Request,
    token: str,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    email: Annotated[str | None, Form(max_length=254)] = None,
    phone: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    """署名者変更 (S14, G5): the named person is asked; this link stops working."""
    await _b(request).ask(
        "signing",
        ChangeSigner(
            token=token,
            session=request.cookies.get(COOKIE),
            name=name,
            email=email or None,
            phone=phone or None,
            context=_context(request),
        ),
    )
    return RedirectResponse(f"{SIGNER_PAGES}/{token}", status_code=303)


@router.post("/{token}/consent")
async def consent(
    request: Request, token: str, answer: Annotated[str, Form(pattern="^(yes|no)$")]
) -> Response:
    """37条書面の電子交付への同意 (S18, G6), after signing."""
    await _b(request).ask(
        "signing",
        AnswerConsent(
            token=token,
            session=request.cookies.get(COOKIE),
            consent=answer == "yes",
            context=_context(request),
        ),
    )
    return RedirectResponse(f"{SIGNER_PAGES}/{token}", status_code=303)
