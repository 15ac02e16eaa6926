"""Webhooks never reach Shomei's own network (SSRF, B1): which URLs and addresses are
refused, and the delivery's own connection checking its host again, whatever was true
when the subscription was made (DNS rebinding)."""

import httpx
import pytest

from services.webhooks.destinations import address_problem, networks, url_problem
from services.webhooks.guard import GuardedTransport, check_url
from services.webhooks.sender import Sender
from tests.support.receiver import Receiver, running


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://agency.example/hooks", None),
        ("http://agency.example:8080/h?x=1", None),
        ("ftp://agency.example/h", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://agency.example/", "scheme"),
        ("https://user:secret@agency.example/h", "credentials"),
        ("https://token@agency.example/h", "credentials"),
        ("https://agency.example/a b", "malformed"),
        ("https:///nohost", "malformed"),
        ("https://agency.example:99999/", "malformed"),
        ("https://agency.example:0/", "malformed"),
        ("https://agency.example/\x00", "malformed"),
        ("https://agency.example/" + "a" * 2000, "malformed"),
    ],
)
def test_only_plain_http_urls_without_credentials_may_be_subscribed(url, reason):
    assert url_problem(url) == reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("93.184.215.14", None),
        ("2001:4860:4860::8888", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.10", "private"),
        ("fd12:3456::1", "private"),
        ("0.0.0.0", "reserved"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("169.254.10.1", "link_local"),
        ("fe80::1%eth0", "link_local"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),
        ("64:ff9b::a9fe:a9fe", "metadata"),
    ],
)
def test_internal_addresses_are_refused_also_when_wrapped_in_ipv6(address, reason):
    assert address_problem(address) == reason


def test_allowed_networks_let_a_local_receiver_through_and_nothing_else():
    local = networks("127.0.0.0/8, ::1")
    assert address_problem("127.0.0.1", local) is None
    assert address_problem("::1", local) is None
    assert address_problem("10.0.0.1", local) == "private"
    with pytest.raises(ValueError):
        networks("127.0.0.0/33")


async def test_registration_refuses_hosts_resolving_inside_and_lets_unknown_ones_wait():
    forbidden = await check_url("http://localhost:8080/h", ())
    assert forbidden is not None and forbidden.reason == "loopback"
    numeric = await check_url("http://0x0a000001/h", ())
    assert numeric is not None and (numeric.address, numeric.reason) == ("10.0.0.1", "private")
    assert await check_url("http://localhost:8080/h", networks("127.0.0.0/8,::1")) is None
    assert await check_url("https://no-such-host.invalid/h", ()) is None


async def test_a_delivery_connects_only_after_checking_the_address_it_resolves_now():
    """The subscription was accepted where loopback was allowed; the sender that delivers
    allows nothing: its connection refuses, and the receiver sees no request."""
    receiver = Receiver()
    async with running(receiver):
        by_name = receiver.url.replace("127.0.0.1", "localhost")
        assert await check_url(by_name, networks("127.0.0.0/8,::1")) is None
        strict = Sender(5.0)
        try:
            for url in (receiver.url, by_name):
                attempt = await strict.post(url, ["whsec_AAAA"], "msg_1", "{}")
                assert attempt.status_code is None and not attempt.ok
                assert attempt.error and "loopback" in attempt.error, attempt.error
        finally:
            await strict.aclose()
        assert receiver.requests == []
        allowing = Sender(5.0, networks("127.0.0.0/8,::1"))
        try:
            attempt = await allowing.post(by_name, ["whsec_AAAA"], "msg_2", "{}")
        finally:
            await allowing.aclose()
        assert attempt.status_code == 204, attempt.error
        assert [r.headers["webhook-id"] for r in receiver.requests] == ["msg_2"]
        assert receiver.requests[0].headers["host"] == by_name.split("/")[2]


async def test_the_guarded_transport_ignores_proxies_from_the_environment(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    receiver = Receiver()
    async with running(receiver):
        transport = GuardedTransport(networks("127.0.0.0/8"))
        async with httpx.AsyncClient(transport=transport, trust_env=False) as client:
            answer = await client.post(receiver.url, content=b"{}", headers={"webhook-id": "m"})
        assert answer.status_code == 204
