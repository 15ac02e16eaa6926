"""What every signer page shares: the language switch (B5), the CSRF token, the rate limit
on tries, and rendering a page in the signer's language."""

import secrets
import time
from collections import deque
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from gateway.signer.texts import TEXTS, Lang
from services.common.links import SIGNER_PAGES

LANG_COOKIE = "shomei_lang"
CSRF_COOKIE = "shomei_csrf"
FAILURES_PER_MINUTE = 30
"""Unknown links one address may try in a minute before its tries are refused."""


def language(request: Request) -> Lang:
    """`?lang=en` or `?lang=ja` switches, and the cookie keeps the choice; Japanese first."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if asked == "en" else "ja"


def csrf_token(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or request.state.__dict__.setdefault(
        "csrf", secrets.token_urlsafe(24)
    )


def csrf_ok(request: Request, sent: object) -> bool:
    """Double submit: the form's token must equal the cookie this link's page set."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(sent, str):
        return False
    return secrets.compare_digest(cookie.encode(), sent.encode())


def page(request: Request, token: str, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    lang = language(request)
    csrf = csrf_token(request)
    response = request.app.state.templates.TemplateResponse(
        request,
        name,
        {"t": TEXTS[lang], "lang": lang, "csrf": csrf, "token": token, "base": SIGNER_PAGES, **ctx},
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    path = f"{SIGNER_PAGES}/{token}"
    secure = request.url.scheme == "https"
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(
            CSRF_COOKIE, csrf, path=path, httponly=True, samesite="lax", secure=secure
        )
    if "lang" in request.query_params:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=3600 * 24 * 365, samesite="lax", secure=secure
        )
    return response


class RateLimit:
    """Unknown links tried per client address in a sliding minute, in this gateway process:
    a guessed token is held back here, a guessed access code by the party's lock (G2)."""

    def __init__(self, per_minute: int = FAILURES_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self.failures: dict[str, deque[float]] = {}

    @staticmethod
    def _key(request: Request) -> str:
        return request.client.host if request.client else "-"

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self.failures.setdefault(key, deque())
        while failures and now - failures[0] > 60:
            failures.popleft()
        return failures

    def blocked(self, request: Request) -> bool:
        return len(self._recent(self._key(request), time.monotonic())) >= self.per_minute

    def failed(self, request: Request) -> None:
        now = time.monotonic()
        self._recent(self._key(request), now).append(now)
        if len(self.failures) > 10_000:
            self.failures = {k: v for k, v in self.failures.items() if v and now - v[-1] < 60}
