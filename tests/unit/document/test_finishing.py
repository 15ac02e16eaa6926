"""Finishing at the service level (G7, B2, S3, D5): one finished copy per envelope, work
done before the unit of work and recorded once, failures told to the sender, a time-stamp
authority that is down first and answers later, verification, previews and the sweep."""

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from services.common.blobstore.gridfs import GridFSBlobStore
from services.common.messages import Refused, new_id, utcnow
from services.common.queries import GetPageImage
from services.common.retry import RetryLater
from services.document.finalize import Outcome
from services.document.platform_key import PlatformCredentials
from services.document.sweep import sweep_unadopted
from tests.support import pdfs
from tests.support.tsa import LocalTsa

from .service import (
    TENANT,
    FlakyTsa,
    Service,
    completed,
    last_signature,
    open_service,
    pdfsig,
    seal_field,
    text_field,
)


async def outbox(service: Service) -> list[tuple[str, dict]]:
    return [
        (m.routing_key, dict(m.payload)) for m in await service.runtime.store.pending_outbox(500)
    ]


async def finish_once(service: Service, seal_png: bytes, data: bytes | None = None):
    document = await service.upload(data or pdfs.drawn_pdf(2))
    seal = await service.blobs.put(seal_png)
    event = completed(
        document.id, [seal_field(1, 400, 600, 50, seal), text_field(2, 40, 100, "佐藤")]
    )
    await service.finisher.finalize(event)
    return document, event, await service.finished(document.id, event.envelope_id)


async def test_one_document_two_envelopes_both_finish_g7(service: Service, seal_png: bytes) -> None:
    document = await service.upload(pdfs.drawn_pdf(2))
    seal = await service.blobs.put(seal_png)
    first = completed(document.id, [seal_field(1, 400, 600, 50, seal)])
    second = completed(document.id, [seal_field(2, 100, 100, 50, seal)], title="二通目")
    await service.finisher.finalize(first)
    await service.finisher.finalize(second)
    one = await service.finished(document.id, first.envelope_id)
    two = await service.finished(document.id, second.envelope_id)
    assert one != two
    finalized = [p for key, p in await outbox(service) if key == "document.finalized"]
    assert {p["envelope_id"] for p in finalized} == {first.envelope_id, second.envelope_id}
    view = await service.document(document.id)
    assert sorted(view.finished_envelopes) == sorted([first.envelope_id, second.envelope_id])


async def test_redelivered_event_records_one_copy_and_one_event(
    service: Service, seal_png: bytes
) -> None:
    document, event, first = await finish_once(service, seal_png)
    await service.finisher.finalize(event)  # the broker delivers it again
    assert await service.finished(document.id, event.envelope_id) == first
    keys = [key for key, _ in await outbox(service)]
    assert keys.count("document.finalized") == 1


async def test_upload_says_when_finishing_must_break_a_certification_s3(
    service: Service,
) -> None:
    signed, _ = pdfs.signed_by_someone_else(pdfs.drawn_pdf(1))
    certified, _ = pdfs.signed_by_someone_else(pdfs.drawn_pdf(1), certify=True)
    approval = await service.upload(signed)
    assert approval.signed_by_others and approval.warnings == []
    strict = await service.upload(certified)
    assert strict.signed_by_others and strict.warnings == ["certified_by_others"]


async def test_box_that_cannot_be_stamped_is_told_to_the_sender_and_kept_for_an_operator(
    service: Service, seal_png: bytes
) -> None:
    document = await service.upload(pdfs.drawn_pdf(1))
    seal = await service.blobs.put(seal_png)
    event = completed(document.id, [seal_field(1, 5000, 10, 50, seal)])
    assert await service.finisher.finalize(event) is Outcome.refused  # dead-lettered
    failed = [p for key, p in await outbox(service) if key == "document.finalize_failed"]
    assert [(p["envelope_id"], p["code"], p["retrying"]) for p in failed] == [
        (event.envelope_id, "cannot_stamp", False)
    ]
    assert "運用担当者" in failed[0]["message"]
    with pytest.raises(Refused) as refused:
        await service.finished(document.id, event.envelope_id)
    assert refused.value.code == "not_finished"
    assert await service.finisher.finalize(event) is Outcome.refused, "a replay tries again"
    assert len(await outbox(service)) == len(failed) + 1, "and tells the sender nothing new"


async def test_tsa_down_is_retried_later_by_the_broker_and_the_sender_told_once(
    tmp_path: Path, creds: PlatformCredentials, seal_png: bytes
) -> None:
    """Outside a broker's retry, an unanswered time-stamp request raises `RetryLater` (no
    sleeping in the handler) and never signs without the time-stamp."""
    with LocalTsa() as tsa:
        flaky = FlakyTsa(tsa)
        service = await open_service(tmp_path, creds, flaky.url)
        try:
            document = await service.upload(pdfs.drawn_pdf(1))
            seal = await service.blobs.put(seal_png)
            event = completed(document.id, [seal_field(1, 100, 100, 50, seal)])
            for _ in range(2):
                with pytest.raises(RetryLater):
                    await service.finisher.finalize(event)
            view = await service.document(document.id)
            events = await outbox(service)
        finally:
            await service.runtime.store.close()
            flaky.server.shutdown()
    assert flaky.refused == 2 and not view.finished
    assert view.finishing_failures == {event.envelope_id: "timestamp_unavailable"}
    failed = [p for key, p in events if key == "document.finalize_failed"]
    assert [(p["code"], p["retrying"]) for p in failed] == [("timestamp_unavailable", True)]


async def verify(service: Service, data: bytes, tenant: str | None = None) -> dict:
    blob_id = await service.blobs.put(data)
    return (await service.verify(blob_id, tenant)).model_dump(mode="json")


async def test_verify_tells_ours_altered_resaved_foreign_and_unsigned_b2(
    service: Service, seal_png: bytes
) -> None:
    _, event, finished = await finish_once(service, seal_png)

    ours = await verify(service, finished, TENANT)
    assert ours["verdict"] == "intact" and ours["signed_by_platform"]
    assert ours["envelope"]["id"] == event.envelope_id
    assert ours["envelope"]["title"] == event.title
    assert ours["envelope"]["parties"] == [{"role": "tenant", "name": "佐藤 一郎"}]
    stranger = await verify(service, finished, "another-tenant")
    assert stranger["envelope"]["id"] == event.envelope_id
    assert stranger["envelope"]["title"] is None, "title only for the envelope's tenant"
    assert stranger["envelope"]["parties"] is None
    anonymous = await verify(service, finished)
    assert anonymous["envelope"]["title"] is None

    writer = PdfWriter(PdfReader(io.BytesIO(finished)), incremental=True)
    writer.add_metadata({"/Title": "changed"})
    appended = io.BytesIO()
    writer.write(appended)
    altered = await verify(service, appended.getvalue())
    assert altered["verdict"] == "altered" and altered["modified_after_signing"]
    assert altered["envelope"]["id"] == event.envelope_id

    flipped = bytearray(finished)
    flipped[len(finished) // 3] ^= 0x01
    assert (await verify(service, bytes(flipped)))["verdict"] == "altered"

    resaved = pdfs.qpdf(finished, "--object-streams=generate")
    assert (await verify(service, resaved))["verdict"] in {"altered", "unsigned"}

    foreign, _ = pdfs.signed_by_someone_else(pdfs.drawn_pdf(1))
    assert (await verify(service, foreign))["verdict"] == "foreign"
    assert (await verify(service, pdfs.drawn_pdf(1)))["verdict"] == "unsigned"
    assert (await verify(service, b"not a pdf at all"))["verdict"] == "unreadable"


async def test_page_images_thumbnail_and_preview_rendered_once_d5(
    service: Service,
) -> None:
    document = await service.upload(pdfs.reshaped(pdfs.drawn_pdf(3), rotate=90))
    sizes = {}
    for size in ("thumbnail", "preview"):
        query = GetPageImage(tenant_id=TENANT, document_id=document.id, page=2, size=size)
        first = await service.page_image(query)
        again = await service.page_image(query)
        assert first == again, "cached as a blob"
        sizes[size] = Image.open(io.BytesIO(await service.blobs.get(first.blob_id))).size
    assert sizes["thumbnail"][0] == 200 and sizes["preview"][0] == 1000
    assert sizes["preview"][0] > sizes["preview"][1], "landscape as displayed"


@pytest.fixture(params=["folder", "gridfs"])
async def either_engine(
    request: pytest.FixtureRequest, tmp_path: Path, creds: PlatformCredentials, mongo_url: str
) -> AsyncIterator[Service]:
    """The sweep on both blob engines: the folder and GridFS."""
    blobs = None
    if request.param == "gridfs":
        blobs = GridFSBlobStore(mongo_url, f"sweep_{new_id()}")
    opened = await open_service(tmp_path, creds, blobs=blobs)
    yield opened
    await opened.runtime.store.close()
    await opened.blobs.close()


async def test_sweep_removes_uploads_no_document_adopted_within_a_day_s3(
    either_engine: Service,
) -> None:
    service = either_engine
    original = pdfs.drawn_pdf(1)
    adopted = await service.upload(original)
    refused_blob = await service.blobs.put(pdfs.javascript_pdf())
    with pytest.raises(Refused):
        await service.adopt(refused_blob)
    assert not await service.blobs.exists(refused_blob), "a refused upload goes at once"
    verified = await service.blobs.put(pdfs.drawn_pdf(1, title="検証だけ"))
    await service.verify(verified)
    await service.verify(await service.blobs.put(original))  # the adopted document's bytes

    def sweep(now):
        return sweep_unadopted(service.runtime.in_unit_of_work, service.blobs, now)

    assert await sweep(utcnow()) == 0, "younger than a day: kept"
    assert await sweep(utcnow() + timedelta(days=1, minutes=1)) == 1
    assert not await service.blobs.exists(verified)
    assert await service.blobs.exists(await _blob_of(service, adopted.id))
    assert await sweep(utcnow() + timedelta(days=3)) == 0


async def _blob_of(service: Service, document_id: str) -> str:
    async def load(uow):
        return (await uow.get("documents", document_id))["blob_id"]

    return await service.runtime.in_unit_of_work(load)


def test_signatures_are_reported_for_pdfsig(tmp_path: Path) -> None:
    """pdfsig's output shape the corpus relies on: one block per signature."""
    assert last_signature("Signature #1:\n a\nSignature #2:\n b") == "2:\n b"
    assert pdfsig(pdfs.drawn_pdf(1), tmp_path).count("Signature #") == 0
