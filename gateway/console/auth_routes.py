"""Sign-in, the forced first password change (A2), reset by mail (A3), language (B5)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gateway.console.accounts import password_problem
from gateway.console.text import TEXTS
from gateway.console.web import (
    HOME,
    LANG_COOKIE,
    SESSION_COOKIE,
    FormText,
    SessionDep,
    check_csrf,
    lang,
    redirect,
    render,
    secure,
    staff_directory,
)
from gateway.staff import Session

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


@router.get("/")
async def root() -> Response:
    return redirect(HOME)


@router.get("/console/login")
async def login_page(request: Request) -> Response:
    return render(request, "login.html")


@router.post("/console/login")
async def login(
    request: Request, login_name: FormText = None, password: FormText = None, csrf: FormText = None
) -> Response:
    check_csrf(request, None, csrf)
    t = TEXTS[lang(request)]
    login_name, password = (login_name or "").strip(), password or ""
    errors: dict[str, str] = {}
    if not login_name:
        errors["login_name"] = t["required"]
    if not password:
        errors["password"] = t["required"]
    if errors:
        return render(request, "login.html", 422, errors=errors, login_name=login_name)
    client = request.client.host if request.client else "?"
    attempts = request.app.state.login_attempts
    if attempts.blocked(client):
        return render(
            request, "login.html", 429, error=t["too_many_attempts"], login_name=login_name
        )
    outcome, user = await staff_directory(request).authenticate(login_name, password)
    if outcome != "ok" or user is None:
        attempts.failed(client)
        message = {"locked": t["login_locked"], "inactive": t["login_inactive"]}.get(
            outcome, t["login_wrong"]
        )
        return render(request, "login.html", 401, error=message, login_name=login_name)
    token = await staff_directory(request).open_session(user)
    response = redirect("/console/password" if user.must_change_password else HOME)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure(request), path="/"
    )
    return response


@router.post("/console/logout")
async def logout(request: Request, session: SessionDep, csrf: FormText = None) -> Response:
    check_csrf(request, session, csrf)
    await staff_directory(request).close_session(request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/console/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _new_password_errors(request: Request, new: str, again: str) -> dict[str, str]:
    t = TEXTS[lang(request)]
    problem = password_problem(new)
    if problem:
        return {"new_password": t[problem]}
    if new != again:
        return {"new_password_again": t["password_mismatch"]}
    return {}


@router.get("/console/password")
async def password_page(request: Request, session: SessionDep) -> Response:
    return render(request, "password.html", session=session)


@router.post("/console/password")
async def change_password(
    request: Request,
    session: SessionDep,
    current_password: FormText = None,
    new_password: FormText = None,
    new_password_again: FormText = None,
    csrf: FormText = None,
) -> Response:
    check_csrf(request, session, csrf)
    t = TEXTS[lang(request)]
    directory = staff_directory(request)
    errors = _new_password_errors(request, new_password or "", new_password_again or "")
    if not await directory.verify_password(session.user, current_password or ""):
        errors["current_password"] = t["password_wrong"]
    elif current_password == new_password and not errors:
        errors["new_password"] = t["password_same"]
    if errors:
        return render(request, "password.html", 422, session, errors=errors)
    await directory.set_password(session.user, new_password or "", temporary=False)
    return redirect(HOME + "?changed=1")


@router.get("/console/forgot")
async def forgot_page(request: Request) -> Response:
    return render(request, "forgot.html")


@router.post("/console/forgot")
async def forgot(request: Request, login_name: FormText = None, csrf: FormText = None) -> Response:
    check_csrf(request, None, csrf)
    t = TEXTS[lang(request)]
    login_name = (login_name or "").strip()
    if not login_name:
        return render(request, "forgot.html", 422, errors={"login_name": t["required"]})
    client = request.client.host if request.client else "?"
    if request.app.state.login_attempts.blocked(client):
        return render(request, "forgot.html", 429, error=t["too_many_attempts"])
    request.app.state.login_attempts.failed(client)
    issued = await staff_directory(request).issue_reset(login_name)
    if issued is not None:
        user, token = issued
        base = str(request.app.state.settings.public_url).rstrip("/")
        await request.app.state.account_mailer.send(
            user.tenant_id,
            "password_reset",
            user.email,
            {"recipient_name": user.name, "reset_url": f"{base}/console/reset/{token}"},
        )
    return render(request, "forgot.html", notice=t["reset_sent"])


@router.get("/console/reset/{token}")
async def reset_page(request: Request, token: str) -> Response:
    t = TEXTS[lang(request)]
    if await staff_directory(request).reset_user(token) is None:
        return render(request, "message.html", 404, message=t["reset_invalid"], login_link=True)
    return render(request, "reset.html", token=token)


@router.post("/console/reset/{token}")
async def reset(
    request: Request,
    token: str,
    new_password: FormText = None,
    new_password_again: FormText = None,
    csrf: FormText = None,
) -> Response:
    check_csrf(request, None, csrf)
    t = TEXTS[lang(request)]
    errors = _new_password_errors(request, new_password or "", new_password_again or "")
    if errors:
        return render(request, "reset.html", 422, token=token, errors=errors)
    if await staff_directory(request).redeem_reset(token, new_password or "") is None:
        return render(request, "message.html", 404, message=t["reset_invalid"], login_link=True)
    return render(request, "message.html", message=t["reset_done"], login_link=True, ok=True)


@router.get("/console/lang/{to}")
async def switch_language(request: Request, to: str, next: str = HOME) -> Response:
    """A preference, not a change of state: GET is enough; `next` stays on this site."""
    target = next if next.startswith("/") and not next.startswith("//") else HOME
    response = redirect(target)
    response.set_cookie(
        LANG_COOKIE,
        "en" if to == "en" else "ja",
        samesite="lax",
        secure=secure(request),
        max_age=365 * 86400,
    )
    return response


__all__ = ["Session", "router"]
