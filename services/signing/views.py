"""What the signing service answers, built from the envelope."""

from typing import Any

from services.common.views import (
    EnvelopeHistoryView,
    EnvelopeSummaryView,
    EnvelopeView,
    FieldView,
    HistoryEntryView,
    MarkView,
    PartyView,
    SignerPartyView,
    SignerView,
)
from services.signing.audit_trail import AuditEntry
from services.signing.fields import SignatureField
from services.signing.identity import missing_documents
from services.signing.model import Envelope
from services.signing.parties import Party


def envelope_view(envelope: Envelope) -> EnvelopeView:
    return EnvelopeView(
        id=envelope.id,
        title=envelope.title,
        status=envelope.status,
        contract_type=envelope.contract_type,
        document_id=envelope.document_id,
        sender_name=envelope.sender_name,
        created_at=envelope.created_at,
        sent_at=envelope.sent_at,
        signed_at=envelope.signed_at,
        completed_at=envelope.completed_at,
        expires_at=envelope.expires_at,
        ended_at=envelope.ended_at,
        end_reason=envelope.end_reason,
        reminders=envelope.reminders,
        document_info=envelope.document_info,
        finished=envelope.finished_blob_id is not None,
        finished_sha256=envelope.finished_sha256,
        finishing_failure=envelope.finishing_failure,
        audit_digest=envelope.audit.digest,
        audit_intact=envelope.audit.is_intact(),
        parties=[_party_view(envelope, p) for p in envelope.parties],
        fields=[_field_view(f) for f in envelope.fields],
        history=[_history_view(e) for e in envelope.audit.entries],
    )


def _history_view(entry: AuditEntry) -> EnvelopeHistoryView:
    """The seal's blob id stays inside: the caller reads the seal in the finished PDF."""
    view = EnvelopeHistoryView.model_validate(entry.model_dump(exclude={"prev"}))
    view.detail.pop("seal", None)
    return view


def _party_view(envelope: Envelope, party: Party) -> PartyView:
    return PartyView(
        id=party.id,
        role=party.role,
        kind=party.kind,
        name=party.name,
        recipient_name=party.recipient_name,
        person_in_charge=party.person_in_charge,
        email=party.email,
        phone=party.phone,
        mobile_acquired_on=party.mobile_acquired_on,
        signs=party.signs,
        signing_order=party.signing_order,
        status=party.status,
        access_code=party.access_code_digest is not None,
        access_code_hint=party.access_code_hint,
        required_documents=party.required_documents,
        signer_change_allowed=party.signer_change_allowed,
        comment=party.comment,
        replaced_by=party.replaced_by,
        consent=party.consent,
        consent_at=party.consent_at,
        decline_reason=party.decline_reason,
        identity_documents=party.identity_documents,
        seal_image_id=party.seal_image_id,
        history=[
            HistoryEntryView(at=e.at, action=e.action, ip=e.ip, user_agent=e.user_agent)
            for e in envelope.audit.for_party(party.id)
        ],
    )


def _field_view(f: SignatureField) -> FieldView:
    return FieldView.model_validate(f.model_dump(exclude={"seal_blob_id", "index"}))


def signer_view(envelope: Envelope, party_id: str, session_hash: str | None) -> SignerView:
    party = envelope.party(party_id)
    has_access = envelope.has_access(party_id, session_hash)
    return SignerView(
        tenant_id=envelope.tenant_id,
        envelope_id=envelope.id,
        envelope_status=envelope.status,
        document_id=envelope.document_id,
        title=envelope.title,
        sender_name=envelope.sender_name,
        sender_email=envelope.sender_email,
        finished=envelope.finished_blob_id is not None,
        party=SignerPartyView(
            id=party.id,
            name=party.name,
            kind=party.kind,
            role=party.role,
            seal_image_id=party.seal_image_id,
            status=party.status,
            signs=party.signs,
            access_code_required=party.access_code_digest is not None,
            access_code_hint=party.access_code_hint,
            has_access=has_access,
            can_sign=party.is_open and envelope.status == "sent",
            signer_change_allowed=party.signer_change_allowed,
            required_documents=party.required_documents,
            consent_asked=envelope.consent_asked(party),
            consent=party.consent,
            identity_documents=party.identity_documents,
            missing_documents=missing_documents(party),
        ),
        fields=[_field_view(f) for f in envelope.fields if f.party_id == party_id],
        marks=_marks(envelope, party_id),
        completed_at=envelope.completed_at,
    )


def _marks(envelope: Envelope, party_id: str) -> list[MarkView]:
    """Boxes of the other parties who signed: the next signer sees the contract as it is."""
    signed = {p.id for p in envelope.parties if p.status == "signed" and p.id != party_id}
    return [
        MarkView(
            id=f.id,
            type=f.type,
            placement=f.placement,
            text=f.text,
            checked=f.checked,
            seal_blob_id=f.seal_blob_id,
        )
        for f in envelope.fields
        if f.party_id in signed
    ]


def summary_view(doc: dict[str, Any]) -> EnvelopeSummaryView:
    """A list line straight from the stored document, without building the aggregate."""
    info = doc.get("document_info") or {}
    return EnvelopeSummaryView(
        id=doc["id"],
        title=doc["title"],
        status=doc["status"],
        contract_type=doc.get("contract_type", "other"),
        created_at=doc["created_at"],
        sent_at=doc.get("sent_at"),
        contract_date=info.get("contract_date"),
        amount=info.get("amount"),
        counterparty=info.get("counterparty"),
    )
