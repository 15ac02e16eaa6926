"""Consent to electronic delivery of the Article 37 document (37条書面の電子交付, S18, G6):
for the two rental contract types, the tenant and the landlord answer after signing; the
answer and its time are kept, shown to the sender and carried to the audit certificate."""

from datetime import datetime

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.values import ContractType, PartyRole
from services.signing.parties import Party
from services.signing.state import EnvelopeState, Who

RENTAL_TYPES: frozenset[ContractType] = frozenset(
    {"rental_with_guarantor", "rental_without_guarantor"}
)
CONSENTING_ROLES: frozenset[PartyRole] = frozenset({"tenant", "landlord"})


class Consent(EnvelopeState):
    def consent_applies(self, party: Party) -> bool:
        return self.contract_type in RENTAL_TYPES and party.role in CONSENTING_ROLES

    def consent_asked(self, party: Party) -> bool:
        """The consent screen is due: the party signed and has not answered."""
        return self.consent_applies(party) and party.status == "signed" and party.consent is None

    def answer_consent(
        self, party: Party, has_access: bool, consent: bool, now: datetime, who: Who
    ) -> None:
        if not self.consent_applies(party) or party.status != "signed":
            raise Refused(RefusalCode.consent_not_applicable)
        if not has_access:
            raise Refused(RefusalCode.access_code_required)
        if party.consent is not None:
            raise Refused(RefusalCode.consent_already_answered)
        party.consent = "given" if consent else "refused"
        party.consent_at = now
        self.log(now, f"consent_{party.consent}", who, party)
