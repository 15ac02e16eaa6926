"""What the finished contract carries: every mark where the sender placed it, and the
audit certificate, appended to the original as one incremental update; the PAdES
signature then comes last (see `finalize`), and nothing rewrites the file after it.
"""

import hashlib
from collections.abc import Mapping

from services.common.events import AuditEventRecord, EnvelopeSigned, FilledField
from services.document.audit import (
    AuditCertificate,
    AuditEvent,
    AuditParty,
    FilledValue,
    audit_certificate,
)
from services.document.stamping import CheckMark, Mark, SealMark, TextMark, stamp

ROLE_LABELS = {
    "tenant": "借主",
    "guarantor": "保証人",
    "own_company": "自社署名者",
    "agent": "取引士",
    "landlord": "貸主",
    "other": "その他",
}
ACTION_LABELS = {
    "asked": "署名依頼",
    "opened": "閲覧",
    "access_code_failed": "アクセスコード誤り",
    "access_verified": "アクセスコード認証",
    "locked": "ロック",
    "signed": "署名",
}


def marks_for(fields: list[FilledField], seals: Mapping[str, bytes]) -> list[Mark]:
    marks: list[Mark] = []
    for f in fields:
        box = f.placement.model_dump()
        if f.type == "signature" and f.seal_blob_id:
            marks.append(SealMark(**box, png=seals[f.seal_blob_id]))
        elif f.type == "text" and f.text:
            marks.append(TextMark(**box, text=f.text))
        elif f.type == "checkbox":
            marks.append(CheckMark(**box, checked=bool(f.checked)))
    return marks


KIND_LABELS = {"signature": "押印", "text": "テキスト", "checkbox": "チェック"}


def certificate_for(
    event: EnvelopeSigned, original_sha256: str, document_name: str = "", verify_url: str = ""
) -> AuditCertificate:
    """The certificate's content from the completion event.

    The 署名依頼 (`asked`) is the sender's act, so the sender is its actor; each party's
    own steps name the party.
    """
    parties, events = [], []
    sender = event.sender_name or "送信者"
    for index, p in enumerate(event.parties, start=1):
        signed = [e for e in p.events if e.action == "signed"]
        parties.append(
            AuditParty(
                order=p.signing_order or 0,
                role=ROLE_LABELS.get(p.role, p.role),
                name=p.name,
                contact=p.contact,
                signed_at=signed[-1].at if signed else None,
                status="署名済み" if signed else "受信のみ",
            )
        )
        for e in p.events:
            asked = e.action == "asked"
            events.append(
                AuditEvent(
                    at=e.at,
                    action=ACTION_LABELS.get(e.action, e.action)
                    + (f"（→ {p.name}）" if asked else ""),
                    actor=sender if asked else f"{index}. {p.name}",
                    ip=None if asked else e.ip,
                    user_agent=None if asked else e.user_agent,
                    detail=_consent(e),
                )
            )
    events.sort(key=lambda e: e.at)
    return AuditCertificate(
        envelope_id=event.envelope_id,
        envelope_title=event.title,
        original_sha256=original_sha256,
        parties=parties,
        events=events,
        sender=event.sender_name,
        completed_at=event.occurred_at,
        trail_digest=event.audit_digest,
        document_name=document_name,
        verify_url=verify_url,
        filled=[
            FilledValue(page=f.placement.page, kind=KIND_LABELS[f.type], value=_value(f))
            for f in event.fields
            if f.seal_blob_id or f.text or f.checked is not None
        ],
    )


def _value(f: FilledField) -> str:
    if f.type == "signature":
        return "押印済み" if f.seal_blob_id else "—"
    if f.type == "checkbox":
        return "チェックあり" if f.checked else "チェックなし"
    return f.text or ""


def _consent(entry: AuditEventRecord) -> str:
    """The consent answers a step carries, as one line."""
    answers = entry.consent or {}
    return "、".join(f"{k}：{'同意' if v is True else v}" for k, v in answers.items())


def prepare_unsigned(
    original: bytes,
    event: EnvelopeSigned,
    seals: Mapping[str, bytes],
    document_name: str = "",
    verify_url: str = "",
) -> bytes:
    """The stamped contract with its certificate, one incremental update on `original`,
    ready for the platform signature. Blocking and CPU-bound: run it in a worker thread.
    Raises `StampError` for a document that cannot take the marks."""
    certificate = certificate_for(
        event, hashlib.sha256(original).hexdigest(), document_name, verify_url
    )
    return stamp(original, marks_for(event.fields, seals), audit_certificate(certificate))
