"""Signing use cases: each opens a unit of work, loads one envelope, calls one method, commits."""

import asyncio
from functools import partial
from typing import Any

from services.common.events import DocumentFinalized
from services.common.messages import utcnow
from services.common.queries import (
    CreateEnvelope,
    GetEnvelope,
    OpenSignerLink,
    SendEnvelope,
    SignAsParty,
    VerifyAccessCode,
)
from services.common.store import InUnitOfWork, UnitOfWork
from services.signing.credentials import new_secret
from services.signing.model import Envelope
from services.signing.repository import EnvelopeRepository
from services.signing.views import envelope_view, signer_view

Data = dict[str, Any]


class SigningHandlers:
    def __init__(self, in_unit_of_work: InUnitOfWork, link_base: str) -> None:
        self._uow = in_unit_of_work
        self._link_base = link_base

    async def create_envelope(self, q: CreateEnvelope) -> Data:
        envelope = await asyncio.to_thread(  # access codes get a slow KDF: off the loop
            partial(
                Envelope.create,
                tenant_id=q.tenant_id,
                sender_name=q.sender_name,
                sender_email=q.sender_email,
                title=q.title,
                document_id=q.document_id,
                pages=q.document_pages,
                parties=q.parties,
                fields=q.fields,
                now=utcnow(),
            )
        )

        async def work(uow: UnitOfWork) -> Data:
            EnvelopeRepository(uow, q.correlation_id).save(envelope)
            await uow.commit()
            return envelope_view(envelope)

        return await self._uow(work)

    async def send(self, q: SendEnvelope) -> Data:
        async def work(uow: UnitOfWork) -> Data:
            repo = EnvelopeRepository(uow, q.correlation_id)
            envelope = await repo.get(q.tenant_id, q.envelope_id)
            envelope.send(utcnow(), new_secret, self._link_base)
            repo.save(envelope)
            await uow.commit()
            return envelope_view(envelope)

        return await self._uow(work)

    async def get(self, q: GetEnvelope) -> Data:
        async def work(uow: UnitOfWork) -> Data:
            return envelope_view(await EnvelopeRepository(uow).get(q.tenant_id, q.envelope_id))

        return await self._uow(work)

    async def open_link(self, q: OpenSignerLink) -> Data:
        async def work(uow: UnitOfWork) -> Data:
            repo = EnvelopeRepository(uow, q.correlation_id)
            envelope, party_id = await repo.by_token(q.token)
            if envelope.has_access(party_id, q.session):
                before = len(envelope.audit.entries)
                envelope.record_opened(party_id, utcnow(), q.context.ip, q.context.user_agent)
                if len(envelope.audit.entries) != before:
                    repo.save(envelope)
                    await uow.commit()
            return signer_view(envelope, party_id, q.session)

        return await self._uow(work)

    async def verify_access_code(self, q: VerifyAccessCode) -> Data:
        async def work(uow: UnitOfWork) -> Data:
            repo = EnvelopeRepository(uow, q.correlation_id)
            envelope, party_id = await repo.by_token(q.token)
            try:
                session = await asyncio.to_thread(
                    envelope.verify_access_code,
                    party_id,
                    q.code,
                    utcnow(),
                    new_secret,
                    q.context.ip,
                    q.context.user_agent,
                )
            finally:
                repo.save(envelope)
                await uow.commit()
            return {"session": session, **signer_view(envelope, party_id, session)}

        return await self._uow(work)

    async def sign(self, q: SignAsParty) -> Data:
        async def work(uow: UnitOfWork) -> Data:
            repo = EnvelopeRepository(uow, q.correlation_id)
            envelope, party_id = await repo.by_token(q.token)
            envelope.sign(
                party_id,
                session=q.session,
                seal_blob_id=q.seal_blob_id,
                texts=q.texts,
                checks=q.checks,
                now=utcnow(),
                new_secret=new_secret,
                link_base=self._link_base,
                ip=q.context.ip,
                ua=q.context.user_agent,
            )
            repo.save(envelope)
            await uow.commit()
            return signer_view(envelope, party_id, q.session)

        return await self._uow(work)

    async def record_finished(self, event: DocumentFinalized, uow: UnitOfWork) -> None:
        repo = EnvelopeRepository(uow, event.correlation_id)
        envelope = await repo.get(event.tenant_id, event.envelope_id)
        envelope.complete(
            event.finished_blob_id, event.sha256, utcnow(), new_secret, self._link_base
        )
        repo.save(envelope)
