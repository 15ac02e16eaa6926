"""The envelope (署名依頼) aggregate: parties, signature positions, signing order, audit trail.

Pure: no I/O. Randomness (link tokens, sessions) comes in through `new_secret`, time through
`now`; the events to publish are collected by the repository for the outbox.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr

from services.common.events import (
    AuditPartyRecord,
    EnvelopeCompleted,
    EnvelopeSent,
    FilledField,
    NotificationRequested,
    PartySigned,
)
from services.common.messages import Event, Refused, new_id
from services.common.queries import FieldInput, PageSize, PartyInput
from services.signing.audit_trail import AuditTrail
from services.signing.credentials import access_code_matches, token_hash
from services.signing.parties import Party, SignatureField, SignerLink, new_field, new_party

MAX_ACCESS_ATTEMPTS = 5
EnvelopeStatus = Literal["draft", "sent", "signed", "completed"]
NewSecret = Callable[[], str]


class Envelope(BaseModel):
    id: str
    version: int = 0
    tenant_id: str
    sender_name: str
    sender_email: str | None = None
    title: str
    document_id: str
    status: EnvelopeStatus = "draft"
    parties: list[Party]
    fields: list[SignatureField]
    audit: AuditTrail = Field(default_factory=AuditTrail)
    created_at: datetime
    sent_at: datetime | None = None
    signed_at: datetime | None = None
    completed_at: datetime | None = None
    finished_blob_id: str | None = None
    finished_sha256: str | None = None
    _events: list[Event] = PrivateAttr(default_factory=list)
    _links: list[SignerLink] = PrivateAttr(default_factory=list)

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
        now: datetime,
    ) -> "Envelope":
        if not title.strip():
            raise Refused("title_required", "文書名を入力してください。", 422)
        if not parties:
            raise Refused("parties_required", "送信先を1件以上追加してください。", 422)
        if not any(p.signs for p in parties):
            raise Refused("signer_required", "署名依頼する送信先が1件以上必要です。", 422)
        built = [new_party(i, p) for i, p in enumerate(parties)]
        placed = [new_field(i, f, built, pages) for i, f in enumerate(fields)]
        for index, party in enumerate(built):
            if party.signs and not any(
                f.party_id == party.id and f.type == "signature" for f in placed
            ):
                raise Refused(
                    "signature_box_required",
                    f"送信先{index + 1}（{party.name}）の署名欄を配置してください。",
                    422,
                    party=str(index),
                )
        envelope = cls(
            id=new_id(),
            tenant_id=tenant_id,
            sender_name=sender_name,
            sender_email=sender_email,
            title=title.strip(),
            document_id=document_id,
            parties=built,
            fields=placed,
            created_at=now,
        )
        envelope.audit.append(now, "created")
        return envelope

    # --- workflow (S13) ----------------------------------------------------------------

    def send(self, now: datetime, new_secret: NewSecret, link_base: str) -> None:
        if self.status != "draft":
            raise Refused("already_sent", "この署名依頼は送信済みです。", 409)
        self.status = "sent"
        self.sent_at = now
        self.audit.append(now, "sent")
        self._record(
            EnvelopeSent(
                tenant_id=self.tenant_id, envelope_id=self.id, document_id=self.document_id
            )
        )
        self._ask_next_order(now, new_secret, link_base)

    def current_order(self) -> int | None:
        waiting = [
            p.signing_order
            for p in self.parties
            if p.signs and p.status != "signed" and p.signing_order is not None
        ]
        return min(waiting) if waiting else None

    def _ask_next_order(self, now: datetime, new_secret: NewSecret, link_base: str) -> None:
        order = self.current_order()
        for party in self.parties:
            if party.signs and party.signing_order == order and party.status == "waiting":
                party.status = "asked"
                self.audit.append(now, "asked", party.id, channel=party.channel)
                self._notify(party, "signature_request", new_secret, link_base, now)

    def _notify(
        self, party: Party, kind: str, new_secret: NewSecret, link_base: str, now: datetime
    ) -> None:
        token = new_secret()
        self._links.append(SignerLink(token_hash=token_hash(token), party_id=party.id))
        link = f"{link_base.rstrip('/')}/s/{token}"
        self._record(
            NotificationRequested(
                tenant_id=self.tenant_id,
                notification_id=new_id(),
                kind=kind,
                channel=party.channel,
                to=party.contact,
                envelope_id=self.id,
                party_id=party.id,
                params=self._notification_params(party, kind, link),
            )
        )

    def _notification_params(self, party: Party, kind: str, link: str) -> dict[str, str]:
        params = {
            "recipient_name": party.name,
            "sender_name": self.sender_name,
            "document_title": self.title,
        }
        if kind == "signature_completed":
            return {**params, "download_url": link}
        if party.comment:
            params["comment"] = party.comment
        if party.access_code_hint:
            params["access_code_hint"] = party.access_code_hint
        return {**params, "sign_url": link}

    # --- the signer's side (G2, G4) ----------------------------------------------------

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise Refused("party_not_found", "送信先が見つかりません。", 404)

    def has_access(self, party_id: str, session: str | None) -> bool:
        party = self.party(party_id)
        if party.access_code_hash is None:
            return True
        return session is not None and token_hash(session) in party.session_hashes

    def record_opened(self, party_id: str, now: datetime, ip: str | None, ua: str | None) -> None:
        if not any(e.action == "opened" for e in self.audit.for_party(party_id)):
            self.audit.append(now, "opened", party_id, ip, ua)

    def verify_access_code(
        self,
        party_id: str,
        code: str,
        now: datetime,
        new_secret: NewSecret,
        ip: str | None = None,
        ua: str | None = None,
    ) -> str:
        """A new access session on success; Refused (with attempts left) otherwise."""
        party = self.party(party_id)
        if party.status == "locked":
            raise Refused("party_locked", _LOCKED_MESSAGE, 423)
        if party.access_code_hash is None:
            raise Refused("no_access_code", "アクセスコードは設定されていません。", 409)
        if not access_code_matches(code.strip(), party.access_code_hash):
            party.failed_attempts += 1
            self.audit.append(now, "access_code_failed", party.id, ip, ua)
            if party.failed_attempts >= MAX_ACCESS_ATTEMPTS:
                party.status = "locked"
                self.audit.append(now, "locked", party.id, ip, ua)
                self._tell_sender_locked(party)
                raise Refused("party_locked", _LOCKED_MESSAGE, 423)
            left = MAX_ACCESS_ATTEMPTS - party.failed_attempts
            raise Refused(
                "wrong_access_code",
                f"アクセスコードが正しくありません。あと{left}回入力できます。",
                403,
                attempts_left=left,
            )
        party.failed_attempts = 0
        session = new_secret()
        party.session_hashes = [*party.session_hashes[-4:], token_hash(session)]
        self.audit.append(now, "access_verified", party.id, ip, ua)
        return session

    def _tell_sender_locked(self, party: Party) -> None:
        if not self.sender_email:
            return
        self._record(
            NotificationRequested(
                tenant_id=self.tenant_id,
                notification_id=new_id(),
                kind="access_locked",
                channel="email",
                to=self.sender_email,
                envelope_id=self.id,
                party_id=party.id,
                params={
                    "sender_name": self.sender_name,
                    "title": self.title,
                    "party_name": party.name,
                },
            )
        )

    def sign(
        self,
        party_id: str,
        *,
        session: str | None,
        seal_blob_id: str,
        texts: dict[str, str],
        checks: dict[str, bool],
        now: datetime,
        new_secret: NewSecret,
        link_base: str,
        ip: str | None = None,
        ua: str | None = None,
    ) -> None:
        party = self.party(party_id)
        if party.status == "signed":
            raise Refused("already_signed", "この契約書には署名済みです。", 409)
        if party.status == "locked":
            raise Refused("party_locked", _LOCKED_MESSAGE, 423)
        if party.status != "asked" or self.status != "sent":
            raise Refused("not_your_turn", "まだ署名の順番ではありません。", 409)
        if not self.has_access(party_id, session):
            raise Refused("access_code_required", "アクセスコードを入力してください。", 401)
        mine = [f for f in self.fields if f.party_id == party_id]
        for f in mine:
            if f.type == "signature":
                f.seal_blob_id = seal_blob_id
            elif f.type == "text":
                value = texts.get(f.id, "").strip()
                if f.required and not value:
                    raise Refused(
                        "text_required",
                        f"「{f.label or '入力欄'}」を入力してください。",
                        422,
                        field=f.id,
                    )
                f.text = value[:500]
            else:
                f.checked = bool(checks.get(f.id, False))
                if f.required and not f.checked:
                    raise Refused(
                        "check_required",
                        f"「{f.label or 'チェック欄'}」にチェックしてください。",
                        422,
                        field=f.id,
                    )
        party.status = "signed"
        self.audit.append(now, "signed", party.id, ip, ua, seal=seal_blob_id)
        self._record(PartySigned(tenant_id=self.tenant_id, envelope_id=self.id, party_id=party.id))
        if self.current_order() is None:
            self._all_signed(now)
        else:
            self._ask_next_order(now, new_secret, link_base)

    def _all_signed(self, now: datetime) -> None:
        self.status = "signed"
        self.signed_at = now
        self.audit.append(now, "all_signed")
        self._record(
            EnvelopeCompleted(
                tenant_id=self.tenant_id,
                envelope_id=self.id,
                document_id=self.document_id,
                title=self.title,
                sender_name=self.sender_name,
                fields=[
                    FilledField(
                        placement=f.placement,
                        type=f.type,
                        seal_blob_id=f.seal_blob_id,
                        text=f.text,
                        checked=f.checked,
                    )
                    for f in self.fields
                ],
                parties=[self._audit_record(p) for p in self.parties],
                audit_digest=self.audit.digest,
            )
        )

    def _audit_record(self, party: Party) -> AuditPartyRecord:
        return AuditPartyRecord(
            role=party.role,
            name=party.name,
            contact=party.contact,
            signing_order=party.signing_order,
            events=[
                {"at": e.at.isoformat(), "action": e.action, "ip": e.ip, "user_agent": e.user_agent}
                for e in self.audit.for_party(party.id)
            ],
        )

    def complete(
        self,
        finished_blob_id: str,
        sha256: str,
        now: datetime,
        new_secret: NewSecret,
        link_base: str,
    ) -> None:
        """The finished PDF exists: every party, signer or share-only, gets it (G7)."""
        if self.status == "completed":
            return
        if self.status != "signed":
            raise Refused("not_signed", "全員の署名が完了していません。", 409)
        self.status = "completed"
        self.completed_at = now
        self.finished_blob_id = finished_blob_id
        self.finished_sha256 = sha256
        self.audit.append(now, "completed", sha256=sha256)
        for party in self.parties:
            self._notify(party, "signature_completed", new_secret, link_base, now)

    # --- plumbing for the handler ------------------------------------------------------

    def _record(self, event: Event) -> None:
        self._events.append(event)

    def collect_events(self) -> list[Event]:
        events, self._events = self._events, []
        return events

    def collect_links(self) -> list[SignerLink]:
        links, self._links = self._links, []
        return links


_LOCKED_MESSAGE = (
    "アクセスコードの入力回数の上限に達したため、ロックされました。送信者にお問い合わせください。"
)
