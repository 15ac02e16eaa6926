"""Signing order (S13), signing (G4), declining, and completion (G7).

The lowest open group is asked first; the next only when every party of the group has
signed; equal numbers are asked together. Share-only parties (S11) are never asked: they
get the finished contract only.
"""

from datetime import datetime, timedelta

from services.common.events import (
    AuditEventRecord,
    AuditPartyRecord,
    EnvelopeCompleted,
    EnvelopeDeclined,
    EnvelopeSent,
    EnvelopeSigned,
    FilledField,
    PartySigned,
    SentParty,
)
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.views import FinishingFailureView
from services.signing.parties import Party
from services.signing.state import EnvelopeState, LinkFor, NewId, Who

TEXT_LIMIT = 500
ALREADY_ASKED = frozenset({"asked", "opened", "verified", "signed", "locked"})


class Workflow(EnvelopeState):
    def current_order(self) -> int | None:
        waiting = [
            p.signing_order
            for p in self.parties
            if p.active_signer and p.status != "signed" and p.signing_order is not None
        ]
        return min(waiting) if waiting else None

    def _ask_next_order(self, now: datetime, new_token: NewId, link_for: LinkFor) -> None:
        order = self.current_order()
        for party in self.parties:
            if party.active_signer and party.signing_order == order and party.status == "waiting":
                self._ask(party, now, new_token, link_for)

    def _start(self, now: datetime, who: Who, new_token: NewId, link_for: LinkFor) -> None:
        self.status = "sent"
        self.sent_at = now
        self.expires_at = now + timedelta(days=self.reminders.expire_after_days)
        self.log(now, "sent", who)
        self._record(
            EnvelopeSent(
                tenant_id=self.tenant_id,
                envelope_id=self.id,
                document_id=self.document_id,
                parties=[
                    SentParty(
                        party_id=p.id,
                        name=p.name,
                        kind=p.kind,
                        role=p.role,
                        seal_image_id=p.seal_image_id,
                    )
                    for p in self.parties
                    if p.signs
                ],
            )
        )
        self._ask_next_order(now, new_token, link_for)

    def sign_as(
        self,
        party: Party,
        has_access: bool,
        *,
        seal_blob_id: str,
        texts: dict[str, str],
        checks: dict[str, bool],
        now: datetime,
        who: Who,
        new_token: NewId,
        link_for: LinkFor,
    ) -> None:
        """Every required text filled, every box pressed, checkbox values kept (G4)."""
        self._signable(party, has_access)
        mine = [f for f in self.fields if f.party_id == party.id]
        for f in mine:
            if f.type == "text" and f.required and not texts.get(f.id, "").strip():
                raise Refused(RefusalCode.text_required, field_id=f.id, label=f.label or "")
            if f.type == "checkbox" and f.required and not checks.get(f.id, False):
                raise Refused(RefusalCode.check_required, field_id=f.id, label=f.label or "")
        for f in mine:
            if f.type == "signature":
                f.seal_blob_id = seal_blob_id
            elif f.type == "text":
                f.text = texts.get(f.id, "").strip()[:TEXT_LIMIT]
            else:
                f.checked = bool(checks.get(f.id, False))
        party.status = "signed"
        self.log(now, "signed", who, party, seal=seal_blob_id)
        self._record(PartySigned(tenant_id=self.tenant_id, envelope_id=self.id, party_id=party.id))
        if self.current_order() is None:
            self._all_signed(now)
        else:
            self._ask_next_order(now, new_token, link_for)

    def decline_as(
        self, party: Party, has_access: bool, reason: str, now: datetime, who: Who
    ) -> None:
        """The envelope ends; the sender and everyone already asked are told (G4)."""
        self._signable(party, has_access)
        reason = reason.strip()
        party.status = "declined"
        party.decline_reason = reason
        self.status = "declined"
        self.ended_at = now
        self.end_reason = reason
        seq = self.log(now, "declined", who, party, reason=reason)
        self._tell_sender("envelope_declined", seq, party.name, reason)
        for other in self.parties:
            if other.id != party.id and other.status in ALREADY_ASKED:
                self._tell_party(other, "envelope_declined", seq, reason=reason, about=party.name)
        self._record(
            EnvelopeDeclined(
                tenant_id=self.tenant_id, envelope_id=self.id, party_id=party.id, reason=reason
            )
        )

    def _all_signed(self, now: datetime) -> None:
        self.status = "signed"
        self.signed_at = now
        self.log(now, "all_signed")
        self._record(
            EnvelopeSigned(
                tenant_id=self.tenant_id,
                envelope_id=self.id,
                document_id=self.document_id,
                title=self.title,
                sender_name=self.sender_name,
                contract_type=self.contract_type,
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
            recipient_name=party.recipient_name,
            signs=party.signs,
            article37_consent=party.consent,
            events=[
                AuditEventRecord(at=e.at, action=e.action, ip=e.ip, user_agent=e.user_agent)
                for e in self.audit.for_party(party.id)
            ],
        )

    def finishing_failed(self, code: str, message: str, retrying: bool, now: datetime) -> None:
        """The finished PDF could not be made (yet): the sender sees why (G7). A late report
        about an envelope no longer waiting for its PDF changes nothing."""
        if self.status == "signed":
            self.finishing_failure = FinishingFailureView(
                code=code, message=message, retrying=retrying, at=now
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
        self.finishing_failure = None
        self.finished_blob_id = finished_blob_id
        self.finished_sha256 = sha256
        seq = self.log(now, "completed", sha256=sha256)
        for party in self.parties:
            if party.status in ("signed", "share_only"):
                token = new_token()
                self._new_link(party, token, kill_earlier=False)
                self._tell_party(party, "signature_completed", seq, link_for(token))
        self._record(
            EnvelopeCompleted(
                tenant_id=self.tenant_id,
                envelope_id=self.id,
                document_id=self.document_id,
                finished_sha256=sha256,
            )
        )
