"""A party's link and access code (G1, G2): which link still opens, who may see the
contract, and the lock after five wrong codes, with the sender told."""

from datetime import datetime

from pydantic import BaseModel

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.signing.parties import Party
from services.signing.state import EnvelopeState, Who

MAX_ACCESS_ATTEMPTS = 5
SESSIONS_KEPT = 5


class AccessAttempt(BaseModel):
    """How an access-code attempt ended; a wrong code is recorded, not refused."""

    granted: bool
    locked: bool = False
    attempts_left: int = 0
    recorded: bool = True
    """False when nothing was written: the party was already locked."""


class Access(EnvelopeState):
    def by_link(self, party_id: str, serial: int) -> Party:
        """The party a link opens: a link older than the party's latest is dead (D4)."""
        party = self.party(party_id)
        if party.status == "replaced":
            raise Refused(RefusalCode.party_replaced)
        if serial != party.link_serial:
            raise Refused(RefusalCode.link_invalid)
        return party

    def has_access(self, party_id: str, session_hash: str | None) -> bool:
        """`session_hash` is the hash of the signer's access session, if they have one."""
        party = self.party(party_id)
        if party.access_code_digest is None:
            return True
        return session_hash is not None and session_hash in party.session_hashes

    def record_opened(self, party: Party, now: datetime, who: Who) -> bool:
        """asked → opened on the first view of the link; True when something changed."""
        if party.status != "asked" or self.status != "sent":
            return False
        party.status = "opened"
        self.log(now, "opened", who, party)
        return True

    def verify_access_code(
        self, party: Party, *, correct: bool, session_hash: str, now: datetime, who: Who
    ) -> AccessAttempt:
        """`correct`: the entered code's keyed hash matched the party's (checked outside).
        On success `session_hash` becomes one of the party's access sessions."""
        if party.status == "locked":
            return AccessAttempt(granted=False, locked=True, recorded=False)
        if party.status in ("declined", "replaced"):
            raise Refused(
                RefusalCode.party_declined
                if party.status == "declined"
                else RefusalCode.party_replaced
            )
        if party.access_code_digest is None:
            raise Refused(RefusalCode.no_access_code)
        if not correct:
            party.failed_attempts += 1
            self.log(now, "access_code_failed", who, party)
            if party.failed_attempts >= MAX_ACCESS_ATTEMPTS:
                party.status = "locked"
                seq = self.log(now, "locked", who, party)
                self._tell_sender("access_locked", seq, party.name)
                return AccessAttempt(granted=False, locked=True)
            return AccessAttempt(
                granted=False, attempts_left=MAX_ACCESS_ATTEMPTS - party.failed_attempts
            )
        party.failed_attempts = 0
        party.session_hashes = [*party.session_hashes[-(SESSIONS_KEPT - 1) :], session_hash]
        if party.status in ("asked", "opened"):
            party.status = "verified"
        self.log(now, "access_verified", who, party)
        return AccessAttempt(granted=True, attempts_left=MAX_ACCESS_ATTEMPTS)
