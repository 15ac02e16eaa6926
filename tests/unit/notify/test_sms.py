"""SmsSender through the real twilio client against the local SMS API (the catcher's
Twilio-compatible endpoint, with its failure switches)."""

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from deploy.local.catcher import Catcher
from services.notify.errors import (
    InvalidPhoneNumber,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from services.notify.sms import SmsSender, to_e164_jp

FROM = "+15005550006"
SID, TOKEN = "ACtest00000000000000000000000000", "test-token"

# twilio 9.13 still uses aiohttp's BasicAuth; that is theirs to fix, not ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The 'auth' parameter is deprecated:DeprecationWarning"),
]


@pytest.fixture
async def twilio(tmp_path: Path) -> AsyncIterator[Catcher]:
    catcher = Catcher(tmp_path / "sms", smtp_port=0, http_port=0, twilio_auth=(SID, TOKEN))
    await catcher.start()
    yield catcher
    await catcher.stop()


@pytest.fixture
async def sender(twilio: Catcher) -> AsyncIterator[SmsSender]:
    async with SmsSender(twilio.twilio_url, SID, TOKEN, FROM) as s:
        yield s


def sent(twilio: Catcher) -> list[dict[str, str]]:
    """The SMS the API accepted, oldest first."""
    return [m for m in twilio.inbox.messages if m["channel"] == "sms"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("09012345678", "+819012345678"),
        ("08012345678", "+818012345678"),
        ("07012345678", "+817012345678"),
        ("090-1234-5678", "+819012345678"),
        ("０９０１２３４５６７８", "+819012345678"),
        ("+819012345678", "+819012345678"),
        ("+81 90-1234-5678", "+819012345678"),
        ("+81 090-1234-5678", "+819012345678"),
        ("+15005550006", "+15005550006"),
        ("+447700900123", "+447700900123"),
    ],
)
def test_to_e164_jp(given: str, expected: str) -> None:
    assert to_e164_jp(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0312345678",  # Tokyo landline
        "0120123456",  # toll-free
        "0901234567",  # 10 digits
        "090123456789",  # 12 digits
        "05012345678",  # IP phone
        "9012345678",
        "+81312345678",  # Japanese landline in E.164
        "+0123456789",
        "+1",
        "090-abcd-5678",
    ],
)
def test_not_a_mobile_number_is_refused(bad: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        to_e164_jp(bad)


async def test_sms_arrives_with_the_e164_number(sender: SmsSender, twilio: Catcher) -> None:
    body = "【Shomei】青空不動産より「賃貸借契約書」の署名依頼です。\nhttps://shomei.example/s/x"
    sid = await sender.send("090-1234-5678", body)
    assert sid.startswith("SM") and len(sid) == 34
    [sms] = sent(twilio)
    assert (sms["id"], sms["to"], sms["from"], sms["body"]) == (sid, "+819012345678", FROM, body)
    assert sms["account_sid"] == SID


async def test_the_session_is_reused_and_closed(twilio: Catcher) -> None:
    sender = SmsSender(twilio.twilio_url, SID, TOKEN, FROM)
    await sender.send("09012345678", "一通目")
    await sender.send("08012345678", "二通目")
    http = sender._http
    assert http is not None and http.session is not None and not http.session.closed
    await sender.aclose()
    assert http.session.closed
    await sender.aclose()  # twice is harmless
    assert [m["body"] for m in sent(twilio)] == ["一通目", "二通目"]


async def test_provider_rejecting_the_number_is_permanent(
    sender: SmsSender, twilio: Catcher
) -> None:
    twilio.sms_rejected.add("+819000000000")
    with pytest.raises(PermanentDeliveryError) as caught:
        await sender.send("09000000000", "本文")
    assert caught.value.code == 21211
    assert sent(twilio) == []


async def test_provider_outage_is_transient(sender: SmsSender, twilio: Catcher) -> None:
    twilio.sms_unavailable = True
    with pytest.raises(TransientDeliveryError) as caught:
        await sender.send("09012345678", "本文")
    assert caught.value.code == 20500
    twilio.sms_unavailable = False
    assert (await sender.send("09012345678", "本文")).startswith("SM")


async def test_wrong_credentials_are_transient(twilio: Catcher) -> None:
    """A configuration fault, not the recipient's: keep the message for a retry."""
    async with SmsSender(twilio.twilio_url, SID, "wrong", FROM) as sender:
        with pytest.raises(TransientDeliveryError) as caught:
            await sender.send("09012345678", "本文")
    assert caught.value.code == 20003


async def test_unreachable_provider_is_transient() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with SmsSender(f"http://127.0.0.1:{port}/twilio", "ACx", "t", FROM) as sender:
        with pytest.raises(TransientDeliveryError):
            await sender.send("09012345678", "本文")


async def test_invalid_number_is_refused_before_any_request(
    sender: SmsSender, twilio: Catcher
) -> None:
    with pytest.raises(InvalidPhoneNumber):
        await sender.send("0312345678", "本文")
    assert twilio.sms_requests == 0
