"""The guide's four contract types (契約種別, S2) and the parties each starts with.

Data, answered by a query, so the console and the API offer the same defaults; the
sender may change, add or remove any of these parties.
"""

from services.common.views import ContractTypesView, ContractTypeView, PartyTemplateView
from services.signing.consent import RENTAL_TYPES


def _party(role: str, order: int | None, kind: str = "individual") -> PartyTemplateView:
    return PartyTemplateView.model_validate(
        {"role": role, "kind": kind, "signs": order is not None, "signing_order": order}
    )


CONTRACT_TYPES = ContractTypesView(
    types=[
        ContractTypeView(
            id=type_id,
            label=label,
            article37_consent=type_id in RENTAL_TYPES,
            default_parties=parties,
        )
        for type_id, label, parties in (
            (
                "rental_with_guarantor",
                "賃貸契約書（連帯保証人あり）",
                [
                    _party("tenant", 1),
                    _party("guarantor", 1),
                    _party("agent", 2),
                    _party("landlord", 3),
                ],
            ),
            (
                "rental_without_guarantor",
                "賃貸契約書（連帯保証人なし）",
                [_party("tenant", 1), _party("agent", 2), _party("landlord", 3)],
            ),
            (
                "renewal_parking_condo_guarantee",
                "更新・駐車場・マンション・家賃保証などの契約書",
                [_party("tenant", 1), _party("landlord", 2)],
            ),
            (
                "other",
                "その他の契約書",
                [_party("other", 1, "corporation"), _party("other", 2)],
            ),
        )
    ]
)
