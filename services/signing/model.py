"""The envelope (署名依頼) aggregate: parties, signature positions, signing order, audit trail.

Pure: no I/O, no hashing, no randomness, no addresses. Ids, link tokens, session and
access-code digests come in as values from the handler, signer links as `link_for`, time as
`now`; the events to publish are collected by the repository for the outbox.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import BaseModel, Field, PrivateAttr

from services.common.commands import FieldInput, PartyInput
from services.common.events import (
    AuditEventRecord,
    AuditPartyRecord,
    EnvelopeCompleted,
    EnvelopeSent,
    EnvelopeSigned,
    FilledField,
    NotificationRequested,
    PartySigned,
    SentParty,
)
from services.common.messages import Event, Refused
from services.common.notifications import AccessLocked, SignatureCompleted, SignatureRequest
from services.common.refusals import RefusalCode
from services.common.values import EnvelopeStatus, PageSize
from services.signing.audit_trail import AuditTrail
from services.signing.parties import Party, SignatureField, SignerLink, new_field, new_party

MAX_ACCESS_ATTEMPTS = 5
NewId = Callable[[], str]
"""A fresh, unique id or secret token, drawn by the caller."""
LinkFor = Callable[[str], str]
"""The signer page's address for a link token, built by the caller."""


class AccessAttempt(BaseModel):
    """How an access-code attempt ended; a wrong code is recorded, not refused."""

    granted: bool
    locked: bool = False
    attempts_left: int = 0


class Envelope(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    sender_name: str
    sender_email: str | None = None
    title: str
    document_id: str
    status: EnvelopeStatus = "draft"
    parties: list[Party]
    fields: list[SignatureField]
    audit: AuditTrail = Field(default_factory=AuditTrail)
    created_at: datetime
    sent_at: datetime | None = None
    signed_at: datetime | None = None
    completed_at: datetime | None = None
    finished_blob_id: str | None = None
    finished_sha256: str | None = None
    _events: list[Event] = PrivateAttr(default_factory=list)
    _links: list[SignerLink] = PrivateAttr(default_factory=list)

    # --- creation (S1–S16) -------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        tenant_id: str,
        sender_name: str,
        sender_email: str | None,
        title: str,
        document_id: str,
        pages: list[PageSize],
        parties: list[PartyInput],
        fields: list[FieldInput],
        code_digests: Sequence[str | None],
        now: datetime,
        new_id: NewId,
    ) -> "Envelope":
        """`code_digests[i]` is the keyed hash of `parties[i].access_code` (or None)."""
        if not title.strip():
            raise Refused(RefusalCode.title_required)
        if not parties:
            raise Refused(RefusalCode.parties_required)
        if not any(p.signs for p in parties):
            raise Refused(RefusalCode.signer_required)
        built = [
            new_party(i, p, new_id(), digest)
            for i, (p, digest) in enumerate(zip(parties, code_digests, strict=True))
        ]
        placed = [new_field(i, f, built, pages, new_id()) for i, f in enumerate(fields)]
        for index, party in enumerate(built):
            if party.signs and not any(
                f.party_id == party.id and f.type == "signature" for f in placed
            ):
                raise Refused(
                    RefusalCode.signature_box_required, party=index, party_name=party.name
                )
        envelope = cls(
            id=new_id(),
            tenant_id=tenant_id,
            sender_name=sender_name,
            sender_email=sender_email,
            title=title.strip(),
            document_id=document_id,
            parties=built,
            fields=placed,
            created_at=now,
        )
        envelope.audit.append(now, "created")
        return envelope

    # --- workflow (S13) ----------------------------------------------------------------

    def send(self, now: datetime, new_token: NewId, link_for: LinkFor) -> None:
        if self.status != "draft":
            raise Refused(RefusalCode.already_sent)
        self.status = "sent"
        self.sent_at = now
        self.audit.append(now, "sent")
        self._record(
            EnvelopeSent(
                tenant_id=self.tenant_id,
                envelope_id=self.id,
                document_id=self.document_id,
                parties=[
                    SentParty(party_id=p.id, name=p.name, kind=p.kind, role=p.role)
                    for p in self.parties
                    if p.signs
                ],
            )
        )
        self._ask_next_order(now, new_token, link_for)

    def current_order(self) -> int | None:
        waiting = [
            p.signing_order
            for p in self.parties
            if p.signs and p.status != "signed" and p.signing_order is not None
        ]
        return min(waiting) if waiting else None

    def _ask_next_order(self, now: datetime, new_token: NewId, link_for: LinkFor) -> None:
        order = self.current_order()
        for party in self.parties:
            if party.signs and party.signing_order == order and party.status == "waiting":
                party.status = "asked"
                entry = self.audit.append(now, "asked", party.id, channel=party.channel)
                self._notify(party, "signature_request", new_token(), link_for, entry.seq)

    def _notify(self, party: Party, kind: str, token: str, link_for: LinkFor, seq: int) -> None:
        """One notification per party and audit entry: its id says which, so it is stable."""
        self._links.append(SignerLink(token=token, party_id=party.id))
        self._record(
            NotificationRequested(
                tenant_id=self.tenant_id,
                notification_id=f"{self.id}.{seq}.{party.id}",
                channel=party.channel,
                to=party.contact,
                envelope_id=self.id,
                party_id=party.id,
                params=self._notification_params(party, kind, link_for(token)),
                tell_sender=self.sender_email,
                number_acquired_on=party.phone_acquired_on,
            )
        )

    def _notification_params(
        self, party: Party, kind: str, link: str
    ) -> SignatureRequest | SignatureCompleted:
        common = {
            "recipient_name": party.name,
            "sender_name": self.sender_name,
            "document_title": self.title,
        }
        if kind == "signature_completed":
            return SignatureCompleted(**common, download_url=link)
        return SignatureRequest(
            **common,
            sign_url=link,
            comment=party.comment or None,
            access_code_hint=party.access_code_hint or None,
        )

    # --- the signer's side (G2, G4) ----------------------------------------------------

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise Refused(RefusalCode.party_not_found)

    def has_access(self, party_id: str, session_hash: str | None) -> bool:
        """`session_hash` is the hash of the signer's access session, if they have one."""
        party = self.party(party_id)
        if party.access_code_digest is None:
            return True
        return session_hash is not None and session_hash in party.session_hashes

    def record_opened(self, party_id: str, now: datetime, ip: str | None, ua: str | None) -> bool:
        """True when this was the party's first view (then the envelope changed)."""
        if any(e.action == "opened" for e in self.audit.for_party(party_id)):
            return False
        self.audit.append(now, "opened", party_id, ip, ua)
        return True

    def verify_access_code(
        self,
        party_id: str,
        *,
        correct: bool,
        session_hash: str,
        now: datetime,
        ip: str | None = None,
        ua: str | None = None,
    ) -> AccessAttempt:
        """`correct`: the entered code's keyed hash matched the party's (checked outside).
        On success `session_hash` becomes one of the party's access sessions."""
        party = self.party(party_id)
        if party.status == "locked":
            return AccessAttempt(granted=False, locked=True)
        if party.access_code_digest is None:
            raise Refused(RefusalCode.no_access_code)
        if not correct:
            party.failed_attempts += 1
            self.audit.append(now, "access_code_failed", party.id, ip, ua)
            if party.failed_attempts >= MAX_ACCESS_ATTEMPTS:
                party.status = "locked"
                self.audit.append(now, "locked", party.id, ip, ua)
                self._tell_sender_locked(party)
                return AccessAttempt(granted=False, locked=True)
            return AccessAttempt(
                granted=False, attempts_left=MAX_ACCESS_ATTEMPTS - party.failed_attempts
            )
        party.failed_attempts = 0
        party.session_hashes = [*party.session_hashes[-4:], session_hash]
        self.audit.append(now, "access_verified", party.id, ip, ua)
        return AccessAttempt(granted=True, attempts_left=MAX_ACCESS_ATTEMPTS)

    def _tell_sender_locked(self, party: Party) -> None:
        if not self.sender_email:
            return
        self._record(
            NotificationRequested(
                tenant_id=self.tenant_id,
                notification_id=f"{self.id}.{len(self.audit.entries)}.locked",
                channel="email",
                to=self.sender_email,
                envelope_id=self.id,
                party_id=party.id,
                params=AccessLocked(
                    recipient_name=self.sender_name,
                    document_title=self.title,
                    party_name=party.name,
                ),
            )
        )

    def sign(
        self,
        party_id: str,
        *,
        session_hash: str | None,
        seal_blob_id: str,
        texts: dict[str, str],
        checks: dict[str, bool],
        now: datetime,
        new_token: NewId,
        link_for: LinkFor,
        ip: str | None = None,
        ua: str | None = None,
    ) -> None:
        party = self.party(party_id)
        if party.status == "signed":
            raise Refused(RefusalCode.already_signed)
        if party.status == "locked":
            raise Refused(RefusalCode.party_locked)
        if party.status != "asked" or self.status != "sent":
            raise Refused(RefusalCode.not_your_turn)
        if not self.has_access(party_id, session_hash):
            raise Refused(RefusalCode.access_code_required)
        mine = [f for f in self.fields if f.party_id == party_id]
        for f in mine:
            if f.type == "text" and f.required and not texts.get(f.id, "").strip():
                raise Refused(RefusalCode.text_required, field_id=f.id, label=f.label or "")
            if f.type == "checkbox" and f.required and not checks.get(f.id, False):
                raise Refused(RefusalCode.check_required, field_id=f.id, label=f.label or "")
        for f in mine:
            if f.type == "signature":
                f.seal_blob_id = seal_blob_id
            elif f.type == "text":
                f.text = texts.get(f.id, "").strip()[:500]
            else:
                f.checked = bool(checks.get(f.id, False))
        party.status = "signed"
        self.audit.append(now, "signed", party.id, ip, ua, seal=seal_blob_id)
        self._record(PartySigned(tenant_id=self.tenant_id, envelope_id=self.id, party_id=party.id))
        if self.current_order() is None:
            self._all_signed(now)
        else:
            self._ask_next_order(now, new_token, link_for)

    def _all_signed(self, now: datetime) -> None:
        self.status = "signed"
        self.signed_at = now
        self.audit.append(now, "all_signed")
        self._record(
            EnvelopeSigned(
                tenant_id=self.tenant_id,
                envelope_id=self.id,
                document_id=self.document_id,
                title=self.title,
                sender_name=self.sender_name,
                fields=[
                    FilledField(
                        placement=f.placement,
                        type=f.type,
                        seal_blob_id=f.seal_blob_id,
                        text=f.text,
                        checked=f.checked,
                    )
                    for f in self.fields
                ],
                parties=[self._audit_record(p) for p in self.parties],
                audit_digest=self.audit.digest,
            )
        )

    def _audit_record(self, party: Party) -> AuditPartyRecord:
        return AuditPartyRecord(
            role=party.role,
            name=party.name,
            contact=party.contact,
            signing_order=party.signing_order,
            events=[
                AuditEventRecord(at=e.at, action=e.action, ip=e.ip, user_agent=e.user_agent)
                for e in self.audit.for_party(party.id)
            ],
        )

    def complete(
        self,
        finished_blob_id: str,
        sha256: str,
        now: datetime,
        new_token: NewId,
        link_for: LinkFor,
    ) -> None:
        """The finished PDF exists: every party, signer or share-only, gets it (G7)."""
        if self.status == "completed":
            return
        if self.status != "signed":
            raise Refused(RefusalCode.not_signed)
        self.status = "completed"
        self.completed_at = now
        self.finished_blob_id = finished_blob_id
        self.finished_sha256 = sha256
        entry = self.audit.append(now, "completed", sha256=sha256)
        for party in self.parties:
            self._notify(party, "signature_completed", new_token(), link_for, entry.seq)
        self._record(
            EnvelopeCompleted(
                tenant_id=self.tenant_id,
                envelope_id=self.id,
                document_id=self.document_id,
                finished_sha256=sha256,
            )
        )

    # --- plumbing for the handler ------------------------------------------------------

    def _record(self, event: Event) -> None:
        self._events.append(event)

    def collect_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def collect_links(self) -> list[SignerLink]:
        links, self._links = self._links, []
        return links
