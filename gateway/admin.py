"""Operator commands on the gateway's own data (tenants, API keys).

    python -m gateway.admin create-tenant --id acme --name "アクメ不動産" --email staff@acme.jp

prints the new tenant's API key once; only its hash is stored.
"""

import argparse
import asyncio
import re
import sys

from gateway.tenants import COLLECTIONS, Tenant, TenantDirectory, new_api_key
from services.common.settings import get_settings
from services.common.store import open_store

TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")


async def create_tenant(tenant: Tenant) -> str:
    store = open_store(get_settings().store, "gateway", COLLECTIONS)
    await store.open()
    try:
        api_key = new_api_key()
        await TenantDirectory(store).ensure(tenant, api_key)
        return api_key
    finally:
        await store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-tenant", help="add an agency and print its API key")
    create.add_argument("--id", required=True, help="lowercase letters, digits, - and _")
    create.add_argument("--name", required=True)
    create.add_argument("--email", default=None, help="where the agency's staff are told")
    args = parser.parse_args(argv)
    if not TENANT_ID.match(args.id):
        parser.error("--id must be 2–63 lowercase letters, digits, '-' or '_'")
    tenant = Tenant(id=args.id, name=args.name.strip(), contact_email=args.email)
    print(asyncio.run(create_tenant(tenant)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
