"""Changes after sending: a signer hands over (S14, G5), the sender asks again with
corrections (D4), the sender corrects the retention-law search keys."""

from datetime import datetime, timedelta

from services.common.commands import ReRequestParty
from services.common.messages import RefusalError, Refused
from services.common.refusals import RefusalCode
from services.common.values import DocumentInfo
from services.signing.contacts import normal_email, normal_mobile
from services.signing.parties import Party, contact_errors, name_errors
from services.signing.state import EnvelopeState, LinkFor, NewId, Who

RE_REQUEST_INTERVAL = timedelta(minutes=5)
RE_REQUESTABLE = frozenset({"asked", "opened", "verified", "locked"})


def _contact(party: Party, name: str, email: str | None, phone: str | None) -> None:
    party.name = name.strip()
    email, phone = (email or "").strip() or None, (phone or "").strip() or None
    party.email = (normal_email(email) or email) if email else None
    party.phone = (normal_mobile(phone) or phone) if phone else None


def _str(value: str | None) -> str:
    return value or ""


def _refuse_if(errors: list[RefusalError]) -> None:
    if errors:
        raise Refused(RefusalCode.envelope_invalid, errors, count=len(errors))


class Changes(EnvelopeState):
    def change_signer(
        self,
        party: Party,
        has_access: bool,
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
        """The asked person names another; the new one is asked, the old link dies (S14)."""
        self._signable(party, has_access)
        if not party.signer_change_allowed:
            raise Refused(
                RefusalCode.signer_change_not_allowed,
                party=party.index,
                role=party.role,
                party_name=party.name,
            )
        successor = party.model_copy(
            update={
                "id": new_party_id,
                "index": len(self.parties),
                "access_code_digest": None,
                "access_code_hint": None,
                "signer_change_allowed": False,
                "mobile_acquired_on": None,
                "failed_attempts": 0,
                "session_hashes": [],
                "identity_documents": [],
                "link_serial": 0,
                "status": "waiting",
            },
            deep=True,
        )
        _contact(successor, name, email, phone)
        _refuse_if(name_errors(successor, {"name": successor.name}) + contact_errors(successor))
        party.status = "replaced"
        party.replaced_by = successor.id
        party.link_serial += 1
        self.parties.append(successor)
        for f in self.fields:
            if f.party_id == party.id:
                f.party_id = successor.id
        self.log(now, "signer_changed", who, party, new_party=successor.id, new_name=successor.name)
        self._ask(successor, now, new_token, link_for)
        return successor

    def rerequest(
        self,
        corrections: list[ReRequestParty],
        *,
        now: datetime,
        who: Who,
        new_token: NewId,
        link_for: LinkFor,
    ) -> None:
        """Ask chosen parties again with a new link, unlocked, at most once per party per
        five minutes; the name, e-mail or mobile number may be corrected (D4)."""
        self._require_open()
        chosen = [(self.party(c.party_id), c) for c in corrections]
        for party, _ in chosen:
            if party.status not in RE_REQUESTABLE:
                raise Refused(RefusalCode.party_not_asked, party_name=party.name)
            if party.rerequested_at and now - party.rerequested_at < RE_REQUEST_INTERVAL:
                wait = RE_REQUEST_INTERVAL - (now - party.rerequested_at)
                raise Refused(
                    RefusalCode.rerequest_too_soon,
                    party_name=party.name,
                    seconds=max(1, int(wait.total_seconds())),
                )
        errors: list[RefusalError] = []
        for party, c in chosen:
            before = (party.name, party.email, party.phone)
            _contact(
                party,
                c.name if c.name is not None else party.name,
                c.email if c.email is not None else party.email,
                c.phone if c.phone is not None else party.phone,
            )
            errors += name_errors(party, {"name": party.name}) + contact_errors(party)
            if (party.name, party.email, party.phone) != before:
                self.log(
                    now,
                    "contact_corrected",
                    who,
                    party,
                    **{
                        k: str(v or "")
                        for k, v in zip(("name", "email", "phone"), before, strict=True)
                    },
                )
        _refuse_if(errors)
        for party, _ in chosen:
            party.failed_attempts = 0
            party.session_hashes = []
            party.rerequested_at = now
            self.log(now, "rerequested", who, party)
            self._ask(party, now, new_token, link_for, kind="signature_rerequest")

    def correct_document_info(self, info: DocumentInfo, now: datetime, who: Who) -> None:
        """The search keys as they should read; the old values stay in the history."""
        before = self.document_info
        if info == before:
            return
        self.document_info = info
        self.log(
            now,
            "document_info_corrected",
            who,
            contract_date=str(before.contract_date or ""),
            amount=str(before.amount if before.amount is not None else ""),
            counterparty=before.counterparty or "",
        )
