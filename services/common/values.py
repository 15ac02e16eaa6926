"""Small value shapes that commands, queries, replies and events share."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PartyRole = Literal["tenant", "guarantor", "own_company", "agent", "landlord", "other"]
"""借主, 連帯保証人, 自社, 仲介業者, 貸主, その他."""
PartyKind = Literal["corporation_registered", "corporation", "individual"]
"""法人（登記済み）, 法人, 個人: decides the seal's shape and whether SMS may be used."""
FieldType = Literal["signature", "text", "checkbox"]
Channel = Literal["email", "sms"]
EnvelopeStatus = Literal["draft", "sent", "signed", "completed"]
"""draft → sent → signed (every signing party signed) → completed (the finished PDF exists)."""
PartyStatus = Literal["waiting", "asked", "signed", "locked", "share_only"]


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
