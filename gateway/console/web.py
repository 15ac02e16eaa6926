"""What every console page shares: the language, the signed-in staff user, CSRF, rendering.

A session cookie (HttpOnly, SameSite=Lax, Secure when the console is served over TLS)
names a stored session; each session has its CSRF token, sent back in every POST form as
`csrf` or in the `X-CSRF-Token` header. Pages before sign-in use a double-submit token in
their own cookie.
"""

import secrets
import time
from collections import defaultdict, deque
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.backends import Backends
from gateway.console.accounts import Role
from gateway.console.text import TEXTS, Lang
from gateway.console.wizard_text import WIZARD_TEXTS
from gateway.staff import Session, StaffDirectory
from gateway.tenants import Tenant

SESSION_COOKIE = "shomei_console"
CSRF_COOKIE = "shomei_console_csrf"
LANG_COOKIE = "shomei_lang"
HOME = "/console/"


class Stop(Exception):
    """Ends a request with a ready response: the login redirect or a refusal page."""

    def __init__(self, response: Response) -> None:
        super().__init__("stop")
        self.response = response


def lang(request: Request) -> Lang:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "ja"


def staff_directory(request: Request) -> StaffDirectory:
    return request.app.state.staff


def backends(request: Request) -> Backends:
    return request.app.state.backends


def secure(request: Request) -> bool:
    return request.url.scheme == "https" or str(request.app.state.settings.public_url).startswith(
        "https://"
    )


def render(
    request: Request, name: str, status: int = 200, session: Session | None = None, **ctx: Any
) -> HTMLResponse:
    language = lang(request)
    texts = TEXTS[language]
    anonymous_csrf = None
    if session is None:
        anonymous_csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = request.app.state.templates.TemplateResponse(
        request,
        f"console/{name}",
        {
            "t": texts,
            "w": WIZARD_TEXTS[language],
            "delta9": timedelta(hours=9),
            "domestic": domestic,
            "lang": language,
            "session": session,
            "user": session.user if session else None,
            "csrf": session.csrf if session else anonymous_csrf,
            **ctx,
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    if anonymous_csrf and anonymous_csrf != request.cookies.get(CSRF_COOKIE):
        response.set_cookie(
            CSRF_COOKIE, anonymous_csrf, httponly=True, samesite="lax", secure=secure(request)
        )
    return response


def domestic(phone: str | None) -> str:
    """+819012345678 as staff type it: 09012345678."""
    if not phone:
        return ""
    return "0" + phone[3:] if phone.startswith("+81") else phone


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def current_session(request: Request) -> Session:
    token = request.cookies.get(SESSION_COOKIE)
    session = await staff_directory(request).session(token) if token else None
    if session is None:
        raise Stop(redirect("/console/login"))
    if session.user.must_change_password and request.url.path != "/console/password":
        raise Stop(redirect("/console/password"))
    return session


SessionDep = Annotated[Session, Depends(current_session)]
FormText = Annotated[str | None, Form()]
"""A text field of a console form: absent is None, and the route says what is missing."""


def check_csrf(request: Request, session: Session | None, sent: str | None) -> None:
    expected = session.csrf if session else request.cookies.get(CSRF_COOKIE)
    sent = sent or request.headers.get("x-csrf-token")
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise Stop(
            render(
                request, "message.html", 403, session, message=TEXTS[lang(request)]["csrf_failed"]
            )
        )


def require(request: Request, session: Session, role: Role) -> None:
    """Every page and console API checks the role it needs (A4)."""
    if not session.user.may(role):
        raise Stop(
            render(request, "message.html", 403, session, message=TEXTS[lang(request)]["forbidden"])
        )


async def tenant_of(request: Request, session: Session) -> Tenant:
    tenant = await staff_directory(request).tenant(session.user.tenant_id)
    return tenant or Tenant(id=session.user.tenant_id, name=session.user.tenant_id)


class AttemptLimiter:
    """At most `limit` failed sign-ins (or reset requests) per client address in `window`
    seconds; beyond that the address is refused until the oldest failure ages out."""

    def __init__(self, limit: int = 20, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        seen = self._seen[key]
        now = time.monotonic()
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        return seen

    def blocked(self, key: str) -> bool:
        return len(self._recent(key)) >= self.limit

    def failed(self, key: str) -> None:
        self._recent(key).append(time.monotonic())
