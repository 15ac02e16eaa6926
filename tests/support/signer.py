"""A signer's HTTP client for e2e tests: every POST of the signer pages carries the CSRF
token of the page it came from, and signing presses every seal box and agrees to the
electronic signature, as the page's form does."""

import re

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SEAL = re.compile(r'name="seal_([A-Za-z0-9]+)"')


def csrf_of(client: httpx.AsyncClient) -> str | None:
    return next((c.value for c in client.cookies.jar if c.name == "shomei_csrf"), None)


async def post(
    client: httpx.AsyncClient, link: str, action: str, data: dict[str, str], **kw: object
) -> httpx.Response:
    """GET the link (the page sets the CSRF cookie), then POST to `link/action` with it."""
    page = await client.get(link)
    match = CSRF.search(page.text)
    token = match.group(1) if match else csrf_of(client)
    return await client.post(f"{link}/{action}", data={**data, "csrf": token or ""}, **kw)


async def sign(client: httpx.AsyncClient, link: str, data: dict[str, str]) -> httpx.Response:
    page = await client.get(link)
    seals = {f"seal_{field_id}": "1" for field_id in SEAL.findall(page.text)}
    return await post(client, link, "sign", {**seals, "agree": "1", **data})


def jpeg(size: int = 2000) -> bytes:
    """Enough of a JPEG for the first-bytes check, as a phone's camera sends it."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(size)
