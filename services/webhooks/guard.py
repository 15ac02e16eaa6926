"""The SSRF gate at the two moments it matters: when a subscription is made, and on every
connection a delivery opens.

The second is the one that holds: a host may resolve to a public address when registered
and to an internal one later (DNS rebinding), so the delivery's own connection resolves the
host, checks every address it got, and connects to that checked address, never resolving
again. TLS still verifies the certificate against the host name.
"""

import asyncio
import socket
import ssl
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

import httpcore
import httpx

from services.webhooks.destinations import Network, address_problem

RESOLVE_SECONDS = 2.0
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class ForbiddenDestination(httpcore.ConnectError):
    """The host resolves to an address a webhook must not reach."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        super().__init__(f"{host} resolves to {address}, a {reason} address: not delivered")
        self.address = address
        self.reason = reason


async def resolve(host: str, port: int) -> list[str]:
    """Every address of `host` (an IP literal gives itself); OSError when it has none."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (TimeoutError, UnicodeError, ValueError) as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def first_forbidden(
    host: str, addresses: Iterable[str], allowed: Sequence[Network]
) -> ForbiddenDestination | None:
    """One internal address among them is enough to refuse the host."""
    for address in addresses:
        if reason := address_problem(address, allowed):
            return ForbiddenDestination(host, address, reason)
    return None


async def check_url(url: str, allowed: Sequence[Network]) -> ForbiddenDestination | None:
    """At registration: the URL's host must not resolve to an internal address. A host that
    does not resolve (yet) passes; its deliveries are checked when they connect."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = await resolve(host, parts.port or 443)
    except OSError:
        return None
    return first_forbidden(host, addresses, allowed)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, resolving and checking each host before it connects."""

    def __init__(self, allowed: Sequence[Network]) -> None:
        self._allowed = tuple(allowed)
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        if forbidden := first_forbidden(host, addresses, self._allowed):
            raise forbidden
        return await self._inner.connect_tcp(
            addresses[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are never delivered to a local socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on the guarded backend; never through a proxy from the
    environment, which would connect wherever it is told."""

    def __init__(self, allowed: Sequence[Network], limits: httpx.Limits = LIMITS) -> None:
        super().__init__(trust_env=False, limits=limits)
        context: ssl.SSLContext = httpx.create_ssl_context(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allowed),
        )
