"""The parties of an envelope (S4–S15): who they are, how they are reached, what they may do.

A party is built from the sender's input without refusing anything; `party_problems` then
lists every rule it breaks, so that creating and sending answer all problems at once, each
naming the party. Pure: ids and access-code digests come in as values.
"""

from datetime import date, datetime

from pydantic import BaseModel

from services.common.commands import PartyInput
from services.common.messages import RefusalError
from services.common.names import name_problem
from services.common.refusals import RefusalCode
from services.common.values import (
    Channel,
    ConsentAnswer,
    IdDocument,
    IdImage,
    PartyKind,
    PartyRole,
    PartyStatus,
)
from services.signing.contacts import is_access_code, normal_email, normal_mobile

OWN_SIDE: frozenset[PartyRole] = frozenset({"own_company", "agent"})
"""Roles signed by the sending agency itself: counted as 自社署名待ち (D1)."""
SIGNER_CHANGE_ROLES: frozenset[PartyRole] = frozenset({"landlord", "other"})
OPEN_STATUSES: frozenset[PartyStatus] = frozenset({"asked", "opened", "verified"})
"""A party in one of these may act on its link: sign, decline, change signer."""


class SignerLink(BaseModel):
    """A new link token that opens one party's signer page; the repository keeps its hash.
    `serial` is the party's link serial when it was made: a later link kills this one."""

    token: str
    party_id: str
    serial: int = 0


class Party(BaseModel):
    id: str
    index: int
    """Position in the sender's input, for errors that point at `/parties/<index>`."""
    role: PartyRole
    kind: PartyKind
    name: str
    recipient_name: str | None = None
    person_in_charge: str | None = None
    email: str | None
    phone: str | None
    """E.164 when valid; as entered otherwise (then `party_problems` names it)."""
    mobile_acquired_on: date | None = None
    signs: bool
    signing_order: int | None
    access_code_digest: str | None
    """Keyed hash of the access code, computed outside the model."""
    access_code_valid: bool = True
    access_code_hint: str | None
    required_documents: list[IdDocument] = []
    identity_documents: list[IdImage] = []
    """Photos the signer attached (S10, G3)."""
    comment: str | None
    signer_change_allowed: bool = False
    status: PartyStatus
    failed_attempts: int = 0
    session_hashes: list[str] = []
    link_serial: int = 0
    asked_at: datetime | None = None
    reminders_sent: int = 0
    rerequested_at: datetime | None = None
    replaced_by: str | None = None
    decline_reason: str | None = None
    consent: ConsentAnswer | None = None
    consent_at: datetime | None = None
    seal_image_id: str | None = None
    """The agency's uploaded seal this party presses (S17); none: drawn from the name."""

    @property
    def channels(self) -> list[Channel]:
        """E-mail and SMS both when both are given; SMS only for individuals (S7)."""
        channels: list[Channel] = []
        if self.email:
            channels.append("email")
        if self.phone and self.kind == "individual":
            channels.append("sms")
        return channels

    @property
    def contact(self) -> str:
        return self.email or self.phone or ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def active_signer(self) -> bool:
        """Signs and has not been replaced by another person."""
        return self.signs and self.status != "replaced"

    def label(self) -> dict[str, str | int]:
        """What an error about this party needs: where it is, its role and name."""
        return {"party": self.index, "role": self.role, "party_name": self.name}


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def new_party(index: int, p: PartyInput, party_id: str, code_digest: str | None) -> Party:
    """`code_digest` is the keyed hash of `p.access_code`, made by the handler."""
    email, phone, code = _text(p.email), _text(p.phone), _text(p.access_code)
    return Party(
        id=party_id,
        index=index,
        role=p.role,
        kind=p.kind,
        name=p.name.strip(),
        recipient_name=_text(p.recipient_name),
        person_in_charge=_text(p.person_in_charge),
        email=(normal_email(email) or email) if email else None,
        phone=(normal_mobile(phone) or phone) if phone else None,
        mobile_acquired_on=p.mobile_acquired_on,
        signs=p.signs,
        signing_order=(p.signing_order or 1) if p.signs else None,
        access_code_digest=code_digest if code else None,
        access_code_valid=code is None or is_access_code(code),
        access_code_hint=_text(p.access_code_hint),
        required_documents=list(dict.fromkeys(p.required_documents)),
        seal_image_id=_text(p.seal_image_id),
        comment=_text(p.comment),
        signer_change_allowed=p.signer_change_allowed,
        status="waiting" if p.signs else "share_only",
    )


def _error(code: RefusalCode, party: Party, input: str, **params: str | int) -> RefusalError:
    label = party.label()
    return RefusalError(
        code=code,
        party=party.index,
        input=input,
        params={"role": label["role"], "party_name": label["party_name"], **params},
    )


def name_errors(party: Party, names: dict[str, str | None]) -> list[RefusalError]:
    errors = []
    for input, value in names.items():
        if value is None and input != "name":
            continue
        problem = name_problem(value or "")
        if problem:
            params = {"character": problem.character} if problem.character else {}
            errors.append(_error(RefusalCode(problem.code), party, input, **params))
    return errors


def contact_errors(party: Party) -> list[RefusalError]:
    """E-mail and/or mobile (S7): one required, each valid, SMS for individuals only."""
    errors = []
    if not party.email and not party.phone:
        errors.append(_error(RefusalCode.contact_required, party, "email"))
    if party.email and normal_email(party.email) != party.email:
        errors.append(_error(RefusalCode.invalid_email, party, "email"))
    if party.phone and normal_mobile(party.phone) != party.phone:
        errors.append(_error(RefusalCode.invalid_phone, party, "phone"))
    if party.phone and party.kind != "individual":
        errors.append(_error(RefusalCode.sms_individual_only, party, "phone"))
    if party.mobile_acquired_on and not party.phone:
        errors.append(_error(RefusalCode.acquired_on_without_phone, party, "mobile_acquired_on"))
    return errors


def party_problems(party: Party, certificate_option: bool) -> list[RefusalError]:
    """Every rule of S4–S15 this party breaks, each naming the party and the input."""
    corporation = party.kind != "individual"
    errors = name_errors(
        party,
        {
            "name": party.name,
            "recipient_name": party.recipient_name,
            "person_in_charge": party.person_in_charge,
        },
    )
    errors += contact_errors(party)
    if corporation and not party.recipient_name:
        errors.append(_error(RefusalCode.recipient_required, party, "recipient_name"))
    if not corporation and party.person_in_charge:
        errors.append(
            _error(RefusalCode.person_in_charge_corporation_only, party, "person_in_charge")
        )
    if party.access_code_digest and corporation:
        errors.append(_error(RefusalCode.access_code_individual_only, party, "access_code"))
    if not party.access_code_valid:
        errors.append(_error(RefusalCode.invalid_access_code, party, "access_code"))
    if party.signer_change_allowed and (
        corporation or party.role not in SIGNER_CHANGE_ROLES or not party.signs
    ):
        errors.append(_error(RefusalCode.signer_change_not_allowed, party, "signer_change_allowed"))
    if party.role == "own_company" and not certificate_option:
        errors.append(_error(RefusalCode.own_company_needs_certificate, party, "role"))
    return errors
