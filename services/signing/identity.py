"""Identity documents (必要書類, S10, G3): the signer attaches photos of the documents the
sender asked for before reading the contract; the sender sees them with the party. The
service, not only the page, refuses a signature while a photo asked for is missing."""

from datetime import datetime

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.common.values import ID_SIDES, IdDocument, IdImage
from services.signing.parties import Party
from services.signing.state import EnvelopeState, Who


def missing_documents(party: Party) -> list[IdDocument]:
    """The documents asked for of which a side has no photo yet."""
    sent = {(image.kind, image.side) for image in party.identity_documents}
    return [
        kind
        for kind in party.required_documents
        if any((kind, side) not in sent for side in ID_SIDES[kind])
    ]


class Identity(EnvelopeState):
    def attach_identity(
        self, party: Party, has_access: bool, images: list[IdImage], now: datetime, who: Who
    ) -> None:
        """Only a document the sender asked for; a new set replaces the earlier one."""
        self._signable(party, has_access)
        if any(image.kind not in party.required_documents for image in images):
            raise Refused(RefusalCode.id_document_not_asked)
        party.identity_documents = list(images)
        self.log(
            now, "identity_attached", who, party, kinds=",".join(sorted({i.kind for i in images}))
        )

    def require_identity(self, party: Party, has_access: bool) -> None:
        """Before a signature (G3): the party may act, and every photo asked for is in."""
        self._signable(party, has_access)
        missing = missing_documents(party)
        if missing:
            raise Refused(RefusalCode.id_documents_missing, documents=",".join(missing))
