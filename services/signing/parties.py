"""The parties of an envelope and their signature positions, built from the sender's input.

Party roles and kinds, contact rules (S4–S9), share-only recipients (S11) and where boxes
may be placed (S16). Pure: no I/O.
"""

import re
from typing import Literal

from pydantic import BaseModel

from services.common.events import Placement
from services.common.messages import Refused, new_id
from services.common.queries import FieldInput, PageSize, PartyInput, PartyKind, PartyRole
from services.signing.credentials import hash_access_code

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
JP_MOBILE = re.compile(r"^0[789]0\d{8}$")
ACCESS_CODE = re.compile(r"^[A-Za-z0-9]+$")
PartyStatus = Literal["waiting", "asked", "signed", "locked", "share_only"]


class SignerLink(BaseModel):
    """A link token (hashed) that opens one party's signer page."""

    token_hash: str
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
    access_code_hash: str | None
    access_code_hint: str | None
    comment: str | None
    status: PartyStatus
    failed_attempts: int = 0
    session_hashes: list[str] = []

    @property
    def channel(self) -> Literal["email", "sms"]:
        return "email" if self.email else "sms"

    @property
    def contact(self) -> str:
        return self.email or self.phone or ""


class SignatureField(BaseModel):
    id: str
    party_id: str
    type: Literal["signature", "text", "checkbox"]
    placement: Placement
    required: bool
    label: str | None = None
    seal_blob_id: str | None = None
    text: str | None = None
    checked: bool | None = None


def new_party(index: int, p: PartyInput) -> Party:
    where = f"送信先{index + 1}"
    email = (p.email or "").strip() or None
    phone = (p.phone or "").strip() or None
    if not email and not phone:
        raise Refused(
            "contact_required",
            f"{where}：メールアドレスとSMSのいずれかは必須です。",
            422,
            party=str(index),
        )
    if email and not EMAIL.match(email):
        raise Refused(
            "invalid_email",
            f"{where}：メールアドレスの形式が正しくありません。",
            422,
            party=str(index),
        )
    if phone and not JP_MOBILE.match(phone):
        raise Refused(
            "invalid_phone",
            f"{where}：携帯電話番号はハイフンなしの11桁で入力してください。",
            422,
            party=str(index),
        )
    if phone and not email and p.kind != "individual":
        raise Refused(
            "sms_individual_only", f"{where}：SMSは個人のみ利用できます。", 422, party=str(index)
        )
    code = (p.access_code or "").strip() or None
    if code and not ACCESS_CODE.match(code):
        raise Refused(
            "invalid_access_code",
            f"{where}：アクセスコードは英数字で入力してください。",
            422,
            party=str(index),
        )
    return Party(
        id=new_id(),
        role=p.role,
        kind=p.kind,
        name=p.name.strip(),
        email=email,
        phone=phone,
        signs=p.signs,
        signing_order=(p.signing_order or 1) if p.signs else None,
        access_code_hash=hash_access_code(code) if code else None,
        access_code_hint=p.access_code_hint,
        comment=p.comment,
        status="waiting" if p.signs else "share_only",
    )


def new_field(
    index: int, f: FieldInput, parties: list[Party], pages: list[PageSize]
) -> SignatureField:
    where = f"署名欄{index + 1}"
    if f.party >= len(parties):
        raise Refused("unknown_party", f"{where}：送信先が存在しません。", 422, field=str(index))
    party = parties[f.party]
    if not party.signs:
        raise Refused(
            "field_for_share_only",
            f"{where}：署名依頼しない送信先には配置できません。",
            422,
            field=str(index),
        )
    if f.page > len(pages):
        raise Refused(
            "page_out_of_range", f"{where}：{f.page}ページは存在しません。", 422, field=str(index)
        )
    size = pages[f.page - 1]
    if f.x + f.width > size.width + 0.5 or f.y + f.height > size.height + 0.5:
        raise Refused(
            "field_off_page", f"{where}：ページの外にはみ出しています。", 422, field=str(index)
        )
    return SignatureField(
        id=new_id(),
        party_id=party.id,
        type=f.type,
        placement=Placement(page=f.page, x=f.x, y=f.y, width=f.width, height=f.height),
        required=f.required,
        label=f.label,
    )
