"""Small real PDFs for tests and benchmarks, made with reportlab."""

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

IPAEX = "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"


def lease_pdf(pages: int = 1) -> bytes:
    """An A4 lease in Japanese with a signature line near the bottom of each page."""
    if "IPAexMincho" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("IPAexMincho", IPAEX))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for page in range(1, pages + 1):
        canvas.setFont("IPAexMincho", 18)
        canvas.drawString(72, 770, "建物賃貸借契約書")
        canvas.setFont("IPAexMincho", 11)
        canvas.drawString(72, 740, f"第{page}条 貸主及び借主は、以下の条件で賃貸借契約を締結する。")
        canvas.drawString(72, 120, "借主 署名欄：")
        canvas.drawString(320, 120, "貸主 署名欄：")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- real-world shapes and malformed files, for the corpus and the refusal tests -------

B5 = (515.91, 728.50)
"""JIS B5 in points (182 × 257 mm)."""


def drawn_pdf(
    pages: int = 1, size: tuple[float, float] = A4, *, version: str = "1.7", title: str = "契約書"
) -> bytes:
    """A Japanese document of `pages` pages of `size`, declaring PDF `version`."""
    if "IPAexMincho" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("IPAexMincho", IPAEX))
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=size, pdfVersion=tuple(int(p) for p in version.split(".")))
    for page in range(1, pages + 1):
        canvas.setFont("IPAexMincho", 14)
        canvas.drawString(40, size[1] - 50, f"{title} 第{page}頁")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def rewrite(data: bytes, change=None) -> bytes:
    """Let `change(writer)` alter a full copy of `data`, written anew by pypdf."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    if change is not None:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reshaped(data: bytes, *, rotate: int = 0, cropbox: tuple[float, ...] | None = None) -> bytes:
    """Every page gets a /Rotate and/or a CropBox, as scanners and some editors write."""
    from pypdf.generic import RectangleObject

    def change(writer) -> None:
        for page in writer.pages:
            if rotate:
                page.rotate(rotate)
            if cropbox:
                page.cropbox = RectangleObject(cropbox)

    return rewrite(data, change)


def javascript_pdf() -> bytes:
    """A JavaScript OpenAction, as a phishing PDF carries it."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    def change(writer) -> None:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hi');"),
            }
        )

    return rewrite(drawn_pdf(), change)


def embedded_file_pdf() -> bytes:
    """An attached `.exe` in the EmbeddedFiles name tree."""

    def change(writer) -> None:
        writer.add_attachment("setup.exe", b"MZ\x90\x00" + b"\0" * 200)

    return rewrite(drawn_pdf(), change)


def page_of(width: float, height: float) -> bytes:
    """A one-page document of any size (reportlab draws what it is told)."""
    return drawn_pdf(1, (width, height))


def decompression_bomb_pdf(megabytes: int = 100) -> bytes:
    """A page whose content stream inflates from ~200 KB to `megabytes` MB."""
    import zlib

    body = zlib.compress(b" " * (megabytes * 1024 * 1024), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def encrypted_pdf() -> bytes:
    def change(writer) -> None:
        writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")

    return rewrite(drawn_pdf(), change)


def acroform_pdf() -> bytes:
    """A form with a text field and a check box, as agencies' templates often have."""
    out = io.BytesIO()
    if "IPAexMincho" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("IPAexMincho", IPAEX))
    canvas = Canvas(out, pagesize=A4)
    canvas.setFont("IPAexMincho", 14)
    canvas.drawString(40, 790, "申込書（フォーム付き）")
    canvas.acroForm.textfield(name="renter", x=40, y=700, width=200, height=20, value="Sato")
    canvas.acroForm.checkbox(name="agree", x=40, y=660, size=14, checked=True)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def incremental_pdf() -> bytes:
    """A document already carrying one incremental update (a later edit appended)."""
    from pypdf import PdfReader, PdfWriter

    base = drawn_pdf(2)
    writer = PdfWriter(PdfReader(io.BytesIO(base)), incremental=True)
    writer.add_metadata({"/Title": "revised"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def qpdf(data: bytes, *args: str) -> bytes:
    """Run qpdf over `data` (e.g. `--linearize`, `--object-streams=generate`)."""
    import subprocess
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "in.pdf"), Path(folder, "out.pdf")
        source.write_bytes(data)
        subprocess.run(["qpdf", *args, str(source), str(target)], check=True)
        return target.read_bytes()


def signed_by_someone_else(data: bytes, *, certify: bool = False) -> tuple[bytes, object]:
    """`data` signed by another party's own self-made certificate (not our trust root);
    returns the signed bytes and that party's root certificate. `certify`: a
    certification signature that allows no changes (DocMDP P=1)."""
    import asyncio
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Other Agency Seal")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, True, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    asn1_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="OtherPartySignature",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    sign = signers.PdfSigner(meta, signer=signer).async_sign_pdf
    with ThreadPoolExecutor(1) as thread:  # callable from inside an event loop too
        signed = thread.submit(asyncio.run, sign(writer, output=io.BytesIO())).result()
    return signed.getvalue(), asn1_cert
