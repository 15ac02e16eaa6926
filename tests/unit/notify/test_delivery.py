"""Delivering a requested notification (B4) with a real SMTP server and store: exactly one
mail for a repeated request, retries for a transient failure, a recorded failure for a
permanent one."""

import asyncio
import email
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from services.common.events import NotificationRequested
from services.common.runtime import ServiceRuntime
from services.common.settings import Settings
from services.notify.errors import TransientDeliveryError
from services.notify.handlers import NotifyHandlers
from services.notify.mail import MailSender
from services.notify.repository import COLLECTIONS
from services.notify.sms import SmsSender
from tests.support.stack import free_port


class Recorder:
    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
async def smtp():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield recorder, controller.port
    controller.stop()


def runtime(tmp_path) -> ServiceRuntime:
    """Only its store and unit-of-work retries are used: nothing connects to a broker."""
    return ServiceRuntime("notify", COLLECTIONS, Settings(store=f"sqlite:///{tmp_path}"))


@pytest.fixture
async def notify(tmp_path, smtp):
    service = runtime(tmp_path)
    await service.store.open()
    mail = MailSender("127.0.0.1", smtp[1], "Shomei <no-reply@shomei.local>")
    sms = SmsSender("http://127.0.0.1:9/twilio", "AC1", "t", "+15005550006")
    yield (
        NotifyHandlers(service.in_unit_of_work, mail, sms, retry_delays=(0.01, 0.01)),
        (service.store),
    )
    await service.store.close()


def request(to: str = "sato@example.jp") -> NotificationRequested:
    return NotificationRequested(
        tenant_id="t1",
        notification_id="n1",
        kind="signature_request",
        channel="email",
        to=to,
        params={
            "recipient_name": "佐藤 一郎",
            "sender_name": "デモ不動産",
            "document_title": "賃貸借契約書",
            "sign_url": "http://x/s/abc",
        },
    )


async def notification(store) -> dict:
    async with store.unit_of_work() as uow:
        return await uow.get("notifications", "n1")


async def test_a_repeated_request_sends_one_mail(notify, smtp):
    handlers, store = notify
    await handlers.deliver(request())
    await handlers.deliver(request())
    assert len(smtp[0].mails) == 1
    assert smtp[0].mails[0]["Message-ID"] == "<n1@shomei>"
    assert "賃貸借契約書" in smtp[0].mails[0]["Subject"]
    record = await notification(store)
    assert record["status"] == "delivered" and record["attempts"] == 1
    outbox = await store.pending_outbox()
    assert [m.routing_key for m in outbox] == ["notification.delivered"]


async def test_a_refused_recipient_is_recorded_as_failed_and_not_retried(notify):
    handlers, store = notify
    await handlers.deliver(request("refused@example.jp"))
    record = await notification(store)
    assert record["status"] == "failed"
    assert [m.routing_key for m in await store.pending_outbox()] == ["notification.failed"]
    await handlers.deliver(request("refused@example.jp"))
    assert (await notification(store))["attempts"] == 1


async def test_smtp_down_is_retried_then_handed_back_for_redelivery(tmp_path):
    service = runtime(tmp_path)
    store = service.store
    await store.open()
    nobody = MailSender("127.0.0.1", free_port(), "no-reply@shomei.local", timeout=1)
    sms = SmsSender("http://127.0.0.1:9/twilio", "AC1", "t", "+15005550006")
    handlers = NotifyHandlers(service.in_unit_of_work, nobody, sms, retry_delays=(0.01, 0.02))
    with pytest.raises(TransientDeliveryError):
        await handlers.deliver(request())
    record = await notification(store)
    assert record["status"] == "pending" and record["last_error"]
    assert await store.pending_outbox() == []
    await store.close()


async def test_twin_deliveries_at_the_same_moment_send_one_mail(notify, smtp):
    handlers, store = notify
    await asyncio.gather(*(handlers.deliver(request()) for _ in range(3)))
    assert len(smtp[0].mails) == 1
    assert (await notification(store))["status"] == "delivered"
