"""Staff users, managed by an agency's administrator (A1, A4)."""

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gateway.console.accounts import LOGIN_ID, ROLES, Role
from gateway.console.text import TEXTS
from gateway.console.web import (
    FormText,
    SessionDep,
    check_csrf,
    lang,
    redirect,
    render,
    require,
    staff_directory,
    tenant_of,
)
from gateway.staff import LoginTaken, temporary_password

router = APIRouter(prefix="/console/admin", include_in_schema=False)


async def _users_page(
    request: Request, session: SessionDep, status: int = 200, **ctx: object
) -> Response:
    users = await staff_directory(request).of_tenant(session.user.tenant_id)
    return render(
        request, "users.html", status, session, active="admin", users=users, roles=ROLES, **ctx
    )


@router.get("/users")
async def users(request: Request, session: SessionDep) -> Response:
    require(request, session, "admin")
    return await _users_page(request, session)


@router.post("/users")
async def create_user(
    request: Request,
    session: SessionDep,
    name: FormText = None,
    login_id: FormText = None,
    email: FormText = None,
    roles: Annotated[list[str] | None, Form()] = None,
    csrf: FormText = None,
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "admin")
    t = TEXTS[lang(request)]
    form = {
        "name": (name or "").strip(),
        "login_id": (login_id or "").strip(),
        "email": (email or "").strip(),
    }
    chosen: list[Role] = [r for r in ROLES if r in (roles or [])]
    errors: dict[str, str] = {}
    if not form["name"] or len(form["name"]) > 100:
        errors["name"] = t["required"]
    if not LOGIN_ID.match(form["login_id"]):
        errors["login_id"] = t["invalid_login_id"]
    try:
        form["email"] = validate_email(form["email"], check_deliverability=False).normalized
    except EmailNotValidError:
        errors["email"] = t["invalid_email"]
    if errors:
        return await _users_page(request, session, 422, errors=errors, form=form, chosen=chosen)
    password = temporary_password()
    try:
        user = await staff_directory(request).create(
            tenant_id=session.user.tenant_id,
            login_id=form["login_id"],
            email=form["email"],
            name=form["name"],
            roles=chosen,
            password=password,
        )
    except LoginTaken:
        errors["login_id"] = t["login_taken"]
        return await _users_page(request, session, 422, errors=errors, form=form, chosen=chosen)
    tenant = await tenant_of(request, session)
    base = str(request.app.state.settings.public_url).rstrip("/")
    await request.app.state.account_mailer.send(
        user.tenant_id,
        "account_issued",
        user.email,
        {
            "recipient_name": user.name,
            "agency_name": tenant.name,
            "login_id": user.login_id,
            "temporary_password": password,
            "login_url": f"{base}/console/login",
        },
    )
    notice = t["user_created"].format(email=user.email)
    issued = {"login_id": user.login_id, "password": password}
    return await _users_page(request, session, notice=notice, issued=issued)


@router.post("/users/{user_id}/deactivate")
async def deactivate(
    request: Request, session: SessionDep, user_id: str, csrf: FormText = None
) -> Response:
    check_csrf(request, session, csrf)
    require(request, session, "admin")
    directory = staff_directory(request)
    user = await directory.get(user_id)
    if user is not None and user.tenant_id == session.user.tenant_id and user.id != session.user.id:
        user.active = False
        await directory.save(user)
    return redirect("/console/admin/users")
