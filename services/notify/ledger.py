"""The store writes of one worker's deliveries, grouped: a group commit.

Every delivery writes twice: its claim before the send and its outcome after. One unit of
work each cost about a dozen round trips to the store's thread and a transaction per
write, and under several workers the outcome waited for the store's write lock behind
claims. Here every claim and outcome asked for while a transaction runs waits for the
next one, and that one writes them all: one read of the notifications concerned, one
transaction, each notification loaded, changed by its domain method and staged as
usual. Outcomes go first in each transaction, so an outcome never waits behind more than
the one transaction already running.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.events import NotificationRequested
from services.common.staging import stage
from services.common.store import AnyOf, Collection, InUnitOfWork, UnitOfWork
from services.notify.model import Claim, Notification

log = logging.getLogger(__name__)
NOTIFICATIONS = "notifications"
EARLY_REPORTS = "sms_reports"
COLLECTIONS = (
    Collection(
        NOTIFICATIONS, indexed=("tenant_id", "envelope_id", "status"), unique=("provider_id",)
    ),
    Collection(EARLY_REPORTS),
)
Change = Callable[[Notification, datetime], None]


@dataclass(slots=True)
class _Claim:
    event: NotificationRequested
    worker: str
    gone: str | None
    done: asyncio.Future[tuple[Claim, str | None]]


@dataclass(slots=True)
class _Outcome:
    event: NotificationRequested
    change: Change
    provider_id: str | None
    done: asyncio.Future[str]


class Ledger:
    def __init__(self, in_unit_of_work: InUnitOfWork, now: Callable[[], datetime]) -> None:
        self._uow = in_unit_of_work
        self._now = now
        self._claims: list[_Claim] = []
        self._outcomes: list[_Outcome] = []
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0
        """Transactions written, for benchmarks: deliveries / transactions = group size."""

    async def claim(
        self, event: NotificationRequested, worker: str, gone: str | None
    ) -> tuple[Claim, str | None]:
        """The claim's outcome and the holder the notification had before it."""
        done: asyncio.Future[tuple[Claim, str | None]] = asyncio.get_running_loop().create_future()
        self._claims.append(_Claim(event, worker, gone, done))
        self._wake()
        return await asyncio.shield(done)

    async def record(
        self, event: NotificationRequested, change: Change, provider_id: str | None = None
    ) -> str:
        """Apply `change` and commit it; the notification's status after it."""
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._outcomes.append(_Outcome(event, change, provider_id, done))
        self._wake()
        return await asyncio.shield(done)

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    def _wake(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="notify-ledger")

    async def _write_all(self) -> None:
        await asyncio.sleep(0)  # whatever else this turn of the loop asks for joins in
        while self._claims or self._outcomes:
            claims, self._claims = self._claims, []
            outcomes, self._outcomes = self._outcomes, []
            try:
                results = await self._uow(lambda uow, c=claims, o=outcomes: self._write(uow, c, o))
            except BaseException as error:
                for item in (*outcomes, *claims):
                    if not item.done.done():
                        item.done.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            self.transactions += 1
            for item, result in zip((*outcomes, *claims), results, strict=True):
                if not item.done.done():
                    item.done.set_result(result)

    async def _write(
        self, uow: UnitOfWork, claims: list[_Claim], outcomes: list[_Outcome]
    ) -> list[Any]:
        ids = sorted({i.event.notification_id for i in (*claims, *outcomes)})
        found = await uow.find(NOTIFICATIONS, {"id": AnyOf(ids)})
        loaded = {d["id"]: Notification.model_validate(d) for d in found}
        reported = sorted({o.provider_id for o in outcomes if o.provider_id})
        early = (
            {d["id"]: d for d in await uow.find(EARLY_REPORTS, {"id": AnyOf(reported)})}
            if reported
            else {}
        )
        now = self._now()
        changed: dict[str, str | None] = {}

        def notification(event: NotificationRequested) -> Notification:
            nid = event.notification_id
            if nid not in loaded:
                loaded[nid] = Notification.requested(event, now)
            return loaded[nid]

        results: list[Any] = []
        for outcome in outcomes:
            n = notification(outcome.event)
            outcome.change(n, now)
            results.append(n.status)
            if outcome.provider_id:
                report = early.get(outcome.provider_id)
                if report is not None and report.get("status"):
                    n.provider_reported(report["status"], report.get("error_code"), now)
                # a report being kept meanwhile writes the same record: one of the two
                # transactions conflicts and reads again, so no report is lost between them
                uow.save(
                    EARLY_REPORTS,
                    {
                        "id": outcome.provider_id,
                        "version": report["version"] if report else 0,
                        "status": None,
                        "error_code": None,
                    },
                )
            changed[n.id] = outcome.event.correlation_id
        for claim in claims:
            n = notification(claim.event)
            holder = n.holder
            gone = claim.gone is not None and holder == claim.gone
            result = n.claim(claim.worker, now, holder_gone=gone)
            results.append((result, holder))
            if result == "claimed":
                changed.setdefault(n.id, None)
        for nid, correlation_id in changed.items():
            n = loaded[nid]
            stage(uow, NOTIFICATIONS, n.model_dump(mode="json"), n.collect_events(), correlation_id)
        await uow.commit()
        return results
