"""What an envelope holds, and the plumbing its rules share: finding a party, writing the
history, asking for notifications, collecting events and links for the repository.

The rules themselves live in one module per concept (workflow, access, changes, consent,
schedule); `model.Envelope` puts them together. Pure: no I/O, no hashing, no randomness.
"""

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, Field, PrivateAttr

from services.common.events import NotificationRequested
from services.common.messages import Event, Refused
from services.common.refusals import RefusalCode
from services.common.values import (
    ContractType,
    DocumentInfo,
    EnvelopeStatus,
    PageSize,
    ReminderSettings,
)
from services.common.views import FinishingFailureView
from services.signing import notices
from services.signing.audit_trail import AuditTrail
from services.signing.fields import SignatureField
from services.signing.parties import Party, SignerLink

NewId = Callable[[], str]
"""A fresh, unique id or secret token, drawn by the caller."""
LinkFor = Callable[[str], str]
"""The signer page's address for a link token, built by the caller."""
SYSTEM = "system"
"""The actor of what the service did by itself: reminders, expiry."""


class Who(BaseModel):
    """Who acted, for the history (D3): a party's link, the sender, or the system."""

    actor: str | None = None
    ip: str | None = None
    user_agent: str | None = None


class EnvelopeState(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    sender_name: str
    sender_email: str | None = None
    title: str
    document_id: str
    contract_type: ContractType = "other"
    certificate_option: bool = False
    status: EnvelopeStatus = "draft"
    parties: list[Party]
    fields: list[SignatureField]
    pages: list[PageSize] = Field(default_factory=list)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    document_info: DocumentInfo = Field(default_factory=DocumentInfo)
    audit: AuditTrail = Field(default_factory=AuditTrail)
    created_at: datetime
    sent_at: datetime | None = None
    signed_at: datetime | None = None
    completed_at: datetime | None = None
    expires_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    finished_blob_id: str | None = None
    finished_sha256: str | None = None
    finishing_failure: FinishingFailureView | None = None
    """What the document service last reported about a finished PDF it could not make."""
    _events: list[Event] = PrivateAttr(default_factory=list)
    _links: list[SignerLink] = PrivateAttr(default_factory=list)

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise Refused(RefusalCode.party_not_found)

    def log(
        self,
        now: datetime,
        action: str,
        who: Who | None = None,
        party: Party | None = None,
        **detail: str,
    ) -> int:
        """Append to the history; the entry's number keys the notifications it causes."""
        who = who or Who(actor=SYSTEM)
        entry = self.audit.append(
            now,
            action,
            party.id if party else None,
            who.ip,
            who.user_agent,
            who.actor,
            **detail,
        )
        return entry.seq

    def _require_open(self) -> None:
        if self.status != "sent":
            raise Refused(RefusalCode.envelope_closed, envelope_status=self.status)

    def _signable(self, party: Party, has_access: bool) -> None:
        """Refuse, with the reason, a party who may not act on its link now."""
        if party.status == "signed":
            raise Refused(RefusalCode.already_signed)
        if party.status == "locked":
            raise Refused(RefusalCode.party_locked)
        if party.status == "declined":
            raise Refused(RefusalCode.party_declined)
        if party.status == "replaced":
            raise Refused(RefusalCode.party_replaced)
        if self.status != "sent":
            raise Refused(RefusalCode.envelope_closed, envelope_status=self.status)
        if not party.is_open:
            raise Refused(RefusalCode.not_your_turn)
        if not has_access:
            raise Refused(RefusalCode.access_code_required)

    # --- notifications -------------------------------------------------------------------

    def _new_link(self, party: Party, token: str, kill_earlier: bool = True) -> None:
        """A new link for `party`; every earlier link of the party is dead from now on,
        unless it only adds a download link beside the one the party already has (G7)."""
        if kill_earlier:
            party.link_serial += 1
        self._links.append(SignerLink(token=token, party_id=party.id, serial=party.link_serial))

    def _tell_party(
        self,
        party: Party,
        kind: str,
        seq: int,
        link: str | None = None,
        reason: str | None = None,
        about: str | None = None,
    ) -> None:
        """One notification per channel of the party; its id names the history entry, so a
        rerun of the same step asks for nothing new."""
        for channel in party.channels:
            self._record(
                NotificationRequested(
                    tenant_id=self.tenant_id,
                    notification_id=f"{self.id}.{seq}.{party.id}.{channel}",
                    channel=channel,
                    to=party.email if channel == "email" else party.phone or "",
                    envelope_id=self.id,
                    party_id=party.id,
                    tell_sender=self.sender_email,
                    number_acquired_on=party.mobile_acquired_on if channel == "sms" else None,
                    params=notices.to_party(
                        kind,
                        party,
                        channel,
                        sender_name=self.sender_name,
                        title=self.title,
                        link=link,
                        reason=reason,
                        about=about,
                    ),
                )
            )

    def _tell_sender(self, kind: str, seq: int, party_name: str, reason: str | None = None) -> None:
        if not self.sender_email:
            return
        self._record(
            NotificationRequested(
                tenant_id=self.tenant_id,
                notification_id=f"{self.id}.{seq}.sender",
                channel="email",
                to=self.sender_email,
                envelope_id=self.id,
                params=notices.to_sender(
                    kind, party_name, sender_name=self.sender_name, title=self.title, reason=reason
                ),
            )
        )

    def _ask(
        self,
        party: Party,
        now: datetime,
        new_token: NewId,
        link_for: LinkFor,
        kind: str = "signature_request",
    ) -> None:
        """Ask one party with a fresh link (S13, S14); a re-request says so (D4)."""
        party.status = "asked"
        party.asked_at = now
        party.reminders_sent = 0
        token = new_token()
        self._new_link(party, token)
        seq = self.log(now, "asked", party=party, channels=",".join(party.channels))
        self._tell_party(party, kind, seq, link_for(token))

    # --- plumbing for the handler --------------------------------------------------------

    def _record(self, event: Event) -> None:
        self._events.append(event)

    def collect_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def collect_links(self) -> list[SignerLink]:
        links, self._links = self._links, []
        return links
