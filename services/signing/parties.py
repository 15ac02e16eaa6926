"""The parties of an envelope and their signature positions, built from the sender's input.

Party roles and kinds, contact rules (S4–S9), share-only recipients (S11) and where boxes
may be placed (S16). Pure: no I/O; ids and access-code digests come in as values.
"""

import re
from datetime import date

from pydantic import BaseModel

from services.common.commands import FieldInput, PartyInput
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.values import (
    Channel,
    FieldType,
    PageSize,
    PartyKind,
    PartyRole,
    PartyStatus,
    Placement,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
JP_MOBILE = re.compile(r"^0[789]0\d{8}$")
ACCESS_CODE = re.compile(r"^[A-Za-z0-9]+$")
MIN_FIELD_SIDE = 8
"""Points (≈ 2.8 mm): a smaller box holds no legible seal, text or tick (S16)."""
MAX_FIELD_SIDE = 1200
"""Points: a seal or text box, not a page-sized overlay."""


class SignerLink(BaseModel):
    """A new link token that opens one party's signer page; the repository keeps its hash."""

    token: str
    party_id: str


class Party(BaseModel):
    id: str
    role: PartyRole
    kind: PartyKind
    name: str
    email: str | None
    phone: str | None
    signs: bool
    signing_order: int | None
    access_code_digest: str | None
    """Keyed hash of the access code, computed outside the model."""
    access_code_hint: str | None
    comment: str | None
    status: PartyStatus
    phone_acquired_on: date | None = None
    failed_attempts: int = 0
    session_hashes: list[str] = []

    @property
    def channel(self) -> Channel:
        return "email" if self.email else "sms"

    @property
    def contact(self) -> str:
        return self.email or self.phone or ""


class SignatureField(BaseModel):
    id: str
    party_id: str
    type: FieldType
    placement: Placement
    required: bool
    label: str | None = None
    seal_blob_id: str | None = None
    text: str | None = None
    checked: bool | None = None


def new_party(index: int, p: PartyInput, party_id: str, code_digest: str | None) -> Party:
    """`code_digest` is the keyed hash of `p.access_code`, made by the handler."""
    email = (p.email or "").strip() or None
    phone = (p.phone or "").strip() or None
    if not email and not phone:
        raise Refused(RefusalCode.contact_required, party=index)
    if email and not EMAIL.match(email):
        raise Refused(RefusalCode.invalid_email, party=index)
    if phone and not JP_MOBILE.match(phone):
        raise Refused(RefusalCode.invalid_phone, party=index)
    if phone and not email and p.kind != "individual":
        raise Refused(RefusalCode.sms_individual_only, party=index)
    code = (p.access_code or "").strip() or None
    if code and not ACCESS_CODE.match(code):
        raise Refused(RefusalCode.invalid_access_code, party=index)
    return Party(
        id=party_id,
        role=p.role,
        kind=p.kind,
        name=p.name.strip(),
        email=email,
        phone=phone,
        signs=p.signs,
        signing_order=(p.signing_order or 1) if p.signs else None,
        access_code_digest=code_digest if code else None,
        access_code_hint=p.access_code_hint,
        comment=p.comment,
        status="waiting" if p.signs else "share_only",
        phone_acquired_on=p.phone_acquired_on if phone else None,
    )


def new_field(
    index: int, f: FieldInput, parties: list[Party], pages: list[PageSize], field_id: str
) -> SignatureField:
    if f.party >= len(parties):
        raise Refused(RefusalCode.unknown_party, field=index)
    party = parties[f.party]
    if not party.signs:
        raise Refused(RefusalCode.field_for_share_only, field=index)
    if f.page > len(pages):
        raise Refused(RefusalCode.page_out_of_range, field=index, page=f.page)
    sides = (f.width, f.height)
    if not all(MIN_FIELD_SIDE <= side <= MAX_FIELD_SIDE for side in sides):
        raise Refused(RefusalCode.field_size, field=index, min=MIN_FIELD_SIDE, max=MAX_FIELD_SIDE)
    size = pages[f.page - 1]
    if f.x + f.width > size.width + 0.5 or f.y + f.height > size.height + 0.5:
        raise Refused(RefusalCode.field_off_page, field=index)
    return SignatureField(
        id=field_id,
        party_id=party.id,
        type=f.type,
        placement=Placement(page=f.page, x=f.x, y=f.y, width=f.width, height=f.height),
        required=f.required,
        label=f.label,
    )
