"""Operator command: an agency's first administrator (A1).

    python -m gateway.console.operator create-admin --tenant acme --login admin \
        --email admin@acme.jp --name "今押 太郎"

creates the staff user with every role, sends the 「アカウント発行のお知らせ」 mail and
prints the temporary password once; the first login asks for a new one (A2).
"""

import argparse
import asyncio
import sys

from gateway.console.accounts import LOGIN_ID
from gateway.console.mailer import AccountMailer
from gateway.staff import COLLECTIONS as STAFF_COLLECTIONS
from gateway.staff import StaffDirectory, temporary_password
from gateway.tenants import COLLECTIONS
from services.common.settings import get_settings
from services.common.store import open_store


async def create_admin(tenant_id: str, login_id: str, email: str, name: str) -> str:
    settings = get_settings()
    store = open_store(settings.store, "gateway", COLLECTIONS + STAFF_COLLECTIONS)
    await store.open()
    mailer = AccountMailer(settings)
    try:
        staff = StaffDirectory(store)
        tenant = await staff.tenant(tenant_id)
        if tenant is None:
            raise SystemExit(f"no tenant {tenant_id!r}: create it first (gateway.admin)")
        password = temporary_password()
        user = await staff.create(
            tenant_id=tenant_id,
            login_id=login_id,
            email=email,
            name=name,
            roles=["admin", "send", "download"],
            password=password,
        )
        base = settings.public_url.rstrip("/")
        await mailer.send(
            tenant_id,
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
        return password
    finally:
        await mailer.close()
        await store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.console.operator")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="an agency's first administrator")
    create.add_argument("--tenant", required=True)
    create.add_argument("--login", required=True)
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    args = parser.parse_args(argv)
    if not LOGIN_ID.match(args.login):
        parser.error("--login: 3 or more letters, digits or . _ @ + -")
    print(asyncio.run(create_admin(args.tenant, args.login, args.email, args.name.strip())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
