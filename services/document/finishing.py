"""Makes the finished contract: stamp every mark, append the audit certificate, seal (PAdES).

Stamping and the certificate run in a worker thread (CPU-heavy); the PAdES signature
comes last and nothing rewrites the file after it.
"""

import asyncio
import hashlib
from collections.abc import Mapping

from services.common.events import EnvelopeSigned, FilledField
from services.document.audit import (
    AuditCertificate,
    AuditEvent,
    AuditParty,
    append_pages,
    audit_certificate,
)
from services.document.pades import seal_pdf
from services.document.platform_key import PlatformCredentials
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


def certificate_for(
    event: EnvelopeSigned, original_sha256: str, stamped_sha256: str
) -> AuditCertificate:
    parties, events = [], []
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
            events.append(
                AuditEvent(
                    at=e.at,
                    action=ACTION_LABELS.get(e.action, e.action),
                    actor=f"{index}. {p.name}",
                    ip=e.ip,
                    user_agent=e.user_agent,
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
        stamped_sha256=stamped_sha256,
        trail_digest=event.audit_digest,
    )


def _stamp_and_certify(original: bytes, event: EnvelopeSigned, seals: Mapping[str, bytes]) -> bytes:
    stamped = stamp(original, marks_for(event.fields, seals))
    certificate = certificate_for(
        event, hashlib.sha256(original).hexdigest(), hashlib.sha256(stamped).hexdigest()
    )
    return append_pages(stamped, audit_certificate(certificate))


async def finish_contract(
    original: bytes,
    event: EnvelopeSigned,
    seals: Mapping[str, bytes],
    credentials: PlatformCredentials,
    tsa_url: str | None,
) -> bytes:
    unsigned = await asyncio.to_thread(_stamp_and_certify, original, event, seals)
    return await seal_pdf(
        unsigned,
        credentials,
        tsa_url=tsa_url or None,
        reason=f"Shomei 電子契約 {event.envelope_id}",
    )
