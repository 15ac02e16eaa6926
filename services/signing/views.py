"""What the signing service answers: plain dicts shaped for the gateway's screens."""

from typing import Any

from services.signing.model import Envelope
from services.signing.parties import Party


def envelope_view(envelope: Envelope) -> dict[str, Any]:
    return {
        "id": envelope.id,
        "title": envelope.title,
        "status": envelope.status,
        "document_id": envelope.document_id,
        "sender_name": envelope.sender_name,
        "created_at": envelope.created_at.isoformat(),
        "sent_at": _iso(envelope.sent_at),
        "signed_at": _iso(envelope.signed_at),
        "completed_at": _iso(envelope.completed_at),
        "finished": envelope.finished_blob_id is not None,
        "audit_digest": envelope.audit.digest,
        "audit_intact": envelope.audit.is_intact(),
        "parties": [_party_view(envelope, p) for p in envelope.parties],
        "fields": [f.model_dump(mode="json", exclude={"seal_blob_id"}) for f in envelope.fields],
    }


def _party_view(envelope: Envelope, party: Party) -> dict[str, Any]:
    return {
        "id": party.id,
        "role": party.role,
        "kind": party.kind,
        "name": party.name,
        "email": party.email,
        "phone": party.phone,
        "signs": party.signs,
        "signing_order": party.signing_order,
        "status": party.status,
        "access_code": party.access_code_hash is not None,
        "history": [
            {"at": e.at.isoformat(), "action": e.action, "ip": e.ip}
            for e in envelope.audit.for_party(party.id)
        ],
    }


def signer_view(envelope: Envelope, party_id: str, session: str | None) -> dict[str, Any]:
    party = envelope.party(party_id)
    return {
        "tenant_id": envelope.tenant_id,
        "envelope_id": envelope.id,
        "envelope_status": envelope.status,
        "document_id": envelope.document_id,
        "title": envelope.title,
        "sender_name": envelope.sender_name,
        "finished": envelope.finished_blob_id is not None,
        "party": {
            "id": party.id,
            "name": party.name,
            "kind": party.kind,
            "role": party.role,
            "status": party.status,
            "signs": party.signs,
            "access_code_required": party.access_code_hash is not None,
            "access_code_hint": party.access_code_hint,
            "has_access": envelope.has_access(party_id, session),
        },
        "fields": [
            f.model_dump(mode="json", exclude={"seal_blob_id"})
            for f in envelope.fields
            if f.party_id == party_id
        ],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
