"""A staff member's HTTP client for console tests: sign in with the CSRF token of the
login page, and an administrator of a second agency for the tenant-isolation checks."""

import re
import subprocess
import sys

import httpx

from gateway.console.demo import DEMO_LOGIN
from tests.support.stack import ROOT, Stack, create_tenant


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def signed_in(url: str, login: str, password: str) -> tuple[httpx.AsyncClient, str]:
    http = httpx.AsyncClient(base_url=url, timeout=30)
    page = await http.get("/console/login")
    response = await http.post(
        "/console/login",
        data={"csrf": csrf_of(page.text), "login_name": login, "password": password},
    )
    assert response.status_code == 303, response.text
    home = await http.get("/console/admin/users" if login == DEMO_LOGIN else "/console/password")
    return http, csrf_of(home.text)


async def other_agency_admin(
    stack: Stack, tenant: str, password: str
) -> tuple[httpx.AsyncClient, str]:
    """A new agency with its first administrator (made by the operator command), signed
    in with `password` after the forced change."""
    create_tenant(stack, tenant, f"{tenant} 不動産")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway.console.operator",
            "create-admin",
            "--tenant",
            tenant,
            "--login",
            f"{tenant}-admin",
            "--email",
            f"admin@{tenant}.example",
            "--name",
            f"{tenant} 管理者",
        ],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
    )
    first = result.stdout.strip()
    http, csrf = await signed_in(stack.url, f"{tenant}-admin", first)
    assert (await http.get("/console/documents")).headers["location"] == "/console/password"
    changed = await http.post(
        "/console/password",
        data={
            "csrf": csrf,
            "current_password": first,
            "new_password": password,
            "new_password_again": password,
        },
    )
    assert changed.status_code == 303, changed.text
    return http, csrf_of((await http.get("/console/admin/users")).text)
