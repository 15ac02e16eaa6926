"""Delivering one requested notification, once, and answering for its state (B4).

Per delivery: claim (before anything is sent), render, the S8 guard for SMS, send, note
the hand-over in this worker's journal, record the outcome. Claims and outcomes of the
deliveries in flight are written together (`ledger.Ledger`). A passing failure records
"try later" and raises `RetryLater`: the broker holds the message in a delay queue, and
the last attempt records the failure instead. See `model.Notification` for the claim
protocol.

Where a send can straddle a kill: the mail server (or SMS provider) has the message and
the process dies before the journal line is written, i.e. between the last byte of the
mail leaving and the turn of the event loop that reads the 250 (a loopback or network
round trip plus the server's own work). The worker taking over finds no journal line,
sends again, and the duplicate carries the same Message-ID. A kill after the journal
line but before the store record costs nothing: the taker reads the journal
(`journal.SendJournal`) and records "sent" without sending.
"""

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime

from services.common.events import NotificationRequested
from services.common.messages import utcnow
from services.common.notifications import (
    EnvelopeMessages,
    ListEnvelopeMessages,
    ReportSmsStatus,
    SmsStatusRecorded,
)
from services.common.retry import RetryLater, current_attempt
from services.common.settings import Settings, get_settings
from services.common.staging import stage
from services.common.store import InUnitOfWork, UnitOfWork
from services.notify import numbers
from services.notify.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.journal import SendJournal
from services.notify.ledger import COLLECTIONS as LEDGER_COLLECTIONS
from services.notify.ledger import EARLY_REPORTS, NOTIFICATIONS, Change, Ledger
from services.notify.mail import MailSender
from services.notify.model import Notification
from services.notify.numbers import NumberHistory
from services.notify.presence import Presence
from services.notify.sms import SmsSender
from services.notify.templates import RenderedMessage, render

log = logging.getLogger(__name__)
COLLECTIONS = (*LEDGER_COLLECTIONS, numbers.COLLECTION)


def worker_settings(settings: Settings | None = None) -> Settings:
    """A worker can only work on as many requests as the broker lets it hold."""
    settings = settings or get_settings()
    if settings.prefetch < settings.notify_in_flight:
        settings = settings.model_copy(update={"prefetch": settings.notify_in_flight})
    return settings


class NotifyHandlers:
    def __init__(
        self,
        in_unit_of_work: InUnitOfWork,
        mail: MailSender,
        sms: SmsSender,
        number_history: NumberHistory,
        presence: Presence,
        journal: SendJournal,
        now: Callable[[], datetime] = utcnow,
        slots: int = 4,
    ) -> None:
        self._uow = in_unit_of_work
        self.ledger = Ledger(in_unit_of_work, now)
        self.journal = journal
        self._mail = mail
        self._sms = sms
        self._numbers = number_history
        self._presence = presence
        self._now = now
        self._in_flight: set[str] = set()
        self.slots = slots
        """Deliveries per channel between claim and record at once."""
        self._slots = {"email": asyncio.Semaphore(slots), "sms": asyncio.Semaphore(slots)}
        self.outcomes: Counter[str] = Counter()
        """Deliveries handled by this worker, by outcome: for logs, tests and benchmarks."""

    @property
    def worker_id(self) -> str:
        return self._presence.worker_id

    async def start(self) -> None:
        await self._presence.start()
        self.journal.open()

    async def close(self) -> None:
        await self.ledger.close()
        log.info(
            "deliveries by outcome: %s, in %d store transactions",
            dict(self.outcomes),
            self.ledger.transactions,
        )
        self.journal.close()
        await self._sms.aclose()
        await self._mail.aclose()
        await self._presence.stop()

    # --- delivery ------------------------------------------------------------------------

    async def deliver(self, event: NotificationRequested) -> None:
        """At most `slots` notifications per channel are between claim and record
        (`SHOMEI_NOTIFY_IN_FLIGHT`): their claims and outcomes share the ledger's commits,
        so the more in flight, the fewer commits a mail. A claim may wait for a free
        connection; the "sent" write never waits behind more than one commit (outcomes
        go first), which keeps the kill window short."""
        nid = event.notification_id
        if nid in self._in_flight:
            # A copy of this request is already with this worker; the claim it writes
            # must not look stale to this one, so this copy waits in the broker instead.
            self.outcomes["stepped aside"] += 1
            raise RetryLater("this worker is sending it now", counts=False)
        self._in_flight.add(nid)
        try:
            async with self._slots[event.channel]:
                await self._deliver(event)
        finally:
            self._in_flight.discard(nid)

    async def _deliver(self, event: NotificationRequested) -> None:
        if not await self._claim(event):
            return
        try:
            retry_reason = await self._attempt(event)
        except BaseException:
            sent, provider_id = self.journal.sent_by(self.worker_id, event.notification_id)
            change: Change = (
                (lambda n, now: n.sent(provider_id, now))
                if sent  # handed over just before the interruption: never send it again
                else (lambda n, now: n.try_later(self.worker_id, "interrupted", now))
            )
            with suppress(Exception):  # free the claim: the next attempt needs no takeover
                await self._record(event, change, provider_id)
            raise
        if retry_reason is not None:
            self.outcomes["retry later"] += 1
            raise RetryLater(retry_reason)

    async def _claim(self, event: NotificationRequested) -> bool:
        """True once this worker holds the notification; False if it is settled."""
        gone: str | None = None
        while True:
            outcome, holder = await self.ledger.claim(event, self.worker_id, gone)
            if outcome == "claimed":
                if holder is None:
                    return True
                self.outcomes["taken over"] += 1
                return not await self._sent_by(event, holder)
            if outcome == "settled":
                log.info("notification %s already settled", event.notification_id)
                self.outcomes["already settled"] += 1
                return False
            if holder is not None and holder != gone and not await self._alive(holder):
                log.info("notification %s: its holder %s is gone", event.notification_id, holder)
                gone = holder
                continue
            self.outcomes["stepped aside"] += 1
            raise RetryLater(f"worker {holder} is sending it now", counts=False)

    async def _sent_by(self, event: NotificationRequested, holder: str) -> bool:
        """A holder that died after the hand-over and before its record: record it now."""
        sent, provider_id = self.journal.sent_by(holder, event.notification_id)
        if sent:
            log.info("notification %s was sent by %s before it died", event.notification_id, holder)
            await self._record(event, lambda n, now: n.sent(provider_id, now), provider_id)
        return sent

    async def _alive(self, holder: str) -> bool:
        """A claim of this worker's own is stale: no other copy is in flight here."""
        if holder == self.worker_id:
            return False
        return await self._presence.alive(holder)

    async def _attempt(self, event: NotificationRequested) -> str | None:
        """Send and record the outcome; the reason to retry later, if any."""
        try:
            message = render(event.params, event.channel, event.locale)
        except ValueError as exc:
            reason = f"cannot render {event.kind}: {exc}"
            await self._record(event, lambda n, now: n.failed(reason, now))
            return None
        if event.channel == "sms" and event.number_acquired_on is not None:
            acquired_on = event.number_acquired_on
            changed_on = await self._numbers.changed_since(event.to, acquired_on)
            if changed_on is not None:
                reason = (
                    f"携帯番号の持ち主が {changed_on} に変わっています（携帯番号取得日"
                    f" {acquired_on} より後）。SMSは送信していません。"
                )
                await self._record(
                    event, lambda n, now: n.suppressed(reason, now, acquired_on, changed_on)
                )
                return None
        try:
            provider_id = await self._send(event, message)
            self.journal.note(event.notification_id, provider_id)
        except PermanentDeliveryError as exc:
            failure = str(exc)
            await self._record(event, lambda n, now: n.failed(failure, now))
            return None
        except TransientDeliveryError as exc:
            passing = str(exc)
            attempt = current_attempt()
            if attempt.final:
                reason = f"{attempt.number}回試みましたが送信できませんでした: {passing}"
                await self._record(event, lambda n, now: n.failed(reason, now))
                return None
            await self._record(event, lambda n, now: n.try_later(self.worker_id, passing, now))
            return passing
        await self._record(event, lambda n, now: n.sent(provider_id, now), provider_id)
        self.journal.recorded(event.notification_id)
        return None

    async def _send(self, event: NotificationRequested, message: RenderedMessage) -> str | None:
        if event.channel == "email":
            await self._mail.send(
                event.to, message.subject, message.text, message.html, event.notification_id
            )
            return None
        return await self._sms.send(event.to, message.text)

    async def _record(
        self, event: NotificationRequested, change: Change, provider_id: str | None = None
    ) -> None:
        self.outcomes[await self.ledger.record(event, change, provider_id)] += 1

    # --- what the gateway asks ------------------------------------------------------------

    async def envelope_messages(self, q: ListEnvelopeMessages, uow: UnitOfWork) -> EnvelopeMessages:
        found = [
            Notification.model_validate(d)
            for d in await uow.find(
                NOTIFICATIONS, {"tenant_id": q.tenant_id, "envelope_id": q.envelope_id}
            )
        ]
        found.sort(key=lambda n: (n.requested_at, n.id))
        return EnvelopeMessages(envelope_id=q.envelope_id, messages=[n.state() for n in found])

    async def sms_status(self, q: ReportSmsStatus, uow: UnitOfWork) -> SmsStatusRecorded:
        """A report may outrun the "sent" write; it is kept and applied by that write."""
        found = await uow.find(NOTIFICATIONS, {"provider_id": q.provider_id}, limit=1)
        if not found:
            early = await uow.get(EARLY_REPORTS, q.provider_id)
            if early is None or q.status in ("delivered", "failed", "undelivered"):
                uow.save(
                    EARLY_REPORTS,
                    {
                        "id": q.provider_id,
                        "version": early["version"] if early else 0,
                        "status": q.status,
                        "error_code": q.error_code,
                    },
                )
            return SmsStatusRecorded(known=False)
        notification = Notification.model_validate(found[0])
        notification.provider_reported(q.status, q.error_code, self._now())
        stage(
            uow, NOTIFICATIONS, notification.model_dump(mode="json"), notification.collect_events()
        )
        return SmsStatusRecorded(known=True, status=notification.status)
