"""A local RFC 3161 time-stamp authority for tests.

Tests fake exactly two outside services, the SMS provider and the time-stamp
authority. This one is still real at the protocol level: an HTTP server on
127.0.0.1 that takes `application/timestamp-query` and answers
`application/timestamp-reply` with a genuine signed token, built by pyHanko's
`DummyTimeStamper` from this authority's own RSA root and TSA certificates (the
`DummyTimeStamper` is RSA-only). The signing code under test talks to it through the
same `HTTPTimeStamper` it uses for a commercial TSA.

Use as a context manager: `with LocalTsa() as tsa: ... tsa.url ... tsa.root_cert`.
`stop()` takes it down (connections refused) and `start()` brings it back on its port.
"""

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

MAX_QUERY_BYTES = 64 * 1024


class LocalTsa:
    """An RFC 3161 authority on a free loopback port, served from a daemon thread."""

    def __init__(self) -> None:
        root_key, root = _root()
        tsa_key, tsa_cert = _tsa(root_key, root)
        self.root_cert = _asn1_cert(root)
        self.tsa_cert = _asn1_cert(tsa_cert)
        key_der = tsa_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._stamper = DummyTimeStamper(
            tsa_cert=self.tsa_cert,
            tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
            certs_to_embed=SimpleCertificateStore.from_certs([self.root_cert]),
        )
        self._lock = threading.Lock()
        self.requests = 0
        self._port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._port, "start() first"
        return f"http://127.0.0.1:{self._port}/tsa"

    def start(self) -> "LocalTsa":
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self._port = self._server.server_address[1]
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-tsa", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "LocalTsa":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, query: bytes) -> bytes:
        """DER TimeStampResp for a DER TimeStampReq."""
        request = tsp.TimeStampReq.load(query)
        with self._lock:
            self.requests += 1
            return self._stamper.request_tsa_response(request).dump()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                content_type = self.headers.get("Content-Type", "")
                if content_type != "application/timestamp-query":
                    self.send_error(415, "expected application/timestamp-query")
                    return
                if not 0 < length <= MAX_QUERY_BYTES:
                    self.send_error(400, "bad length")
                    return
                try:
                    body = tsa.answer(self.rfile.read(length))
                except Exception:
                    self.send_error(400, "bad time-stamp query")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shomei Test TSA"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _root() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Local TSA Root"))
        .issuer_name(_name("Local TSA Root"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _tsa(
    root_key: rsa.RSAPrivateKey, root: x509.Certificate
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Local Time-Stamp Authority"))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    return key, cert


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
