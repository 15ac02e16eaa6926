"""Signing use cases: each gets a unit of work, loads one envelope, calls one method, saves.

Here, not in the model, secrets are drawn and hashed, access codes checked against their
keyed hash and the time read; the model gets the results as values.
"""

from collections.abc import Callable
from datetime import datetime

from services.common.commands import (
    AnswerConsent,
    AttachIdentityDocuments,
    CancelEnvelope,
    ChangeSigner,
    CorrectDocumentInfo,
    CreateEnvelope,
    DeclineAsParty,
    OpenSignerLink,
    ReRequest,
    SendEnvelope,
    SenderContext,
    SignAsParty,
    SignerContext,
    VerifyAccessCode,
)
from services.common.events import DocumentFinalized, DocumentFinalizeFailed
from services.common.messages import new_id
from services.common.queries import GetDashboard, GetEnvelope, ListContractTypes, ListEnvelopes
from services.common.store import Range, UnitOfWork
from services.common.views import (
    AccessCodeChecked,
    ContractTypesView,
    DashboardView,
    EnvelopePageView,
    EnvelopeView,
    SignerView,
)
from services.signing import listing
from services.signing.contract_types import CONTRACT_TYPES
from services.signing.credentials import AccessCodes, new_secret, token_hash
from services.signing.model import Envelope, LinkFor, Who
from services.signing.repository import EnvelopeRepository, utc_text
from services.signing.views import envelope_view, signer_view

Clock = Callable[[], datetime]
LinkCommand = SignAsParty | DeclineAsParty | ChangeSigner | AttachIdentityDocuments | AnswerConsent
LinkAction = Callable[[Envelope, str, int, str | None, Who], None]
"""A domain method called by a signer link: envelope, party id, link serial, session
hash, actor."""


def _hash(session: str | None) -> str | None:
    return token_hash(session) if session else None


def _signer(context: SignerContext, actor: str) -> Who:
    return Who(actor=actor, ip=context.ip, user_agent=context.user_agent)


def _sender(context: SenderContext) -> Who:
    return Who(actor=context.actor or "sender", ip=context.ip, user_agent=context.user_agent)


class SigningHandlers:
    def __init__(self, access_codes: AccessCodes, link_for: LinkFor, clock: Clock) -> None:
        self._codes = access_codes
        self._link_for = link_for
        self._now = clock

    # --- the sender (S1–S16, D1–D4, B3) --------------------------------------------------

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
            now=self._now(),
            new_id=new_id,
            contract_type=q.contract_type,
            certificate_option=q.certificate_option,
            reminders=q.reminders,
            document_info=q.document_info,
            who=_sender(q.context),
        )
        EnvelopeRepository(uow, q.correlation_id).save(envelope)
        return envelope_view(envelope)

    async def send(self, q: SendEnvelope, uow: UnitOfWork) -> EnvelopeView:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope = await repo.get(q.tenant_id, q.envelope_id)
        envelope.send(self._now(), new_secret, self._link_for, _sender(q.context))
        repo.save(envelope)
        return envelope_view(envelope)

    async def cancel(self, q: CancelEnvelope, uow: UnitOfWork) -> EnvelopeView:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope = await repo.get(q.tenant_id, q.envelope_id)
        envelope.cancel(q.reason, self._now(), _sender(q.context))
        repo.save(envelope)
        return envelope_view(envelope)

    async def rerequest(self, q: ReRequest, uow: UnitOfWork) -> EnvelopeView:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope = await repo.get(q.tenant_id, q.envelope_id)
        envelope.rerequest(
            q.parties,
            now=self._now(),
            who=_sender(q.context),
            new_token=new_secret,
            link_for=self._link_for,
        )
        repo.save(envelope)
        return envelope_view(envelope)

    async def correct_document_info(self, q: CorrectDocumentInfo, uow: UnitOfWork) -> EnvelopeView:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope = await repo.get(q.tenant_id, q.envelope_id)
        envelope.correct_document_info(q.document_info, self._now(), _sender(q.context))
        repo.save(envelope)
        return envelope_view(envelope)

    async def get(self, q: GetEnvelope, uow: UnitOfWork) -> EnvelopeView:
        return envelope_view(await EnvelopeRepository(uow).get(q.tenant_id, q.envelope_id))

    async def contract_types(self, q: ListContractTypes, uow: UnitOfWork) -> ContractTypesView:
        return CONTRACT_TYPES

    async def list_envelopes(self, q: ListEnvelopes, uow: UnitOfWork) -> EnvelopePageView:
        return await listing.list_envelopes(q, uow)

    async def dashboard(self, q: GetDashboard, uow: UnitOfWork) -> DashboardView:
        return await listing.dashboard(q, uow, self._now())

    # --- the signer (G1–G6) --------------------------------------------------------------

    async def open_link(self, q: OpenSignerLink, uow: UnitOfWork) -> SignerView:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope, party_id, serial = await repo.by_token(q.token)
        session_hash = _hash(q.session)
        who = _signer(q.context, envelope.party(party_id).name)
        if envelope.open_link(party_id, serial, session_hash, self._now(), who):
            repo.save(envelope)
        return signer_view(envelope, party_id, session_hash)

    async def verify_access_code(self, q: VerifyAccessCode, uow: UnitOfWork) -> AccessCodeChecked:
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope, party_id, serial = await repo.by_token(q.token)
        party = envelope.party(party_id)
        session = new_secret()
        attempt = envelope.enter_access_code(
            party_id,
            serial,
            correct=self._codes.matches(q.code, party.access_code_digest),
            session_hash=token_hash(session),
            now=self._now(),
            who=_signer(q.context, party.name),
        )
        if attempt.recorded:
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
        def act(
            envelope: Envelope, party_id: str, serial: int, session: str | None, who: Who
        ) -> None:
            envelope.sign(
                party_id,
                serial,
                session_hash=session,
                seal_blob_id=q.seal_blob_id,
                texts=q.texts,
                checks=q.checks,
                now=self._now(),
                new_token=new_secret,
                link_for=self._link_for,
                who=who,
                consent=q.article37_consent,
            )

        return await self._by_link(q, uow, act)

    async def decline(self, q: DeclineAsParty, uow: UnitOfWork) -> SignerView:
        def act(
            envelope: Envelope, party_id: str, serial: int, session: str | None, who: Who
        ) -> None:
            envelope.decline(party_id, serial, session, q.reason, self._now(), who)

        return await self._by_link(q, uow, act)

    async def change_signer(self, q: ChangeSigner, uow: UnitOfWork) -> SignerView:
        def act(
            envelope: Envelope, party_id: str, serial: int, session: str | None, who: Who
        ) -> None:
            envelope.hand_over(
                party_id,
                serial,
                session,
                name=q.name,
                email=q.email,
                phone=q.phone,
                new_party_id=new_id(),
                now=self._now(),
                who=who,
                new_token=new_secret,
                link_for=self._link_for,
            )

        return await self._by_link(q, uow, act)

    async def attach_identity(self, q: AttachIdentityDocuments, uow: UnitOfWork) -> SignerView:
        def act(
            envelope: Envelope, party_id: str, serial: int, session: str | None, who: Who
        ) -> None:
            envelope.attach_identity_by_link(party_id, serial, session, q.images, self._now(), who)

        return await self._by_link(q, uow, act)

    async def consent(self, q: AnswerConsent, uow: UnitOfWork) -> SignerView:
        def act(
            envelope: Envelope, party_id: str, serial: int, session: str | None, who: Who
        ) -> None:
            envelope.consent_by_link(party_id, serial, session, q.consent, self._now(), who)

        return await self._by_link(q, uow, act)

    async def _by_link(self, q: LinkCommand, uow: UnitOfWork, act: LinkAction) -> SignerView:
        """One signer-link action: the envelope the link names, the party's session and
        name as actor, the domain method, saved; the signer's view after it."""
        repo = EnvelopeRepository(uow, q.correlation_id)
        envelope, party_id, serial = await repo.by_token(q.token)
        session_hash = _hash(q.session)
        act(
            envelope,
            party_id,
            serial,
            session_hash,
            _signer(q.context, envelope.party(party_id).name),
        )
        repo.save(envelope)
        return signer_view(envelope, party_id, session_hash)

    # --- events and the clock (G7, B3) ---------------------------------------------------

    async def record_finished(self, event: DocumentFinalized, uow: UnitOfWork) -> None:
        repo = EnvelopeRepository(uow, event.correlation_id)
        envelope = await repo.get(event.tenant_id, event.envelope_id)
        envelope.complete(
            event.finished_blob_id, event.sha256, self._now(), new_secret, self._link_for
        )
        repo.save(envelope)

    async def record_finishing_failed(self, event: DocumentFinalizeFailed, uow: UnitOfWork) -> None:
        repo = EnvelopeRepository(uow, event.correlation_id)
        envelope = await repo.get(event.tenant_id, event.envelope_id)
        envelope.finishing_failed(event.code, event.message, event.retrying, self._now())
        repo.save(envelope)

    async def due(self, uow: UnitOfWork, limit: int = 100) -> list[str]:
        """Ids of sent envelopes with a reminder or the expiry due now."""
        docs = await uow.find(
            "envelopes", {"index.due_at": Range(lte=utc_text(self._now()))}, limit=limit
        )
        return [d["id"] for d in docs]

    async def tick(self, envelope_id: str, uow: UnitOfWork) -> None:
        """Remind or expire one envelope; a sweeper that lost the race finds nothing due."""
        repo = EnvelopeRepository(uow)
        envelope = await repo.by_id(envelope_id)
        if envelope is not None and envelope.tick(self._now(), new_secret, self._link_for):
            repo.save(envelope)
