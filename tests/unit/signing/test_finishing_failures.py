"""A finished PDF that cannot be made is shown to the sender on the envelope (G7), and a
party's uploaded seal (S17) travels with it to the seal service."""

from datetime import timedelta

from services.common.events import EnvelopeSent
from services.signing.views import envelope_view, signer_view

from .builders import LINK, NOW, party, secrets_counter, sent, sign


def test_g7_a_finishing_failure_shows_on_the_envelope_until_the_pdf_is_finished() -> None:
    envelope = sent([party("佐藤 一郎")])
    sign(envelope, 0)
    assert envelope.status == "signed" and envelope_view(envelope).finishing_failure is None
    envelope.finishing_failed("timestamp_unavailable", "再試行しています。", True, NOW)
    failure = envelope_view(envelope).finishing_failure
    assert failure is not None and (failure.code, failure.retrying) == (
        "timestamp_unavailable",
        True,
    )
    later = NOW + timedelta(minutes=40)
    envelope.finishing_failed("timestamp_unavailable", "運用担当者が再処理します。", False, later)
    failure = envelope_view(envelope).finishing_failure
    assert failure is not None and not failure.retrying and failure.at == later
    envelope.complete("blob", "ab" * 32, later, secrets_counter(), LINK)
    assert envelope_view(envelope).finishing_failure is None


def test_g7_a_late_failure_report_changes_nothing_once_completed() -> None:
    envelope = sent([party("佐藤 一郎")])
    sign(envelope, 0)
    envelope.complete("blob", "ab" * 32, NOW, secrets_counter(), LINK)
    envelope.finishing_failed("finishing_failed", "失敗", True, NOW)
    assert envelope.finishing_failure is None and envelope.status == "completed"


def test_s17_a_partys_uploaded_seal_reaches_the_signer_view_and_the_seal_service() -> None:
    envelope = sent([party("株式会社山田不動産", kind="corporation", seal_image_id="seal-1")])
    [sent_event] = [e for e in envelope.collect_events() if isinstance(e, EnvelopeSent)]
    assert sent_event.parties[0].seal_image_id == "seal-1"
    assert envelope_view(envelope).parties[0].seal_image_id == "seal-1"
    view = signer_view(envelope, envelope.parties[0].id, None)
    assert view.party.seal_image_id == "seal-1"
