"""What the signing service answers, built from the envelope."""

from services.common.views import (
    EnvelopeView,
    FieldView,
    HistoryEntryView,
    PartyView,
    SignerPartyView,
    SignerView,
)
from services.signing.model import Envelope
from services.signing.parties import Party, SignatureField


def envelope_view(envelope: Envelope) -> EnvelopeView:
    return EnvelopeView(
        id=envelope.id,
        title=envelope.title,
        status=envelope.status,
        document_id=envelope.document_id,
        sender_name=envelope.sender_name,
        created_at=envelope.created_at,
        sent_at=envelope.sent_at,
        signed_at=envelope.signed_at,
        completed_at=envelope.completed_at,
        finished=envelope.finished_blob_id is not None,
        audit_digest=envelope.audit.digest,
        audit_intact=envelope.audit.is_intact(),
        parties=[_party_view(envelope, p) for p in envelope.parties],
        fields=[_field_view(f) for f in envelope.fields],
    )


def _party_view(envelope: Envelope, party: Party) -> PartyView:
    return PartyView(
        id=party.id,
        role=party.role,
        kind=party.kind,
        name=party.name,
        email=party.email,
        phone=party.phone,
        signs=party.signs,
        signing_order=party.signing_order,
        status=party.status,
        access_code=party.access_code_digest is not None,
        history=[
            HistoryEntryView(at=e.at, action=e.action, ip=e.ip)
            for e in envelope.audit.for_party(party.id)
        ],
    )


def _field_view(f: SignatureField) -> FieldView:
    return FieldView.model_validate(f.model_dump(exclude={"seal_blob_id"}))


def signer_view(envelope: Envelope, party_id: str, session_hash: str | None) -> SignerView:
    party = envelope.party(party_id)
    return SignerView(
        tenant_id=envelope.tenant_id,
        envelope_id=envelope.id,
        envelope_status=envelope.status,
        document_id=envelope.document_id,
        title=envelope.title,
        sender_name=envelope.sender_name,
        finished=envelope.finished_blob_id is not None,
        party=SignerPartyView(
            id=party.id,
            name=party.name,
            kind=party.kind,
            role=party.role,
            status=party.status,
            signs=party.signs,
            access_code_required=party.access_code_digest is not None,
            access_code_hint=party.access_code_hint,
            has_access=envelope.has_access(party_id, session_hash),
        ),
        fields=[_field_view(f) for f in envelope.fields if f.party_id == party_id],
    )
