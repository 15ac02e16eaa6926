"""The envelope (署名依頼) aggregate: parties, boxes, signing order, history.

Pure: no I/O, no hashing, no randomness, no addresses. Ids, link tokens, session and
access-code digests come in as values from the handler, signer links as `link_for`, time as
`now`; the events to publish are collected by the repository for the outbox. The rules
live in one module per concept; this class joins them and adds creating and sending, which
check the whole envelope and answer every problem at once.
"""

from collections.abc import Sequence
from datetime import datetime

from services.common.commands import FieldInput, PartyInput
from services.common.messages import RefusalError, Refused
from services.common.refusals import RefusalCode
from services.common.values import (
    ContractType,
    DocumentInfo,
    IdImage,
    PageSize,
    ReminderSettings,
)
from services.signing.access import MAX_ACCESS_ATTEMPTS, Access, AccessAttempt
from services.signing.changes import Changes
from services.signing.consent import Consent
from services.signing.fields import field_problems, new_field
from services.signing.identity import Identity
from services.signing.parties import OWN_SIDE, Party, new_party, party_problems
from services.signing.schedule import Schedule
from services.signing.state import LinkFor, NewId, Who
from services.signing.workflow import Workflow

__all__ = ["MAX_ACCESS_ATTEMPTS", "AccessAttempt", "Envelope", "LinkFor", "NewId", "Who"]


class Envelope(Workflow, Access, Changes, Consent, Schedule, Identity):
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
        contract_type: ContractType = "other",
        certificate_option: bool = False,
        reminders: ReminderSettings | None = None,
        document_info: DocumentInfo | None = None,
        who: Who | None = None,
    ) -> "Envelope":
        """`code_digests[i]` is the keyed hash of `parties[i].access_code` (or None).
        Refused with every problem at once (`envelope_invalid`) when anything is wrong."""
        built = [
            new_party(i, p, new_id(), digest)
            for i, (p, digest) in enumerate(zip(parties, code_digests, strict=True))
        ]
        info = document_info or DocumentInfo()
        if info.counterparty is None:
            info = info.model_copy(update={"counterparty": _counterparty(built)})
        envelope = cls(
            id=new_id(),
            tenant_id=tenant_id,
            sender_name=sender_name,
            sender_email=sender_email,
            title=title.strip(),
            document_id=document_id,
            contract_type=contract_type,
            certificate_option=certificate_option,
            parties=built,
            fields=[new_field(i, f, built, new_id()) for i, f in enumerate(fields)],
            pages=pages,
            reminders=reminders or ReminderSettings(),
            document_info=info,
            created_at=now,
        )
        envelope._refuse_problems()
        envelope.log(now, "created", who)
        return envelope

    def problems(self) -> list[RefusalError]:
        """Every reason this envelope cannot be sent, each naming its party or box."""
        errors: list[RefusalError] = []
        if not self.title:
            errors.append(RefusalError(code=RefusalCode.title_required, input="title"))
        if not self.parties:
            errors.append(RefusalError(code=RefusalCode.parties_required, input="parties"))
        elif not any(p.signs for p in self.parties):
            errors.append(RefusalError(code=RefusalCode.signer_required, input="parties"))
        for party in self.parties:
            errors += party_problems(party, self.certificate_option)
            if party.active_signer and not any(
                f.party_id == party.id and f.type == "signature" for f in self.fields
            ):
                errors.append(
                    RefusalError(
                        code=RefusalCode.signature_box_required,
                        party=party.index,
                        input="fields",
                        params={"role": party.role, "party_name": party.name},
                    )
                )
        for field in self.fields:
            errors += field_problems(field, self.parties, self.pages)
        return errors

    def _refuse_problems(self) -> None:
        errors = self.problems()
        if errors:
            raise Refused(RefusalCode.envelope_invalid, errors, count=len(errors))

    def send(
        self, now: datetime, new_token: NewId, link_for: LinkFor, who: Who | None = None
    ) -> None:
        """Check the whole envelope again, then ask the first signing order (S13)."""
        if self.status != "draft":
            raise Refused(RefusalCode.already_sent)
        self._refuse_problems()
        self._start(now, who or Who(), new_token, link_for)

    # --- the signer's side: each acts through its link (G1–G6) ---------------------------

    def open_link(
        self, party_id: str, serial: int, session_hash: str | None, now: datetime, who: Who
    ) -> bool:
        """The link's first view moves the party to `opened`; True when something changed."""
        party = self.by_link(party_id, serial)
        if party.status == "replaced":
            raise Refused(RefusalCode.party_replaced)
        if not self.has_access(party_id, session_hash):
            return False
        return self.record_opened(party, now, who)

    def enter_access_code(
        self,
        party_id: str,
        serial: int,
        *,
        correct: bool,
        session_hash: str,
        now: datetime,
        who: Who,
    ) -> AccessAttempt:
        party = self.by_link(party_id, serial)
        return self.verify_access_code(
            party, correct=correct, session_hash=session_hash, now=now, who=who
        )

    def sign(
        self,
        party_id: str,
        serial: int,
        *,
        session_hash: str | None,
        seal_blob_id: str,
        texts: dict[str, str],
        checks: dict[str, bool],
        now: datetime,
        new_token: NewId,
        link_for: LinkFor,
        who: Who | None = None,
        consent: bool | None = None,
    ) -> None:
        """Sign; a rental's tenant or landlord may answer the 37条 consent in the same step,
        so that the answer is in the audit certificate even when they sign last."""
        party = self.by_link(party_id, serial)
        has_access = self.has_access(party_id, session_hash)
        who = who or Who(actor=party.name)
        self.require_identity(party, has_access)
        if consent is not None and self.consent_applies(party):
            party.consent = "given" if consent else "refused"
            party.consent_at = now
        self.sign_as(
            party,
            has_access,
            seal_blob_id=seal_blob_id,
            texts=texts,
            checks=checks,
            now=now,
            who=who,
            new_token=new_token,
            link_for=link_for,
        )
        if party.consent is not None:
            self.log(now, f"consent_{party.consent}", who, party)

    def attach_identity_by_link(
        self,
        party_id: str,
        serial: int,
        session_hash: str | None,
        images: list[IdImage],
        now: datetime,
        who: Who,
    ) -> None:
        party = self.by_link(party_id, serial)
        self.attach_identity(party, self.has_access(party_id, session_hash), images, now, who)

    def decline(
        self,
        party_id: str,
        serial: int,
        session_hash: str | None,
        reason: str,
        now: datetime,
        who: Who,
    ) -> None:
        party = self.by_link(party_id, serial)
        self.decline_as(party, self.has_access(party_id, session_hash), reason, now, who)

    def hand_over(
        self,
        party_id: str,
        serial: int,
        session_hash: str | None,
        *,
        name: str,
        email: str | None,
        phone: str | None,
        new_party_id: str,
        now: datetime,
        who: Who,
        new_token: NewId,
        link_for: LinkFor,
    ) -> Party:
        party = self.by_link(party_id, serial)
        return self.change_signer(
            party,
            self.has_access(party_id, session_hash),
            name=name,
            email=email,
            phone=phone,
            new_party_id=new_party_id,
            now=now,
            who=who,
            new_token=new_token,
            link_for=link_for,
        )

    def consent_by_link(
        self,
        party_id: str,
        serial: int,
        session_hash: str | None,
        consent: bool,
        now: datetime,
        who: Who,
    ) -> None:
        party = self.by_link(party_id, serial)
        self.answer_consent(party, self.has_access(party_id, session_hash), consent, now, who)

    # --- what the list and dashboard read (D1, D2) ---------------------------------------

    @property
    def awaiting(self) -> str | None:
        """own: an own-company signer or licensed agent is asked; others: someone else."""
        if self.status != "sent":
            return None
        if any(p.is_open and p.role in OWN_SIDE for p in self.parties):
            return "own"
        return "others"


def _counterparty(parties: list[Party]) -> str | None:
    """取引先: the first party outside the agency, by its name."""
    for party in parties:
        if party.role not in OWN_SIDE:
            return party.name
    return parties[0].name if parties else None
