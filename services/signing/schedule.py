"""Reminders, expiry and cancelling (B3).

A sent envelope reminds each party it is waiting for `remind_after_days` after asking,
then every `remind_every_days`, and expires `expire_after_days` after sending. `due_at`
is the next moment anything is due; the service indexes it and sweeps what is due, each
envelope in its own unit of work, so the version check is the claim: of two sweepers,
one commits and the other reloads and finds nothing due. A sweep after a long pause
sends one reminder per party, not every one it missed.
"""

from datetime import datetime, timedelta

from services.common.events import EnvelopeCancelled, EnvelopeExpired
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.signing.parties import Party
from services.signing.state import EnvelopeState, LinkFor, NewId, Who

CANCELLABLE = frozenset({"draft", "sent"})
TOLD_WHEN_ENDED = frozenset({"asked", "opened", "verified", "signed", "locked"})


class Schedule(EnvelopeState):
    def next_reminder(self, party: Party) -> datetime | None:
        if not party.is_open or party.asked_at is None:
            return None
        first = party.asked_at + timedelta(days=self.reminders.remind_after_days)
        return first + timedelta(days=self.reminders.remind_every_days) * party.reminders_sent

    @property
    def due_at(self) -> datetime | None:
        """The next reminder or the expiry, whichever comes first; None unless sent."""
        if self.status != "sent":
            return None
        times = [t for p in self.parties if (t := self.next_reminder(p)) is not None]
        if self.expires_at is not None:
            times.append(self.expires_at)
        return min(times) if times else None

    def tick(self, now: datetime, new_token: NewId, link_for: LinkFor) -> bool:
        """Do what is due at `now`: expire, or remind; True when something changed."""
        if self.status != "sent":
            return False
        if self.expires_at is not None and now >= self.expires_at:
            self._expire(now)
            return True
        changed = False
        for party in self.parties:
            due = self.next_reminder(party)
            if due is None or now < due:
                continue
            every = timedelta(days=self.reminders.remind_every_days)
            missed = int((now - due) / every)
            party.reminders_sent += 1 + missed
            token = new_token()
            self._new_link(party, token, kill_earlier=False)
            seq = self.log(now, "reminded", party=party, round=str(party.reminders_sent))
            self._tell_party(party, "signature_reminder", seq, link_for(token))
            changed = True
        return changed

    def _expire(self, now: datetime) -> None:
        self.status = "expired"
        self.ended_at = now
        waiting = [p for p in self.parties if p.is_open or p.status == "locked"]
        seq = self.log(now, "expired")
        self._tell_sender("envelope_expired", seq, "、".join(p.name for p in waiting) or "-")
        self._record(EnvelopeExpired(tenant_id=self.tenant_id, envelope_id=self.id))

    def cancel(self, reason: str | None, now: datetime, who: Who) -> None:
        """The sender withdraws it; every party already asked is told."""
        if self.status not in CANCELLABLE:
            raise Refused(RefusalCode.envelope_closed, envelope_status=self.status)
        reason = (reason or "").strip() or None
        self.status = "cancelled"
        self.ended_at = now
        self.end_reason = reason
        seq = self.log(now, "cancelled", who, **({"reason": reason} if reason else {}))
        for party in self.parties:
            if party.status in TOLD_WHEN_ENDED:
                self._tell_party(party, "envelope_cancelled", seq, reason=reason)
        self._record(
            EnvelopeCancelled(tenant_id=self.tenant_id, envelope_id=self.id, reason=reason)
        )
