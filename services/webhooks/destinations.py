"""Where a webhook may be delivered: the rules, without I/O.

A subscription's URL is the agency's to choose, so it must not turn Shomei into a way to
reach its own network (SSRF): only http(s), no credentials in the URL, and every address
the host resolves to must be a public one: not loopback, private, link-local, shared,
multicast, reserved or a cloud metadata address, nor one of those wrapped in IPv6
(IPv4-mapped, 6to4, Teredo, NAT64). An operator may allow chosen networks (a receiver on
the same machine in tests and `./run up`).
"""

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL = 2000
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
"""Cloud instance metadata services (AWS, ECS, Alibaba, AWS over IPv6)."""
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def networks(text: str) -> tuple[Network, ...]:
    """`127.0.0.0/8, ::1` → the networks; a bad entry raises ValueError (a setting's typo
    should stop the process, not open or close the gate silently)."""
    return tuple(ipaddress.ip_network(n.strip()) for n in text.split(",") if n.strip())


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook URL at all, whatever it resolves to: `malformed`,
    `scheme` or `credentials`; None when its form is fine."""
    if len(url) > MAX_URL or not url.isprintable() or any(c.isspace() for c in url):
        return "malformed"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "malformed"
    if parts.scheme not in ("http", "https"):
        return "scheme"
    if "@" in parts.netloc:
        return "credentials"
    if not parts.hostname or port == 0:
        return "malformed"
    return None


def _judged(ip: Address) -> list[Address]:
    """The IPv4 addresses an IPv6 address carries (the packet's real destination), or the
    address itself."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return [ip]
    carried = [v4 for v4 in (ip.ipv4_mapped, ip.sixtofour) if v4 is not None]
    if ip.teredo:
        carried += list(ip.teredo)
    if any(ip in n for n in NAT64):
        carried.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return carried or [ip]


def address_problem(address: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why a webhook must not go to `address`: `metadata`, `loopback`, `link_local`,
    `private`, `multicast` or `reserved`; None for a public address or an allowed one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip in n for n in allowed if n.version == ip.version):
        return None
    for candidate in _judged(ip):
        if candidate in METADATA:
            return "metadata"
        if candidate.is_loopback:
            return "loopback"
        if candidate.is_link_local:
            return "link_local"
        if candidate.is_multicast:
            return "multicast"
        if candidate.is_unspecified or candidate.is_reserved:
            return "reserved"
        if candidate.is_private:
            return "private"
        if not candidate.is_global:
            return "reserved"
    return None
