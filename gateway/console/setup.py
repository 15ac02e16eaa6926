"""Plugging the console into the gateway: its routes, its state, the demo login."""

from fastapi import FastAPI, Request
from fastapi.responses import Response

from gateway.console import (
    admin_routes,
    auth_routes,
    document_routes,
    identity_routes,
    integration_routes,
    send_routes,
)
from gateway.console.demo import DEMO_LOGIN, demo_password
from gateway.console.mailer import AccountMailer
from gateway.console.web import AttemptLimiter, Stop
from gateway.staff import StaffDirectory
from gateway.tenants import DEMO_TENANT_ID
from services.common.settings import Settings
from services.common.store import Store


def install(app: FastAPI) -> None:
    for module in (
        auth_routes,
        send_routes,
        document_routes,
        identity_routes,
        admin_routes,
        integration_routes,
    ):
        app.include_router(module.router)

    @app.exception_handler(Stop)
    async def stopped(request: Request, exc: Stop) -> Response:
        return exc.response


async def start(app: FastAPI, store: Store, settings: Settings) -> None:
    app.state.staff = StaffDirectory(store)
    app.state.account_mailer = AccountMailer(settings)
    app.state.login_attempts = AttemptLimiter()
    if settings.demo_api_key:
        await app.state.staff.ensure(
            tenant_id=DEMO_TENANT_ID,
            login_id=DEMO_LOGIN,
            email="staff@demo.example",
            name="デモ 担当者",
            roles=["admin", "send", "download"],
            password=demo_password(settings.demo_api_key),
            must_change_password=False,
        )


async def stop(app: FastAPI) -> None:
    await app.state.account_mailer.close()
