"""Signing use cases: each gets a unit of work, loads one envelope, calls one method, saves.

Here, not in the model, secrets are drawn and hashed and access codes checked against
their keyed hash; the model gets the results as values.
"""

from services.common.commands import (
    CreateEnvelope,
    OpenSignerLink,
    SendEnvelope,
    SignAsParty,
    VerifyAccessCode,
)
from services.common.events import DocumentFinalized
from services.common.messages import new_id, utcnow
from services.common.queries import GetEnvelope
from services.common.store import UnitOfWork
from services.common.views import AccessCodeChecked, EnvelopeView, SignerView
from services.signing.credentials import AccessCodes, new_secret, token_hash
from services.signing.model import Envelope, LinkFor
from services.signing.repository import EnvelopeRepository
from services.signing.views import envelope_view, signer_view


def _hash(session: str | None) -> str | None:
    return token_hash(session) if session else None


class SigningHandlers:
    def __init__(self, access_codes: AccessCodes, link_for: LinkFor) -> None:
        self._codes = access_codes
        self._link_for = link_for

    async def create_envelope(self, q: CreateEnvelope, uow: UnitOfWork) -> EnvelopeView:
        envelope = Envelope.create(
            tenant_id=q.tenant_id,
            sender_name=q.sender_name,
            sender_email=q.sender_email,
            title=q.title,
            document_id=q.document_id,
            pages=q.document_pages,
            parties=q.parties,
            fields=q.fields,
            code_digests=[
                self._codes.digest(p.access_code) if p.access_code else None for p in q.parties
            ],
            now=utcnow(),
            new_id=new_id,
        )
        EnvelopeRepository(uow, q.correlation_id).save(envelope)
        return envelope_view(envelope)

    async def send(self, q: SendEnvelope, uow: UnitOfWork) -> EnvelopeView:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope = await repo.get(q.tenant_id, q.envelope_id)
        envelope.send(utcnow(), new_secret, self._link_for)
        repo.save(envelope)
        return envelope_view(envelope)

    async def get(self, q: GetEnvelope, uow: UnitOfWork) -> EnvelopeView:
        return envelope_view(await EnvelopeRepository(uow).get(q.tenant_id, q.envelope_id))

    async def open_link(self, q: OpenSignerLink, uow: UnitOfWork) -> SignerView:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope, party_id = await repo.by_token(q.token)
        session_hash = _hash(q.session)
        if envelope.has_access(party_id, session_hash) and envelope.record_opened(
            party_id, utcnow(), q.context.ip, q.context.user_agent
        ):
            repo.save(envelope)
        return signer_view(envelope, party_id, session_hash)

    async def verify_access_code(self, q: VerifyAccessCode, uow: UnitOfWork) -> AccessCodeChecked:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope, party_id = await repo.by_token(q.token)
        session = new_secret()
        attempt = envelope.verify_access_code(
            party_id,
            correct=self._codes.matches(q.code, envelope.party(party_id).access_code_digest),
            session_hash=token_hash(session),
            now=utcnow(),
            ip=q.context.ip,
            ua=q.context.user_agent,
        )
        repo.save(envelope)
        granted = session if attempt.granted else None
        return AccessCodeChecked(
            granted=attempt.granted,
            session=granted,
            locked=attempt.locked,
            attempts_left=attempt.attempts_left,
            signer=signer_view(envelope, party_id, _hash(granted)),
        )

    async def sign(self, q: SignAsParty, uow: UnitOfWork) -> SignerView:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope, party_id = await repo.by_token(q.token)
        session_hash = _hash(q.session)
        envelope.sign(
            party_id,
            session_hash=session_hash,
            seal_blob_id=q.seal_blob_id,
            texts=q.texts,
            checks=q.checks,
            now=utcnow(),
            new_token=new_secret,
            link_for=self._link_for,
            ip=q.context.ip,
            ua=q.context.user_agent,
        )
        repo.save(envelope)
        return signer_view(envelope, party_id, session_hash)

    async def record_finished(self, event: DocumentFinalized, uow: UnitOfWork) -> None:
        repo = EnvelopeRepository(uow, event.correlation_id)
        envelope = await repo.get(event.tenant_id, event.envelope_id)
        envelope.complete(
            event.finished_blob_id, event.sha256, utcnow(), new_secret, self._link_for
        )
        repo.save(envelope)
