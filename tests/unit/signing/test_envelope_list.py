"""The envelope list (D2): newest first, every filter applied, cursor pages that neither
skip nor repeat, and a cursor that is not ours refused."""

from datetime import UTC, datetime, timedelta

import pytest

from services.common.messages import Refused
from services.common.queries import ListEnvelopes
from services.common.refusals import RefusalCode
from services.signing.envelope_list import list_envelopes

T0 = datetime(2026, 11, 1, tzinfo=UTC)


class Found:
    """A unit of work that only answers `find` on the tenant, as the store would."""

    def __init__(self, docs: list[dict]) -> None:
        self.docs = docs

    async def find(self, collection: str, where: dict) -> list[dict]:
        assert collection == "envelopes"
        return [d for d in self.docs if d["tenant_id"] == where["tenant_id"]]


def envelope(i: int, tenant: str = "t", status: str = "draft") -> dict:
    return {
        "id": f"e{i:03d}",
        "tenant_id": tenant,
        "title": f"賃貸借契約 {i}",
        "status": status,
        "created_at": (T0 + timedelta(minutes=i // 2)).isoformat(),
        "parties": [{"name": "佐藤 一郎", "email": f"p{i}@example.jp", "phone": None}],
    }


DOCS = [envelope(i, status="sent" if i % 3 == 0 else "draft") for i in range(25)]
DOCS += [envelope(99, tenant="other")]


async def pages(**filters) -> list[list[str]]:  # type: ignore[no-untyped-def]
    uow, out, cursor = Found(DOCS), [], None
    while True:
        page = await list_envelopes(
            ListEnvelopes(tenant_id="t", limit=10, cursor=cursor, **filters),
            uow,  # type: ignore[arg-type]
        )
        out.append([e.id for e in page.items])
        if not (cursor := page.next_cursor):
            return out


async def test_pages_run_newest_first_without_skipping_or_repeating():
    result = await pages()
    assert [len(p) for p in result] == [10, 10, 5]
    ids = [i for p in result for i in p]
    assert ids == sorted((d["id"] for d in DOCS if d["tenant_id"] == "t"), reverse=True)


async def test_every_filter_narrows_the_list():
    sent = [i for p in await pages(statuses=["sent"]) for i in p]
    assert sent and all(int(i[1:]) % 3 == 0 for i in sent)
    assert [i for p in await pages(title="契約 7") for i in p] == ["e007"]
    assert [i for p in await pages(counterparty="P12@EXAMPLE") for i in p] == ["e012"]
    window = await pages(
        created_from=T0 + timedelta(minutes=2), created_before=T0 + timedelta(minutes=3)
    )
    assert sorted(i for p in window for i in p) == ["e004", "e005"]


async def test_a_cursor_that_is_not_ours_is_refused():
    with pytest.raises(Refused) as refused:
        await list_envelopes(ListEnvelopes(tenant_id="t", cursor="not-a-cursor"), Found(DOCS))  # type: ignore[arg-type]
    assert refused.value.code is RefusalCode.invalid_cursor
