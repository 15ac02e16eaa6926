"""The boxes parties fill (S16): a seal, a free text or a check mark, on a page, in PDF
points, each belonging to one signing party, within a sensible size."""

from pydantic import BaseModel

from services.common.commands import FieldInput
from services.common.messages import RefusalError
from services.common.refusals import RefusalCode
from services.common.values import FieldType, PageSize, Placement
from services.signing.parties import Party

SIZES: dict[FieldType, tuple[float, float]] = {
    "signature": (20, 200),
    "text": (10, 800),
    "checkbox": (8, 50),
}
"""Smallest and largest side, in points: a seal under 20 pt cannot be read, one over 200
covers the contract; a checkbox is a box, not a panel."""


class SignatureField(BaseModel):
    id: str
    index: int = 0
    party_id: str
    type: FieldType
    placement: Placement
    required: bool
    label: str | None = None
    seal_blob_id: str | None = None
    text: str | None = None
    checked: bool | None = None


def new_field(index: int, f: FieldInput, parties: list[Party], field_id: str) -> SignatureField:
    owner = parties[f.party].id if f.party < len(parties) else ""
    return SignatureField(
        id=field_id,
        index=index,
        party_id=owner,
        type=f.type,
        placement=Placement(page=f.page, x=f.x, y=f.y, width=f.width, height=f.height),
        required=f.required,
        label=f.label,
    )


def field_problems(
    field: SignatureField, parties: list[Party], pages: list[PageSize]
) -> list[RefusalError]:
    """Every rule of S16 this box breaks, each naming the box."""

    def error(code: RefusalCode, **params: str | int) -> RefusalError:
        return RefusalError(code=code, field=field.index, params=params)

    owner = next((p for p in parties if p.id == field.party_id), None)
    errors = []
    if owner is None:
        errors.append(error(RefusalCode.unknown_party))
    elif not owner.signs:
        errors.append(error(RefusalCode.field_for_share_only))
    box = field.placement
    smallest, largest = SIZES[field.type]
    if not all(smallest <= side <= largest for side in (box.width, box.height)):
        errors.append(error(RefusalCode.field_size, min=int(smallest), max=int(largest)))
    if box.page > len(pages):
        errors.append(error(RefusalCode.page_out_of_range, page=box.page))
    else:
        size = pages[box.page - 1]
        if box.x + box.width > size.width + 0.5 or box.y + box.height > size.height + 0.5:
            errors.append(error(RefusalCode.field_off_page))
    return errors
