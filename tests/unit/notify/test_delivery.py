"""Delivering requested notifications (B4) on a real RabbitMQ node, a real SMTP server and
SQLite: one mail however often a request arrives, retries that wait in the broker, the
last attempt recorded as a failure and told to the sender, claims of dead workers taken
over at once, and the sender's view of every message."""

import asyncio
import email
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from services.common.bus import publish_event
from services.common.events import NotificationRequested
from services.common.messages import new_id, utcnow
from services.common.notifications import (
    EnvelopeMessages,
    ListEnvelopeMessages,
    ReportSmsStatus,
    SignatureRequest,
    SmsStatusRecorded,
)
from services.common.rpc import QueryClient
from services.common.runtime import ServiceRuntime
from services.common.settings import Settings
from services.common.staging import stage
from services.common.store import ConcurrencyConflict, UnitOfWork
from services.notify.app import build
from services.notify.handlers import NOTIFICATIONS, NotifyHandlers
from services.notify.journal import SendJournal
from services.notify.model import Notification
from services.notify.numbers import NumberChange, store_changes
from services.notify.presence import Presence
from tests.support.stack import free_port


@dataclass
class Recorder:
    mails: list[EmailMessage] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.mails.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails if m["To"] == address]

    def with_id(self, notification_id: str) -> list[EmailMessage]:
        return [m for m in self.mails if m["Message-ID"].startswith(f"<{notification_id}@")]


class Smtp:
    """A real SMTP server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> AsyncIterator[Smtp]:
    server = Smtp()
    server.start()
    yield server
    server.stop()


@dataclass
class Notify:
    runtime: ServiceRuntime
    handlers: NotifyHandlers

    async def publish(self, event: NotificationRequested) -> None:
        await publish_event(self.runtime.broker, event.name, event.model_dump(mode="json"))

    async def states(self, envelope_id: str = "env1") -> EnvelopeMessages:
        query = ListEnvelopeMessages(tenant_id="t1", envelope_id=envelope_id)
        return await self.runtime.in_unit_of_work(
            lambda uow: self.handlers.envelope_messages(query, uow)
        )

    async def report(self, report: ReportSmsStatus) -> SmsStatusRecorded:
        async def work(uow: UnitOfWork) -> SmsStatusRecorded:
            recorded = await self.handlers.sms_status(report, uow)
            await uow.commit()
            return recorded

        return await self.runtime.in_unit_of_work(work)

    async def status(self, nid: str, envelope_id: str = "env1") -> str | None:
        found = await self.states(envelope_id)
        return next((m.status for m in found.messages if m.notification_id == nid), None)

    async def until_status(self, nid: str, status: str, envelope_id: str = "env1") -> None:
        async with asyncio.timeout(30):
            while await self.status(nid, envelope_id) != status:
                await asyncio.sleep(0.05)


@asynccontextmanager
async def notify(
    amqp_url: str,
    tmp_path: Path,
    smtp: Smtp,
    catcher,
    delays=(0.2, 0.4, 0.8),
    store: str | None = None,
) -> AsyncIterator[Notify]:
    settings = Settings(
        amqp_url=amqp_url,
        var_dir=tmp_path,
        store=store or f"sqlite:///{tmp_path}",
        smtp_port=smtp.port,
        sms_api_url=catcher.twilio_url,
        twilio_account_sid="ACshomeilocal",
        twilio_auth_token="local",
        public_url="http://127.0.0.1:9",
        retry_delays=delays,
    )
    runtime, handlers = build(settings, f"notify{new_id()[:8]}")
    async with runtime.app:
        yield Notify(runtime, handlers)


def request(to: str = "sato@example.jp", nid: str | None = None, **kw) -> NotificationRequested:
    return NotificationRequested(
        tenant_id="t1",
        notification_id=nid or new_id(),
        channel=kw.pop("channel", "email"),
        to=to,
        envelope_id=kw.pop("envelope_id", "env1"),
        party_id="p1",
        params=SignatureRequest(
            recipient_name="佐藤 一郎",
            sender_name="デモ不動産",
            document_title="賃貸借契約書",
            sign_url="http://x/s/abc",
            comment="よろしくお願いします",
        ),
        **kw,
    )


async def until(condition: Callable[[], bool], timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def hold(n: Notify, event: NotificationRequested, worker_id: str) -> None:
    """Write the claim another worker would have written before sending."""

    async def claim(uow: UnitOfWork) -> None:
        notification = Notification.requested(event, utcnow())
        assert notification.claim(worker_id, utcnow(), holder_gone=False) == "claimed"
        stage(uow, NOTIFICATIONS, notification.model_dump(mode="json"), [])
        await uow.commit()

    await n.runtime.in_unit_of_work(claim)


async def test_a_request_delivered_three_times_sends_one_mail(amqp_url, tmp_path, smtp, catcher):
    """A twin publish, a repeated event: the notification id decides, not the delivery."""
    async with notify(amqp_url, tmp_path, smtp, catcher) as n:
        event = request()
        twin = event.model_copy(update={"event_id": new_id()})
        for copy in (event, event, twin):
            await n.publish(copy)
        await until(
            lambda: n.handlers.outcomes["already settled"] + n.handlers.outcomes["sent"] >= 3
        )
        assert await n.status(event.notification_id) == "sent"
    mails = smtp.recorder.with_id(event.notification_id)
    assert len(mails) == 1
    assert mails[0]["Subject"] == "【Shomei】署名のお願い：賃貸借契約書"
    assert mails[0].get_body(("html",)) is not None
    assert mails[0].get_body(("plain",)) is not None


async def test_claims_and_outcomes_written_together_hold_on_mongodb_too(
    amqp_url, tmp_path, smtp, catcher, mongo_url
):
    """The group commit reads many notifications at once (`id` any of …) on either engine."""
    async with notify(amqp_url, tmp_path, smtp, catcher, store=mongo_url) as n:
        events = [request() for _ in range(12)]
        for event in (*events, events[0]):
            await n.publish(event)
        for event in events:
            await n.until_status(event.notification_id, "sent")
        await until(lambda: n.handlers.outcomes["already settled"] >= 1)
    assert all(len(smtp.recorder.with_id(e.notification_id)) == 1 for e in events)


async def test_a_transient_failure_waits_in_the_broker_and_is_sent_once_the_relay_is_back(
    amqp_url, tmp_path, smtp, catcher
):
    smtp.stop()
    async with notify(amqp_url, tmp_path, smtp, catcher, delays=(0.2, 0.2, 0.2, 5.0)) as n:
        event = request()
        await n.publish(event)
        await until(lambda: n.handlers.outcomes["retry later"] >= 2)
        smtp.start()
        await n.until_status(event.notification_id, "sent")
        state = (await n.states()).messages[0]
    assert len(smtp.recorder.with_id(event.notification_id)) == 1
    assert state.attempts >= 3


async def test_a_permanent_failure_is_recorded_at_once_and_the_sender_is_told(
    amqp_url, tmp_path, smtp, catcher
):
    async with notify(amqp_url, tmp_path, smtp, catcher) as n:
        event = request("refused@example.jp", tell_sender="staff@demo.example")
        await n.publish(event)
        await n.until_status(event.notification_id, "failed")
        await until(lambda: smtp.recorder.to("staff@demo.example"))
        state = (await n.states()).messages
    failed = next(m for m in state if m.notification_id == event.notification_id)
    assert failed.attempts == 1
    assert "550" in (failed.reason or "")
    notice = smtp.recorder.to("staff@demo.example")[0]
    assert "送信失敗" in notice["Subject"]
    assert "佐藤 一郎" in notice.get_body(("plain",)).get_content()


async def test_after_the_last_attempt_the_failure_is_recorded_not_dead_lettered(
    amqp_url, tmp_path, smtp, catcher
):
    smtp.stop()
    async with notify(amqp_url, tmp_path, smtp, catcher, delays=(0.1, 0.1)) as n:
        event = request(tell_sender="staff@demo.example")
        await n.publish(event)
        await n.until_status(event.notification_id, "failed")
        state = (await n.states()).messages[0]
        smtp.start()  # the notice to the sender waits in the broker until the relay is back
        await until(lambda: smtp.recorder.to("staff@demo.example"))
    assert state.attempts == 3
    assert (state.reason or "").startswith("3回試みましたが送信できませんでした")
    assert smtp.recorder.with_id(event.notification_id) == []


async def test_a_claim_whose_holder_is_gone_is_taken_over_at_once(
    amqp_url, tmp_path, smtp, catcher
):
    """A worker died after claiming: its broker connection, hence its presence, is gone."""
    async with notify(amqp_url, tmp_path, smtp, catcher, delays=(600.0,)) as n:
        event = request()
        dead = Presence(amqp_url, n.runtime.name)
        await dead.start()
        await hold(n, event, dead.worker_id)
        await dead.stop()
        await n.publish(event)
        await n.until_status(event.notification_id, "sent")
    assert n.handlers.outcomes["taken over"] == 1
    assert n.handlers.outcomes["stepped aside"] == 0  # no wait: the delay was 600 s
    assert len(smtp.recorder.with_id(event.notification_id)) == 1


async def test_a_holder_killed_after_the_hand_over_is_not_sent_again_but_recorded_sent(
    amqp_url, tmp_path, smtp, catcher
):
    """The holder's journal line, written the instant the relay said 250, outlives its kill
    even when its store record never came: the taker records "sent" and sends nothing."""
    async with notify(amqp_url, tmp_path, smtp, catcher, delays=(600.0,)) as n:
        event = request()
        dead = Presence(amqp_url, n.runtime.name)
        await dead.start()
        await hold(n, event, dead.worker_id)
        journal = SendJournal(n.handlers.journal.folder, dead.worker_id)
        journal.open()
        journal.note(event.notification_id)  # then killed: no record, no close
        await dead.stop()
        await n.publish(event)
        await n.until_status(event.notification_id, "sent")
    assert n.handlers.outcomes["taken over"] == 1
    assert smtp.recorder.with_id(event.notification_id) == []


async def test_a_copy_of_a_notification_a_live_worker_holds_steps_aside_without_watching(
    amqp_url, tmp_path, smtp, catcher
):
    async with notify(amqp_url, tmp_path, smtp, catcher, delays=(0.2, 0.4)) as n:
        event = request()
        live = Presence(amqp_url, n.runtime.name)
        await live.start()
        await hold(n, event, live.worker_id)
        await n.publish(event)
        await until(lambda: n.handlers.outcomes["stepped aside"] >= 2)
        assert smtp.recorder.with_id(event.notification_id) == []
        await live.stop()  # the holder dies: the parked copy takes over when it returns
        await n.until_status(event.notification_id, "sent")
    assert len(smtp.recorder.with_id(event.notification_id)) == 1


async def test_the_sender_sees_each_message_through_the_query(amqp_url, tmp_path, smtp, catcher):
    """B4: sent, or failed with its reason, per message of the envelope; per tenant."""
    async with notify(amqp_url, tmp_path, smtp, catcher) as n:
        ok = request(envelope_id="envq")
        bad = request("refused@example.jp", envelope_id="envq")
        other = request(envelope_id="other")
        for event in (ok, bad, other):
            await n.publish(event)
        await n.until_status(bad.notification_id, "failed", "envq")
        await n.until_status(ok.notification_id, "sent", "envq")
        client = QueryClient(amqp_url, 5)
        await client.connect()
        try:
            data = await client.ask(
                n.runtime.name, ListEnvelopeMessages(tenant_id="t1", envelope_id="envq")
            )
            foreign = await client.ask(
                n.runtime.name, ListEnvelopeMessages(tenant_id="t2", envelope_id="envq")
            )
        finally:
            await client.close()
    reply = data
    by_id = {m.notification_id: m for m in reply.messages}
    assert set(by_id) == {ok.notification_id, bad.notification_id}
    assert by_id[ok.notification_id].status == "sent"
    assert by_id[bad.notification_id].status == "failed"
    assert "550" in (by_id[bad.notification_id].reason or "")
    assert foreign.messages == []


async def test_an_sms_to_a_number_that_changed_hands_is_suppressed_and_the_sender_told(
    amqp_url, tmp_path, smtp, catcher
):
    """S8: the number passed to someone else after the party's acquisition date."""
    async with notify(amqp_url, tmp_path, smtp, catcher) as n:
        await store_changes(
            n.runtime.in_unit_of_work, [NumberChange("+819011112222", date(2024, 5, 1))]
        )
        stale = request(
            "090-1111-2222",
            channel="sms",
            number_acquired_on=date(2020, 1, 1),
            tell_sender="staff@demo.example",
        )
        fresh = request("09011112222", channel="sms", number_acquired_on=date(2024, 6, 1))
        for event in (stale, fresh):
            await n.publish(event)
        await n.until_status(stale.notification_id, "suppressed")
        await until(lambda: smtp.recorder.to("staff@demo.example"))
        await until(lambda: n.handlers.outcomes["sent"] >= 2)
        state = {m.notification_id: m for m in (await n.states()).messages}
    assert state[fresh.notification_id].status in ("sent", "delivered")
    assert "2024-05-01" in (state[stale.notification_id].reason or "")
    notice = smtp.recorder.to("staff@demo.example")[0]
    assert "SMS送信停止" in notice["Subject"]
    assert "090****2222" in notice.get_body(("plain",)).get_content()
    sms = [m for m in catcher.inbox.find() if m["to"] == "+819011112222"]
    assert len(sms) == 1
    assert "よろしく" not in sms[0]["body"]  # S12: the comment never goes by SMS


async def test_provider_reports_move_an_sms_to_delivered_or_failed(
    amqp_url, tmp_path, smtp, catcher
):
    async with notify(amqp_url, tmp_path, smtp, catcher) as n:
        ok = request("09033334444", channel="sms")
        gone = request("08000000000", channel="sms", tell_sender="staff@demo.example")
        early = await n.report(ReportSmsStatus(provider_id="SMearly", status="delivered"))
        for event in (ok, gone):
            await n.publish(event)
        await n.until_status(ok.notification_id, "sent")
        await n.until_status(gone.notification_id, "sent")
        sids = {  # the newest to each number: the catcher serves the whole session
            m["to"]: m["id"] for m in reversed(catcher.inbox.find(channel="sms"))
        }
        delivered = await n.report(
            ReportSmsStatus(provider_id=sids["+819033334444"], status="delivered")
        )
        failed = await n.report(
            ReportSmsStatus(
                provider_id=sids["+818000000000"], status="undelivered", error_code="30003"
            )
        )
        await until(lambda: smtp.recorder.to("staff@demo.example"))
        after = {m.notification_id: m for m in (await n.states()).messages}
    assert early.known is False
    assert delivered.status == "delivered"
    assert after[ok.notification_id].status == "delivered"
    assert failed.status == "failed"
    assert "30003" in (after[gone.notification_id].reason or "")


async def test_a_report_kept_while_the_sent_write_commits_is_read_again_not_lost_b4(
    amqp_url, tmp_path, smtp, catcher
):
    """The provider's report and the "sent" write race: both write the provider id's
    record, so the report's transaction conflicts and, read again, finds the SMS."""
    async with notify(amqp_url, tmp_path, smtp, catcher) as n:
        event = request("09055556666", channel="sms")
        report = ReportSmsStatus(provider_id="SMrace", status="delivered")
        with pytest.raises(ConcurrencyConflict):
            async with n.runtime.store.unit_of_work() as uow:
                assert (await n.handlers.sms_status(report, uow)).known is False
                await n.handlers.ledger.record(
                    event, lambda x, now: x.sent("SMrace", now), "SMrace"
                )
                await uow.commit()
        again = await n.report(report)
        assert (again.known, again.status) == (True, "delivered")
        assert await n.status(event.notification_id) == "delivered"
