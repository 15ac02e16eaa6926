"""The local catcher takes real mail (aiosmtplib) and real Twilio client calls, and
shows both on /messages, surviving a restart."""

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs

import aiosmtplib
import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from deploy.local.catcher import Catcher

# aiohttp deprecates the BasicAuth the twilio client still uses; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated:DeprecationWarning")

SID, TOKEN = "ACtestcatcher", "secret-token"


@pytest.fixture
async def catcher(tmp_path: Path) -> AsyncIterator[Catcher]:
    c = Catcher(tmp_path / "catcher", smtp_port=0, http_port=0, twilio_auth=(SID, TOKEN))
    await c.start()
    yield c
    await c.stop()


@asynccontextmanager
async def twilio_client(
    catcher: Catcher, sid: str = SID, token: str = TOKEN
) -> AsyncIterator[Client]:
    """The real twilio client, pointed at the catcher the way notify points it."""
    http_client = AsyncTwilioHttpClient()
    client = Client(sid, token, http_client=http_client)
    client.api.base_url = catcher.twilio_url
    try:
        yield client
    finally:
        await http_client.close()


async def send_japanese_mail(catcher: Catcher, to: str = "sato@example.jp") -> None:
    mail = EmailMessage()
    mail["From"] = "署名サービス <no-reply@shomei.local>"
    mail["To"] = to
    mail["Subject"] = "【署名依頼】賃貸借契約書への署名をお願いします"
    mail.set_content("佐藤 一郎 様\n\n下記のリンクから署名してください。\nhttps://x/s/abc\n")
    mail.add_alternative(
        "<p>佐藤 一郎 様</p><a href='https://x/s/abc'>署名する</a>", subtype="html"
    )
    await aiosmtplib.send(mail, hostname="127.0.0.1", port=catcher.smtp_port)


async def test_mail_and_sms_reach_the_inbox(catcher: Catcher) -> None:
    await send_japanese_mail(catcher)
    async with twilio_client(catcher) as client:
        sms = await client.messages.create_async(
            to="+819012345678", from_="+15005550006", body="【Shomei】署名のお願い https://x/s/abc"
        )
        fetched = await client.messages(sms.sid).fetch_async()
    assert fetched.status in ("queued", "sent", "delivered")
    assert sms.sid.startswith("SM") and len(sms.sid) == 34
    assert sms.status == "queued"
    assert sms.to == "+819012345678"

    async with httpx.AsyncClient(base_url=catcher.url) as http:
        messages = (await http.get("/messages")).json()
        assert [m["channel"] for m in messages] == ["sms", "email"]  # newest first
        sms_row, mail_row = messages
        assert sms_row["id"] == sms.sid
        assert sms_row["body"] == "【Shomei】署名のお願い https://x/s/abc"
        assert sms_row["from"] == "+15005550006"
        assert mail_row["to"] == "sato@example.jp"
        assert mail_row["subject"] == "【署名依頼】賃貸借契約書への署名をお願いします"
        assert "佐藤 一郎 様" in mail_row["body"] and "https://x/s/abc" in mail_row["body"]
        assert "署名する" in mail_row["html"]
        assert mail_row["from"] == "署名サービス <no-reply@shomei.local>"
        assert mail_row["received_at"]

        only_mail = (await http.get("/messages", params={"to": "SATO@example.jp"})).json()
        assert [m["id"] for m in only_mail] == [mail_row["id"]]
        raw = await http.get(f"/messages/{mail_row['id']}/raw")
        assert raw.status_code == 200 and b"Subject:" in raw.content


async def test_bad_numbers_and_credentials_fail_like_twilio(catcher: Catcher) -> None:
    async with twilio_client(catcher) as client:
        with pytest.raises(TwilioRestException) as bad_to:
            await client.messages.create_async(to="090-1234-5678", from_="+15005550006", body="x")
        with pytest.raises(TwilioRestException) as magic:
            await client.messages.create_async(to="+15005550009", from_="+15005550006", body="x")
    assert bad_to.value.status == 400 and bad_to.value.code == 21211
    assert magic.value.code == 21614
    async with twilio_client(catcher, token="wrong") as client:
        with pytest.raises(TwilioRestException) as denied:
            await client.messages.create_async(to="+819012345678", from_="+15005550006", body="x")
    assert denied.value.status == 401 and denied.value.code == 20003
    assert catcher.inbox.find() == []


async def test_long_poll_delete_and_restart(tmp_path: Path) -> None:
    data = tmp_path / "catcher"
    first = Catcher(data, smtp_port=0, http_port=0)
    await first.start()
    try:
        async with httpx.AsyncClient(base_url=first.url, timeout=10) as http:
            empty = await http.get("/messages", params={"to": "a@example.jp", "wait": 0.2})
            assert empty.json() == []
            await send_japanese_mail(first, "a@example.jp")
            await send_japanese_mail(first, "b@example.jp")
            polled = await http.get("/messages", params={"to": "a@example.jp", "wait": 5})
            assert len(polled.json()) == 1
    finally:
        await first.stop()

    second = Catcher(data, smtp_port=0, http_port=0)
    await second.start()
    try:
        async with httpx.AsyncClient(base_url=second.url) as http:
            kept = (await http.get("/messages")).json()
            assert [m["to"] for m in kept] == ["b@example.jp", "a@example.jp"]
            assert kept[1]["subject"].startswith("【署名依頼】")
            deleted = await http.delete("/messages", params={"to": "a@example.jp"})
            assert deleted.json() == {"deleted": 1}
            assert (await http.delete("/messages")).json() == {"deleted": 1}
            assert (await http.get("/messages")).json() == []
    finally:
        await second.stop()


async def test_taken_port_is_named(catcher: Catcher, tmp_path: Path) -> None:
    other = Catcher(tmp_path / "other", smtp_port=catcher.smtp_port, http_port=0)
    with pytest.raises(OSError, match=str(catcher.smtp_port)):
        await other.start()


async def test_status_callback_is_signed_like_twilio(catcher: Catcher) -> None:
    """notify may ask for delivery reports: they come as Twilio would post them."""
    received: asyncio.Queue[tuple[str, dict[str, str], str]] = asyncio.Queue()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        headers = dict(re.findall(r"(?m)^([\w-]+): (.*?)\r$", head.lower()))
        body = await reader.readexactly(int(headers["content-length"]))
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        signature = re.search(r"(?im)^x-twilio-signature: (\S+)\r$", head)
        assert signature is not None
        await received.put((head.split()[1], form, signature.group(1)))
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/sms/status"
    try:
        async with twilio_client(catcher) as client:
            sms = await client.messages.create_async(
                to="+819012345678", from_="+15005550006", body="x", status_callback=url
            )
        statuses = []
        for _ in range(2):
            path, form, signature = await asyncio.wait_for(received.get(), 5)
            assert path == "/sms/status" and form["MessageSid"] == sms.sid
            assert RequestValidator(TOKEN).validate(url, form, signature)
            statuses.append(form["MessageStatus"])
        assert statuses == ["sent", "delivered"]
        assert (catcher.inbox.get(sms.sid) or {}).get("status") == "delivered"
    finally:
        server.close()
        await server.wait_closed()
