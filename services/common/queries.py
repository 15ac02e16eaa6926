"""Queries the gateway (or a service) asks of one service, and their input shapes.

Each service answers on its own queue `<service>.query`; `kind` picks the handler.
"""

from typing import Literal

from pydantic import BaseModel, Field

from services.common.messages import Query


class Health(Query):
    """Every service answers it: how tests, `./run up` and operators see a service is up."""

    kind: Literal["health"] = "health"


# --- document --------------------------------------------------------------------------


class AdoptDocument(Query):
    kind: Literal["document.adopt"] = "document.adopt"
    tenant_id: str
    blob_id: str
    filename: str


class GetDocument(Query):
    kind: Literal["document.get"] = "document.get"
    tenant_id: str
    document_id: str


class GetPageImage(Query):
    kind: Literal["document.page_image"] = "document.page_image"
    tenant_id: str
    document_id: str
    page: int


class GetFinishedDocument(Query):
    kind: Literal["document.finished"] = "document.finished"
    tenant_id: str
    document_id: str


class VerifyDocument(Query):
    kind: Literal["document.verify"] = "document.verify"
    blob_id: str


# --- signing ---------------------------------------------------------------------------

PartyRole = Literal["tenant", "guarantor", "own_company", "agent", "landlord", "other"]
PartyKind = Literal["corporation_registered", "corporation", "individual"]


class PartyInput(BaseModel):
    role: PartyRole = "tenant"
    kind: PartyKind = "individual"
    name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    signs: bool = True
    """S11: False = only receives the finished contract, has no order."""
    signing_order: int | None = Field(default=None, ge=1, le=99)
    access_code: str | None = Field(default=None, max_length=64)
    access_code_hint: str | None = Field(default=None, max_length=200)
    comment: str | None = Field(default=None, max_length=2000)


class FieldInput(BaseModel):
    party: int = Field(ge=0, description="Index of the party in `parties`.")
    type: Literal["signature", "text", "checkbox"] = "signature"
    page: int = Field(ge=1)
    x: float = Field(ge=0)
    y: float = Field(ge=0)
    width: float = Field(gt=0)
    height: float = Field(gt=0)
    required: bool = True
    label: str | None = Field(default=None, max_length=100)


class PageSize(BaseModel):
    width: float
    height: float


class CreateEnvelope(Query):
    kind: Literal["signing.create_envelope"] = "signing.create_envelope"
    tenant_id: str
    sender_name: str
    sender_email: str | None = None
    title: str
    document_id: str
    document_pages: list[PageSize]
    parties: list[PartyInput]
    fields: list[FieldInput]


class SendEnvelope(Query):
    kind: Literal["signing.send"] = "signing.send"
    tenant_id: str
    envelope_id: str


class GetEnvelope(Query):
    kind: Literal["signing.get"] = "signing.get"
    tenant_id: str
    envelope_id: str


class SignerContext(BaseModel):
    ip: str | None = None
    user_agent: str | None = None


class OpenSignerLink(Query):
    kind: Literal["signing.open_link"] = "signing.open_link"
    token: str
    session: str | None = None
    context: SignerContext = SignerContext()


class VerifyAccessCode(Query):
    kind: Literal["signing.verify_access_code"] = "signing.verify_access_code"
    token: str
    code: str
    context: SignerContext = SignerContext()


class SignAsParty(Query):
    kind: Literal["signing.sign"] = "signing.sign"
    token: str
    session: str | None = None
    seal_blob_id: str
    texts: dict[str, str] = Field(default_factory=dict)
    checks: dict[str, bool] = Field(default_factory=dict)
    context: SignerContext = SignerContext()


# --- seal ------------------------------------------------------------------------------


class DrawSeal(Query):
    kind: Literal["seal.draw"] = "seal.draw"
    tenant_id: str
    name: str
    party_kind: PartyKind = "individual"
