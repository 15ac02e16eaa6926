"""The platform's own small PKI: made once, reused, private, and safe when several
document-service processes start at the same moment."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from cryptography import x509

from services.document.platform_key import (
    CA_CERT,
    CA_KEY,
    SIGNING_CERT,
    SIGNING_KEY,
    ensure_platform_certificate,
)

ROOT = Path(__file__).resolve().parents[3]


def test_first_start_creates_ca_and_signing_cert(tmp_path: Path) -> None:
    creds = ensure_platform_certificate(tmp_path / "keys")
    folder = tmp_path / "keys"
    for name in (CA_KEY, SIGNING_KEY):
        assert stat.S_IMODE(os.stat(folder / name).st_mode) == 0o600, name
    ca = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
    leaf = x509.load_pem_x509_certificate((folder / SIGNING_CERT).read_bytes())
    assert ca.subject.rfc4514_string().startswith("CN=Shomei Local Root CA")
    assert ca.public_key().key_size == 3072
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.issuer == ca.subject
    assert "CN=Shomei Platform Signature" in leaf.subject.rfc4514_string()
    assert leaf.public_key().key_size == 2048
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days > 3 * 365
    leaf.verify_directly_issued_by(ca)
    assert creds.cert.subject.native["common_name"] == "Shomei Platform Signature"
    assert creds.trust_roots == [creds.ca_cert]


def test_later_starts_reuse(tmp_path: Path) -> None:
    first = ensure_platform_certificate(tmp_path)
    second = ensure_platform_certificate(tmp_path)
    assert first.cert.dump() == second.cert.dump()
    assert first.key.dump() == second.key.dump()


def test_missing_signing_cert_is_reissued_by_same_ca(tmp_path: Path) -> None:
    first = ensure_platform_certificate(tmp_path)
    (tmp_path / SIGNING_CERT).unlink()
    second = ensure_platform_certificate(tmp_path)
    assert second.ca_cert.dump() == first.ca_cert.dump()
    assert second.cert.serial_number != first.cert.serial_number


def test_racing_processes_agree(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path;"
        "from services.document.platform_key import ensure_platform_certificate as e;"
        "print(e(Path(sys.argv[1])).cert.serial_number)"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "shared")],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    serials = set()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        serials.add(out.strip())
    assert len(serials) == 1, "every process must end up with the same certificate"
    leftovers = [
        p.name
        for p in (tmp_path / "shared").iterdir()
        if p.name.startswith(".") and p.name != ".lock"
    ]
    assert leftovers == []
