"""Envelopes for the model's tests: plain values for ids, tokens and digests, a fixed time."""

import itertools
from datetime import UTC, datetime

from services.common.commands import FieldInput, PartyInput
from services.common.events import NotificationRequested
from services.common.values import PageSize
from services.signing.model import Envelope, Who

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
A4 = [PageSize(width=595, height=842), PageSize(width=595, height=842)]
SENDER = Who(actor="staff@demo.example", ip="203.0.113.9", user_agent="console")


def LINK(token: str) -> str:
    return f"https://shomei.example/s/{token}"


def secrets_counter(prefix: str = "secret"):
    counter = itertools.count()
    return lambda: f"{prefix}-{next(counter)}"


def digest(code: str) -> str:
    return f"digest-of-{code}"


def party(name: str, order: int | None = 1, **kw) -> PartyInput:
    if "phone" not in kw:
        kw.setdefault("email", f"p{abs(hash(name)) % 10_000}@example.jp")
    if kw.get("kind", "individual") != "individual":
        kw.setdefault("recipient_name", "受信 太郎")
    return PartyInput(name=name, signing_order=order, **kw)


def box(index: int, page: int = 1, type: str = "signature", **kw) -> FieldInput:
    size = {"signature": 60, "text": 30, "checkbox": 12}[type]
    return FieldInput(
        party=index, type=type, page=page, x=400, y=700, width=size, height=size, **kw
    )


def make(parties, fields=None, **kw) -> Envelope:
    fields = fields if fields is not None else [box(i) for i, p in enumerate(parties) if p.signs]
    return Envelope.create(
        tenant_id="t1",
        sender_name="デモ不動産",
        sender_email="staff@demo.example",
        title=kw.pop("title", "賃貸借契約書"),
        document_id="d1",
        pages=A4,
        parties=parties,
        fields=fields,
        code_digests=[digest(p.access_code) if p.access_code else None for p in parties],
        now=kw.pop("now", NOW),
        new_id=kw.pop("new_id", None) or secrets_counter("id"),
        **kw,
    )


def sent(parties, fields=None, **kw) -> Envelope:
    envelope = make(parties, fields, **kw)
    envelope.send(NOW, secrets_counter(), LINK, SENDER)
    return envelope


def notifications(envelope: Envelope) -> list[NotificationRequested]:
    return [e for e in envelope.collect_events() if isinstance(e, NotificationRequested)]


def signer(envelope: Envelope, index: int) -> Who:
    return Who(actor=envelope.parties[index].name, ip="198.51.100.7", user_agent="phone")


def sign(envelope: Envelope, index: int, session_hash=None, now=NOW, **kw) -> None:
    p = envelope.parties[index]
    envelope.sign(
        p.id,
        p.link_serial,
        session_hash=session_hash,
        seal_blob_id="seal",
        texts=kw.pop("texts", {}),
        checks=kw.pop("checks", {}),
        now=now,
        new_token=secrets_counter(f"t{index}"),
        link_for=LINK,
        who=signer(envelope, index),
        **kw,
    )


def enter_code(envelope: Envelope, index: int, correct: bool, session: str = "s"):
    p = envelope.parties[index]
    return envelope.enter_access_code(
        p.id,
        p.link_serial,
        correct=correct,
        session_hash=session,
        now=NOW,
        who=signer(envelope, index),
    )
