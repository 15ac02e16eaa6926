"""MailSender against a real SMTP server (aiosmtpd) on loopback."""

import base64
import email
import re
import socket
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from services.notify.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.mail import MailSender, check_address, normalize_message_id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RecordingHandler:
    """Accepts mail, except for addresses it is told to refuse (550) or defer (450)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: set[str] = {"gone@example.jp"}
        self.defer: set[str] = {"busy@example.jp"}

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.defer:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Controller, RecordingHandler]]:
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


@pytest.fixture
def sender(smtp: tuple[Controller, RecordingHandler]) -> MailSender:
    controller, handler = smtp
    handler.received.clear()
    return MailSender(
        "127.0.0.1", controller.port, "Shomei 電子契約 <no-reply@shomei.local>", timeout=5
    )


async def test_japanese_subject_and_bodies_arrive_intact(
    sender: MailSender, smtp: tuple[Controller, RecordingHandler]
) -> None:
    subject = "【Shomei】署名のお願い：賃貸借契約書（メゾン青空 201号室）"
    text = "山田 太郎 様\n\n青空不動産 より署名のお願いが届いています。\n"
    html = "<p>山田 太郎 様</p><p>署名のお願い</p>"
    await sender.send("tenant@example.jp", subject, text, html, "notif-0001")

    _, handler = smtp
    [(mail_from, rcpt_tos, message)] = handler.received
    assert mail_from == "no-reply@shomei.local"
    assert rcpt_tos == ["tenant@example.jp"]
    assert message["Subject"] == subject
    assert message["From"].addresses[0].display_name == "Shomei 電子契約"
    assert message["Message-ID"] == "<notif-0001@shomei.local>"
    assert message["Date"] is not None
    assert message["Auto-Submitted"] == "auto-generated"
    plain = message.get_body(("plain",)).get_content()
    assert plain.replace("\r\n", "\n") == text  # SMTP lines end in CRLF
    assert message.get_body(("html",)).get_content().strip() == html


async def test_raw_headers_are_ascii_encoded_words(sender: MailSender) -> None:
    """Old relays and clients see only ASCII headers (RFC 2047) and base64 bodies."""
    raw = sender.build("a@example.jp", "署名のお願い", "本文", None, "x1").as_bytes()
    head, _, _ = raw.partition(b"\r\n\r\n")
    head.decode("ascii")
    assert b"=?utf-8?" in head.lower()
    assert b"Content-Transfer-Encoding: base64" in raw


def test_a_mail_is_dated_in_japan_time_whatever_the_server_zone(
    sender: MailSender, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        dated = sender.build("a@example.jp", "件名", "本文", None, "x3")["Date"]
    finally:
        monkeypatch.undo()
        time.tzset()
    assert dated.endswith("+0900")
    assert abs(parsedate_to_datetime(dated).timestamp() - time.time()) < 5


async def test_a_long_japanese_subject_folds_into_whole_characters_within_78_columns(
    sender: MailSender,
) -> None:
    """RFC 2047 words of at most 75 characters, lines of at most 78, no character cut in
    two (a 4-byte 𠮷 included), and the subject reads back exactly."""
    subject = "【署名のお願い】建物賃貸借契約書（メゾン青空 201号室）𠮷田様の署名をお願いします" * 2
    raw = sender.encode("a@example.jp", subject, "本文", None, "x2")
    head = raw.partition(b"\r\n\r\n")[0].decode("ascii")
    folded = head[head.index("Subject:") :].split("\r\nDate:")[0].split("\r\n")
    assert len(folded) > 2
    assert all(len(line) <= 78 for line in folded)
    for word in re.findall(r"=\?utf-8\?b\?([^?]+)\?=", "".join(folded)):
        base64.b64decode(word).decode("utf-8")  # each word is whole UTF-8 on its own
    assert sender.build("a@example.jp", subject, "本文", None, "x2")["Subject"] == subject


async def test_a_repeated_send_carries_the_same_message_id(
    sender: MailSender, smtp: tuple[Controller, RecordingHandler]
) -> None:
    for _ in range(2):
        await sender.send("tenant@example.jp", "件名", "本文", None, "<notif-7@shomei.local>")
    ids = {message["Message-ID"] for _, _, message in smtp[1].received}
    assert ids == {"<notif-7@shomei.local>"}


async def test_refused_recipient_is_permanent(sender: MailSender) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        await sender.send("gone@example.jp", "件名", "本文", None, "notif-2")
    assert caught.value.code == 550


async def test_deferred_recipient_is_transient(sender: MailSender) -> None:
    with pytest.raises(TransientDeliveryError) as caught:
        await sender.send("busy@example.jp", "件名", "本文", None, "notif-3")
    assert caught.value.code == 450


@pytest.mark.parametrize(
    "address", ["", "no-at-sign", "a@b@c", "山田 <a@example.jp>", "a b@example.jp", "a@x\r\nBcc: x"]
)
async def test_invalid_address_is_permanent_without_connecting(address: str) -> None:
    closed = MailSender("127.0.0.1", _free_port(), "n@shomei.local", timeout=1)
    with pytest.raises(PermanentDeliveryError):
        await closed.send(address, "件名", "本文", None, "notif-4")


async def test_nothing_listening_is_transient() -> None:
    closed = MailSender("127.0.0.1", _free_port(), "n@shomei.local", timeout=2)
    with pytest.raises(TransientDeliveryError):
        await closed.send("tenant@example.jp", "件名", "本文", None, "notif-5")


async def test_a_server_that_never_answers_times_out_as_transient() -> None:
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen()  # accepts the TCP connection, never says 220
        silent = MailSender("127.0.0.1", mute.getsockname()[1], "n@shomei.local", timeout=0.3)
        with pytest.raises(TransientDeliveryError):
            await silent.send("tenant@example.jp", "件名", "本文", None, "notif-6")


def test_header_injection_through_the_subject_is_flattened(sender: MailSender) -> None:
    message = sender.build("a@example.jp", "件名\r\nBcc: evil@example.com", "本文", None, "x")
    assert message["Bcc"] is None
    assert "Bcc: evil" in message["Subject"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("notif-1", "<notif-1@shomei.local>"),
        ("notif-1@example.jp", "<notif-1@example.jp>"),
        ("<notif-1@example.jp>", "<notif-1@example.jp>"),
    ],
)
def test_message_id_forms(given: str, expected: str) -> None:
    assert normalize_message_id(given, "shomei.local") == expected


@pytest.mark.parametrize("bad", ["", "<>", "a b", "x\r\ny", "a@"])
def test_unusable_message_ids_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_message_id(bad, "shomei.local")


def test_addresses_are_trimmed() -> None:
    assert check_address("  tenant@example.jp ") == "tenant@example.jp"
