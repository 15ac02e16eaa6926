"""One signer link as the pages see it: the party's session cookie, reading the link
through the signing service, and the page a refusal on a link shows."""

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from gateway.backends import Backends
from gateway.refusals import Problem, describe
from gateway.signer.web import language, page
from services.common.commands import OpenSignerLink, SignerContext
from services.common.links import SIGNER_PAGES
from services.common.refusals import RefusalCode
from services.common.views import SignerView

COOKIE = "shomei_signer"
NOT_FOUND = {RefusalCode.link_invalid, RefusalCode.envelope_not_found, RefusalCode.party_not_found}
"""A guessed link, another agency's, or one whose party is gone: the same page for all."""


def backends(request: Request) -> Backends:
    return request.app.state.backends


def context(request: Request) -> SignerContext:
    return SignerContext(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent", "")[:300],
    )


def again(token: str) -> RedirectResponse:
    return RedirectResponse(f"{SIGNER_PAGES}/{token}", status_code=303)


def state_page(request: Request, token: str, state: str, status: int, **ctx: object) -> Response:
    return page(request, token, "signer/state.html", status, state=state, **ctx)


def refused(request: Request, token: str, exc: Problem) -> Response:
    """A refusal on a signer link: the page for its state; any unknown link looks the same."""
    lang = language(request)
    if exc.code in NOT_FOUND:
        message = describe(RefusalCode.link_invalid, {}, lang)
        return state_page(request, token, "not_found", 404, message=message)
    if exc.code == RefusalCode.party_replaced:
        return state_page(request, token, "replaced", 410, message=exc.message(lang))
    return page(
        request,
        token,
        "signer/state.html",
        exc.status,
        state="refused",
        message=exc.message(language(request)),
        code=exc.code,
    )


async def open_link(request: Request, token: str) -> SignerView:
    return await backends(request).ask(
        "signing",
        OpenSignerLink(token=token, session=request.cookies.get(COOKIE), context=context(request)),
    )


async def require_access(request: Request, token: str) -> SignerView:
    view = await open_link(request, token)
    if not view.party.has_access:
        raise Problem(RefusalCode.access_code_required)
    return view
