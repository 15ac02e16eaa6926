"""Small value shapes that commands, queries, replies and events share."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PartyRole = Literal["tenant", "guarantor", "own_company", "agent", "landlord", "other"]
"""借主, 連帯保証人, 自社, 仲介業者, 貸主, その他."""
PartyKind = Literal["corporation_registered", "corporation", "individual"]
"""法人（登記済み）, 法人, 個人: decides the seal's shape and whether SMS may be used."""
FieldType = Literal["signature", "text", "checkbox"]
Channel = Literal["email", "sms"]
EnvelopeStatus = Literal["draft", "sent", "signed", "completed", "declined", "cancelled", "expired"]
"""draft → sent → signed (every signing party signed) → completed (the finished PDF exists);
or declined (a party refused), cancelled (the sender withdrew it), expired (B3)."""
PartyStatus = Literal[
    "waiting",
    "asked",
    "opened",
    "verified",
    "signed",
    "declined",
    "replaced",
    "locked",
    "share_only",
]
"""waiting → asked → opened → verified (access code right) → signed; or declined, replaced
(signer change, S14) or locked (too many wrong access codes, G2). share_only: never signs."""
ContractType = Literal[
    "rental_with_guarantor",
    "rental_without_guarantor",
    "renewal_parking_condo_guarantee",
    "other",
]
"""契約種別 (S2): 賃貸契約書（連帯保証人あり）, 賃貸契約書（連帯保証人なし）,
更新・駐車場・マンション・家賃保証などの契約書, その他の契約書."""
IdDocument = Literal[
    "drivers_license", "passport", "my_number_card", "residence_card", "health_insurance_card"
]
"""必要書類 (S10): 運転免許証（裏表）, パスポート, マイナンバーカード, 在留カード, 健康保険証."""
IdSide = Literal["front", "back", "page"]
"""Which side of an identity document a photo shows; a passport has one page."""
ID_SIDES: dict[IdDocument, tuple[IdSide, ...]] = {
    "drivers_license": ("front", "back"),
    "passport": ("page",),
    "my_number_card": ("front",),
    "residence_card": ("front", "back"),
    "health_insurance_card": ("front", "back"),
}
"""The photos that make up each document, for the page that asks and the service that
checks. A My Number card's back carries the number, which may not be collected: front only."""


class IdImage(BaseModel):
    """A photo of an identity document the signer attached (S10, G3), kept as a blob."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    kind: IdDocument
    """Which document."""
    side: IdSide
    """front, back, or page (a passport)."""
    blob_id: str
    """The image's blob (JPEG, PNG or HEIC, checked by its first bytes)."""
    content_type: Literal["image/jpeg", "image/png", "image/heic"]
    """What the first bytes say the image is."""


ConsentAnswer = Literal["given", "refused"]
"""37条書面の電子交付 (S18): consent given or refused."""


class ReminderSettings(BaseModel):
    """When a sent envelope reminds its asked parties and when it expires (B3)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    remind_after_days: int = Field(default=3, ge=1, le=60)
    """First reminder this many days after a party is asked (1–60, default 3)."""
    remind_every_days: int = Field(default=2, ge=1, le=60)
    """Then again every this many days (1–60, default 2)."""
    expire_after_days: int = Field(default=30, ge=1, le=365)
    """The envelope expires this many days after sending (1–365, default 30)."""


class DocumentInfo(BaseModel):
    """Search keys of an electronic transaction record (電子帳簿保存法): date, amount, party."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    contract_date: date | None = None
    """取引年月日 (契約日)."""
    amount: int | None = Field(default=None, ge=0, le=10**13)
    """取引金額 in yen, optional."""
    counterparty: str | None = Field(default=None, max_length=200)
    """取引先; by default the first party's name."""


class PageSize(BaseModel):
    """A page as displayed (after its /Rotate), in PDF points (1/72 inch)."""

    model_config = ConfigDict(frozen=True)

    width: float = Field(gt=0, description="Width in PDF points, as displayed.")
    height: float = Field(gt=0, description="Height in PDF points, as displayed.")


class Placement(BaseModel):
    """A box on a page, in PDF points on the page as displayed: origin top-left, y downward."""

    page: int = Field(ge=1, description="Page number, from 1.")
    x: float = Field(description="Left edge, in points from the page's left edge.")
    y: float = Field(description="Top edge, in points from the page's top edge (y grows down).")
    width: float = Field(description="Width in points.")
    height: float = Field(description="Height in points.")
