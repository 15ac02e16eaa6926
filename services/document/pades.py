"""The platform's PAdES signature on the finished contract, and its verification.

One approval signature of the platform, PAdES-B-T when a time-stamp authority is
configured (the RFC 3161 token proves the contract existed at that time, independently
of our clock), PAdES-B-B otherwise. pyHanko's async API is used because the blocking one
calls `asyncio.run` and cannot run inside the service's event loop.

The signature is appended as an incremental update and is the last thing ever written:
any rewrite afterwards (pypdf included) breaks it. `seal_pdf` checks that its output
starts with its input byte for byte, which is what "incremental" promises.
"""

import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .platform_key import PlatformCredentials

TSA_TIMEOUT_SECONDS = 10
_log = logging.getLogger(__name__)


class TimestampUnavailable(RuntimeError):
    """The time-stamp authority did not answer: transient, retry later with a delay."""


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What the verify page says about an uploaded PDF (its last signature).

    `intact`: the signed bytes are unchanged. `valid`: intact and the cryptography holds.
    `trusted`: the signer chains to the given trust roots ("ours").
    `covers_whole_document`: nothing was appended after the signature.
    """

    intact: bool
    covers_whole_document: bool
    signed_by: str | None
    signed_at: datetime | None
    timestamped: bool
    valid: bool = False
    trusted: bool = False
    signature_count: int = 0
    field_name: str | None = None
    problem: str | None = None
    """`unreadable`, `no_signature`, `invalid_signature`, or None."""
    signed_revision_sha256: str | None = None
    """SHA-256 of the bytes up to the end of the last signature's revision: the file as
    it was signed, whatever was appended afterwards."""

    @property
    def ok(self) -> bool:
        """Intact, valid, ours, and nothing added afterwards."""
        return self.intact and self.valid and self.trusted and self.covers_whole_document


async def seal_pdf(
    data: bytes,
    creds: PlatformCredentials,
    *,
    tsa_url: str | None,
    reason: str,
    field_name: str = "ShomeiPlatformSignature",
) -> bytes:
    """Sign `data` with the platform key (invisible field); returns the signed file.

    Raises `TimestampUnavailable` when `tsa_url` is set and the authority fails, so the
    caller can retry rather than fall back silently to B-B.
    """
    signer = _PlatformSigner(creds)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        name="Shomei",
    )
    timestamper = _timestamper(tsa_url) if tsa_url else None
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
    try:
        output = await pdf_signer.async_sign_pdf(writer, output=io.BytesIO())
    except TimestampRequestError as exc:
        raise TimestampUnavailable(f"time-stamp authority {tsa_url} failed: {exc}") from exc
    signed = output.getvalue()
    if not signed.startswith(data):
        raise RuntimeError("signing rewrote the document instead of appending to it")
    return signed


class _PlatformSigner(signers.SimpleSigner):
    """`SimpleSigner` that signs with the key parsed once at start.

    pyHanko's `SimpleSigner.sign_raw` re-parses the DER key on every call, and
    cryptography re-validates an RSA key each time (~45 ms); a seal signs twice (size
    estimate, then the real one), which made key loading ~80 % of the CPU of a seal.
    """

    def __init__(self, creds: PlatformCredentials) -> None:
        super().__init__(
            signing_cert=creds.cert,
            signing_key=creds.key,
            cert_registry=SimpleCertificateStore.from_certs([creds.ca_cert]),
        )
        self._private_key = creds.private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algo = mechanism.signature_algo
        except ValueError:
            algo = mechanism["algorithm"].native
        key = self._private_key
        digest = get_pyca_cryptography_hash(digest_algorithm)
        if algo == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), digest)
        if algo == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


_timestampers: dict[str, HTTPTimeStamper] = {}


def _timestamper(url: str) -> HTTPTimeStamper:
    """One client per URL: it caches a sample token for sizing the signature, which
    saves a round trip to the authority on every seal after the first."""
    if url not in _timestampers:
        _timestampers[url] = HTTPTimeStamper(url, timeout=TSA_TIMEOUT_SECONDS)
    return _timestampers[url]


async def verify_pdf(data: bytes, trust_roots: Iterable[object]) -> VerifyResult:
    """Check the last signature of `data`; never raises for hostile input.

    `trust_roots`: asn1crypto certificates, or DER/PEM bytes; the same roots are used
    for the signer and for the time-stamp token.
    """
    roots = _as_certificates(trust_roots)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:
        _log.info("verify: unreadable PDF: %s: %s", type(exc).__name__, exc)
        return _nothing("unreadable")
    if not signatures:
        return _nothing("no_signature")
    embedded = signatures[-1]
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = await async_validate_pdf_signature(
            embedded, signer_validation_context=context, ts_validation_context=context
        )
    except Exception as exc:  # malformed CMS, broken byte range, ...
        _log.info("verify: signature unreadable: %s: %s", type(exc).__name__, exc)
        return replace(
            _nothing("invalid_signature"),
            signature_count=len(signatures),
            field_name=_safe_field_name(embedded),
        )
    ts = status.timestamp_validity
    timestamped = ts is not None and ts.intact and ts.valid
    signed_at = ts.timestamp if timestamped else None
    signed_at = signed_at or status.signer_reported_dt or embedded.self_reported_timestamp
    valid = bool(status.intact and status.valid)
    return VerifyResult(
        intact=bool(status.intact),
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signed_by=_common_name(status.signing_cert),
        signed_at=signed_at,
        timestamped=timestamped,
        valid=valid,
        trusted=bool(valid and status.trusted),
        signature_count=len(signatures),
        field_name=_safe_field_name(embedded),
        problem=None if valid else "invalid_signature",
        signed_revision_sha256=_signed_revision_sha256(data, embedded),
    )


def _signed_revision_sha256(data: bytes, embedded) -> str | None:
    try:
        start, _, second, length = (int(v) for v in embedded.byte_range)
    except Exception:
        return None
    end = second + length
    if start != 0 or not 0 < end <= len(data):
        return None
    return hashlib.sha256(data[:end]).hexdigest()


def _nothing(problem: str) -> VerifyResult:
    return VerifyResult(
        intact=False,
        covers_whole_document=False,
        signed_by=None,
        signed_at=None,
        timestamped=False,
        problem=problem,
    )


def _as_certificates(items: Iterable[object]) -> list[asn1_x509.Certificate]:
    certs = []
    for item in items:
        if isinstance(item, asn1_x509.Certificate):
            certs.append(item)
        elif isinstance(item, bytes | bytearray):
            der = bytes(item)
            if pem.detect(der):
                _, _, der = pem.unarmor(der)
            certs.append(asn1_x509.Certificate.load(der))
        else:
            raise TypeError(f"unsupported trust root {type(item).__name__}")
    return certs


def _common_name(cert: asn1_x509.Certificate | None) -> str | None:
    if cert is None:
        return None
    subject = cert.subject.native
    return subject.get("common_name") or cert.subject.human_friendly


def _safe_field_name(embedded) -> str | None:
    try:
        return embedded.field_name
    except Exception:
        return None
