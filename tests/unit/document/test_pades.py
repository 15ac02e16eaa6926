"""The finished PDF end to end: stamp -> append the audit certificate -> PAdES seal, judged
by independent validators (poppler's pdfsig, qpdf) and by our own verify_pdf; tampering
and later appends are caught; PAdES-B-T against a local RFC 3161 authority."""

import asyncio
import hashlib
import io
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from services.document.audit import (
    AuditCertificate,
    AuditEvent,
    AuditParty,
    audit_certificate,
)
from services.document.pades import TimestampUnavailable, seal_pdf, verify_pdf
from services.document.platform_key import PlatformCredentials, ensure_platform_certificate
from services.document.stamping import CheckMark, SealMark, TextMark, stamp
from tests.support.tsa import LocalTsa

from .conftest import pdftotext


def pdfsig(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    run = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return run.stdout + run.stderr


def qpdf_check(data: bytes, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)


def finish(original: bytes, seal_png: bytes) -> bytes:
    """What the document service does before signing: stamp and append the audit, one
    incremental update."""
    now = datetime.now(UTC)
    audit = audit_certificate(
        AuditCertificate(
            envelope_id="env_test",
            envelope_title="賃貸借契約書",
            original_sha256=hashlib.sha256(original).hexdigest(),
            parties=[AuditParty(1, "借主", "佐藤 花子", "hanako@example.jp", now, "署名済")],
            events=[AuditEvent(now, "署名しました", "佐藤 花子", "198.51.100.4", "pytest")],
            completed_at=now,
        )
    )
    marks = [
        SealMark(1, 420, 80, 60, 60, seal_png),
        TextMark(2, 60, 120, 240, 22, "佐藤 花子"),
        CheckMark(2, 60, 160, 12, 12, True),
    ]
    return stamp(original, marks, audit)


@pytest.fixture(scope="module")
def finished(two_page_pdf: bytes, seal_png: bytes) -> bytes:
    return finish(two_page_pdf, seal_png)


@pytest.fixture(scope="module")
async def sealed(finished: bytes, creds: PlatformCredentials) -> bytes:
    return await seal_pdf(finished, creds, tsa_url=None, reason="Shomei 電子契約の締結")


async def test_chain_is_valid_for_pdfsig_qpdf_and_us(
    finished: bytes, sealed: bytes, creds: PlatformCredentials, tmp_path: Path
) -> None:
    assert sealed.startswith(finished), "the signature must be an incremental update"
    report = pdfsig(sealed, tmp_path)
    assert "Signature is Valid" in report, report
    assert "Total document signed" in report, report
    assert "Shomei Platform Signature" in report
    # Our CA is self-signed and unknown to poppler's NSS store: expected and accepted.
    assert "Certificate issuer isn't Trusted" in report or "Certificate is Trusted" in report
    check = qpdf_check(sealed, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    result = await verify_pdf(sealed, creds.trust_roots)
    assert result.intact and result.valid and result.trusted and result.covers_whole_document
    assert result.ok
    assert result.signed_by == "Shomei Platform Signature"
    assert result.signed_at is not None
    assert not result.timestamped
    assert result.field_name == "ShomeiPlatformSignature"
    text = pdftotext(sealed, tmp_path)
    assert "佐藤 花子" in text and "監査証明書" in text


def _stream_byte(data: bytes) -> int:
    return data.index(b"stream", data.index(b"/Length")) + 20


@pytest.mark.parametrize(
    "where", [lambda d: 11, _stream_byte, lambda d: len(d) // 3], ids=["header", "stream", "middle"]
)
async def test_one_flipped_byte_is_caught(
    sealed: bytes, creds: PlatformCredentials, tmp_path: Path, where
) -> None:
    position = where(sealed)
    tampered = bytearray(sealed)
    tampered[position] ^= 0x01
    tampered = bytes(tampered)
    report = pdfsig(tampered, tmp_path)
    assert "Signature is Valid" not in report, report
    result = await verify_pdf(tampered, creds.trust_roots)
    assert not result.intact and not result.valid and not result.ok


async def test_update_after_signing_is_not_whole_document(
    sealed: bytes, creds: PlatformCredentials, tmp_path: Path
) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root["/Lang"] = generic.TextStringObject("ja")  # any appended revision
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    appended = out.getvalue()
    assert appended.startswith(sealed) and len(appended) > len(sealed)
    result = await verify_pdf(appended, creds.trust_roots)
    assert result.intact and not result.covers_whole_document and not result.ok
    assert "Total document signed" not in pdfsig(appended, tmp_path)


async def test_foreign_roots_are_not_trusted(sealed: bytes, tmp_path: Path) -> None:
    other = ensure_platform_certificate(tmp_path / "other")
    result = await verify_pdf(sealed, other.trust_roots)
    assert result.intact and result.valid and not result.trusted and not result.ok


async def test_pem_roots_accepted(sealed: bytes, creds: PlatformCredentials) -> None:
    result = await verify_pdf(sealed, [creds.ca_cert_path.read_bytes()])
    assert result.ok


@pytest.mark.parametrize("data", [b"", b"junk", b"%PDF-1.7\n" + b"\0" * 500])
async def test_verify_never_raises_on_junk(data: bytes, creds: PlatformCredentials) -> None:
    result = await verify_pdf(data, creds.trust_roots)
    assert not result.intact and result.problem in {"unreadable", "no_signature"}


async def test_verify_unsigned(two_page_pdf: bytes, creds: PlatformCredentials) -> None:
    result = await verify_pdf(two_page_pdf, creds.trust_roots)
    assert result.problem == "no_signature" and result.signature_count == 0


async def test_pades_b_t_with_local_tsa(
    finished: bytes, creds: PlatformCredentials, tmp_path: Path
) -> None:
    with LocalTsa() as tsa:
        signed = await seal_pdf(finished, creds, tsa_url=tsa.url, reason="締結")
        assert tsa.requests >= 1
    report = pdfsig(signed, tmp_path)
    assert "Signature is Valid" in report and "Total document signed" in report, report
    assert qpdf_check(signed, tmp_path).returncode == 0
    result = await verify_pdf(signed, [*creds.trust_roots, tsa.root_cert])
    assert result.ok and result.timestamped
    assert abs((datetime.now(UTC) - result.signed_at).total_seconds()) < 120
    # The token sits in the CMS as an unsigned signature-time-stamp attribute.
    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    unsigned = embedded.signer_info["unsigned_attrs"].native or []
    assert any(a["type"] == "signature_time_stamp_token" for a in unsigned)


async def test_tsa_down_is_transient_error(finished: bytes, creds: PlatformCredentials) -> None:
    with LocalTsa() as tsa:
        url = tsa.url
    with pytest.raises(TimestampUnavailable):
        await seal_pdf(finished, creds, tsa_url=url, reason="x")


async def test_concurrent_seals(finished: bytes, creds: PlatformCredentials) -> None:
    outputs = await asyncio.gather(
        *(seal_pdf(finished, creds, tsa_url=None, reason=f"r{n}") for n in range(4))
    )
    results = await asyncio.gather(*(verify_pdf(o, creds.trust_roots) for o in outputs))
    assert all(r.ok for r in results)


async def test_cpu_cost_of_finishing_two_pages(
    two_page_pdf: bytes, seal_png: bytes, creds: PlatformCredentials
) -> None:
    """A figure, not a pass/fail timing: printed with `pytest -s`."""
    finish(two_page_pdf, seal_png)  # warm font and image caches
    runs = []
    for _ in range(5):
        start = time.process_time()
        await seal_pdf(finish(two_page_pdf, seal_png), creds, tsa_url=None, reason="bench")
        runs.append((time.process_time() - start) * 1000)
    print(f"\nstamp+audit+seal_pdf, 2 pages: median {sorted(runs)[2]:.0f} ms CPU")
