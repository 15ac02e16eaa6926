"""The platform's signing key: a local root CA and the certificate that seals contracts.

Shomei must run on one machine without any outside account, so the first start makes
its own small PKI: a self-signed "Shomei Local Root CA" and, issued by it, the "Shomei
Platform Signature" certificate with digitalSignature + nonRepudiation, the key usage
pyHanko and PAdES validators expect of a document signer. A deployment that has a
certificate from a real CA drops its PEMs into the same folder and nothing is generated.

Several document-service instances may start together on one folder: an exclusive
`flock` on `.lock` serialises the check-and-create, and every file is written to a
temporary name and `os.replace`d, so nobody ever reads half a key. Private keys are 0600.
"""

import datetime as dt
import fcntl
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID

CA_KEY = "root-ca.key.pem"
CA_CERT = "root-ca.cert.pem"
SIGNING_KEY = "platform-signature.key.pem"
SIGNING_CERT = "platform-signature.cert.pem"

CA_YEARS = 20
SIGNING_YEARS = 5
RENEW_BEFORE = dt.timedelta(days=30)
"""A signing certificate this close to expiry is re-issued by the CA at start."""


@dataclass(frozen=True)
class PlatformCredentials:
    """Paths and loaded objects; pyHanko wants asn1crypto objects, hence those."""

    ca_cert_path: Path
    cert_path: Path
    key_path: Path
    ca_cert: asn1_x509.Certificate
    cert: asn1_x509.Certificate
    key: asn1_keys.PrivateKeyInfo
    private_key: PrivateKeyTypes
    """The same key, parsed once: cryptography validates an RSA key on every load (~45 ms)."""

    @property
    def trust_roots(self) -> list[asn1_x509.Certificate]:
        """What `verify_pdf` needs to call our own signatures trusted."""
        return [self.ca_cert]


def ensure_platform_certificate(folder: Path, generate: bool = True) -> PlatformCredentials:
    """Load the platform credentials from `folder`, creating them on first start.

    With `generate` false (production: several instances, perhaps on several machines)
    nothing is ever made here: a key made by one instance would not be the others'.
    """
    folder = Path(folder)
    if not generate:
        needed = (CA_CERT, SIGNING_KEY, SIGNING_CERT)
        missing = [name for name in needed if not (folder / name).exists()]
        if missing:
            raise RuntimeError(
                f"platform credentials missing in {folder}: {', '.join(missing)} "
                "(mount them, or set SHOMEI_GENERATE_KEYS=true on a single machine)"
            )
        return _load(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(folder / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _prepare(folder)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return _load(folder)


def _prepare(folder: Path) -> None:
    """Decide, under the lock, what is missing; never overwrite usable credentials."""
    has_ca = (folder / CA_KEY).exists() and (folder / CA_CERT).exists()
    signing = _signing_status(folder)
    if signing == "ok" and (folder / CA_CERT).exists():
        return
    if has_ca:
        _issue_signing(folder, _load_key(folder / CA_KEY), _load_cert(folder / CA_CERT))
    elif signing == "missing":
        _create_all(folder)  # first start, or a crash before the CA was complete
    elif signing == "expiring" and (folder / CA_CERT).exists():
        logging.getLogger(__name__).warning(
            "platform signing certificate in %s expires soon and there is no CA key "
            "to renew it: replace it",
            folder,
        )
    else:
        raise RuntimeError(f"incomplete platform credentials in {folder}: {signing}")


def _create_all(folder: Path) -> None:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = _name("Shomei Local Root CA")
    now = _now()
    ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write(folder / CA_KEY, _key_pem(ca_key), private=True)
    _write(folder / CA_CERT, ca_cert.public_bytes(serialization.Encoding.PEM))
    _issue_signing(folder, ca_key, ca_cert)


def _issue_signing(folder: Path, ca_key: PrivateKeyTypes, ca_cert: x509.Certificate) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = _now()
    not_after = min(now + dt.timedelta(days=365 * SIGNING_YEARS), ca_cert.not_valid_after_utc)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Shomei Platform Signature"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    # Key first: a reader that sees the new certificate must also see its key.
    _write(folder / SIGNING_KEY, _key_pem(key), private=True)
    _write(folder / SIGNING_CERT, cert.public_bytes(serialization.Encoding.PEM))


def _signing_status(folder: Path) -> str:
    key_path, cert_path = folder / SIGNING_KEY, folder / SIGNING_CERT
    if not key_path.exists() or not cert_path.exists():
        return "missing"
    cert = _load_cert(cert_path)
    if _public_der(_load_key(key_path).public_key()) != _public_der(cert.public_key()):
        return "mismatch"
    if cert.not_valid_after_utc - _now() < RENEW_BEFORE:
        return "expiring"
    return "ok"


def _load(folder: Path) -> PlatformCredentials:
    ca_cert_path, cert_path, key_path = (
        folder / CA_CERT,
        folder / SIGNING_CERT,
        folder / SIGNING_KEY,
    )
    key = _load_key(key_path)
    cert = _load_cert(cert_path)
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise RuntimeError(f"{key_path} does not belong to {cert_path}")
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return PlatformCredentials(
        ca_cert_path=ca_cert_path,
        cert_path=cert_path,
        key_path=key_path,
        ca_cert=_asn1_cert(_load_cert(ca_cert_path)),
        cert=_asn1_cert(cert),
        key=asn1_keys.PrivateKeyInfo.load(key_der),
        private_key=key,
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shomei"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key_pem(key: PrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_key(path: Path) -> PrivateKeyTypes:
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _write(path: Path, content: bytes, *, private: bool = False) -> None:
    """Atomic write: temp file in the same folder (created 0600), fsync, rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
