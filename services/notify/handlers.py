"""Delivering one requested notification, exactly once as far as the outside world allows.

The attempt is recorded before sending and the outcome after; a redelivered request for a
settled notification sends nothing. Transient failures wait and retry with growing delay,
then give the message back to the broker (bounded redelivery, then the dead-letter queue).
"""

import asyncio
import logging
from datetime import timedelta
from typing import Literal

from services.common.events import NotificationRequested
from services.common.messages import utcnow
from services.common.store import InUnitOfWork, UnitOfWork
from services.notify.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.mail import MailSender
from services.notify.repository import NotificationRepository
from services.notify.sms import SmsSender
from services.notify.templates import render

log = logging.getLogger(__name__)
Claim = Literal["claimed", "settled", "in_flight"]


class NotifyHandlers:
    def __init__(
        self,
        in_unit_of_work: InUnitOfWork,
        mail: MailSender,
        sms: SmsSender,
        retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0),
    ) -> None:
        self._uow = in_unit_of_work
        self._mail = mail
        self._sms = sms
        self._delays = retry_delays
        self._lease = timedelta(seconds=60 + 2 * sum(retry_delays))
        self._watch_seconds = 0.5

    async def deliver(self, event: NotificationRequested) -> None:
        while (claim := await self._uow(lambda uow: self._begin(uow, event))) != "claimed":
            if claim == "settled":
                return
            await asyncio.sleep(self._watch_seconds)  # a twin delivery is sending it now
        try:
            provider_id = await self._send_with_retries(event)
        except PermanentDeliveryError as exc:
            reason = str(exc)
            log.warning("notification %s failed permanently: %s", event.notification_id, reason)
            await self._uow(lambda uow: self._settle(uow, event, None, reason))
            return
        except TransientDeliveryError as exc:
            reason = str(exc)
            await self._uow(lambda uow: self._note_transient(uow, event, reason))
            raise
        await self._uow(lambda uow: self._settle(uow, event, provider_id, None))

    async def close(self) -> None:
        await self._sms.aclose()

    async def _send_with_retries(self, event: NotificationRequested) -> str | None:
        try:
            message = render(event.kind, event.channel, event.params)
        except ValueError as exc:
            raise PermanentDeliveryError(f"cannot render {event.kind}: {exc}") from exc
        for attempt, delay in enumerate((*self._delays, None)):
            try:
                if event.channel == "email":
                    await self._mail.send(
                        event.to,
                        message.subject,
                        message.text,
                        message.html,
                        f"<{event.notification_id}@shomei>",
                    )
                    return None
                return await self._sms.send(event.to, message.text)
            except TransientDeliveryError as exc:
                if delay is None:
                    raise
                log.info(
                    "notification %s attempt %d failed (%s); retrying in %.1fs",
                    event.notification_id,
                    attempt + 1,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _begin(self, uow: UnitOfWork, event: NotificationRequested) -> Claim:
        """Claimed, already settled, or being sent by a twin delivery (then watch it end)."""
        repo = NotificationRepository(uow)
        notification = await repo.for_request(event)
        if notification.settled:
            log.info("notification %s already %s", notification.id, notification.status)
            return "settled"
        if not notification.claim(utcnow(), self._lease):
            log.warning(
                "notification %s is being sent by a twin delivery; watching it", notification.id
            )
            return "in_flight"
        repo.save(notification)
        await uow.commit()
        return "claimed"

    async def _note_transient(
        self, uow: UnitOfWork, event: NotificationRequested, reason: str
    ) -> None:
        repo = NotificationRepository(uow)
        notification = await repo.for_request(event)
        notification.transient_failure(reason)
        repo.save(notification)
        await uow.commit()

    async def _settle(
        self,
        uow: UnitOfWork,
        event: NotificationRequested,
        provider_id: str | None,
        failure: str | None,
    ) -> None:
        repo = NotificationRepository(uow, event.correlation_id)
        notification = await repo.for_request(event)
        if failure is None:
            notification.delivered(provider_id, utcnow())
        else:
            notification.failed(failure)
        repo.save(notification)
        await uow.commit()
