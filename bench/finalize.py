"""Benchmark: CPU ms to finish a 20-page contract (6 seals, 4 texts) and to render 20
preview pages, each beside its bare floor measured in the same run.

- finish: what the document service does (stamp + audit certificate as one incremental
  update, then the PAdES signature), split into stamping+signing and the certificate;
  the seal is a drawn 15 mm 認印, and one party's name (𠮷田) needs the fallback font.
- floor: plain pypdf stamping of the same overlay (clone, merge, write) + pyHanko signing
  with the key parsed once.
- previews: our renderer (document kept open across pages) against pypdfium2 alone
  (open once, render, PNG).

Figures only: nothing here passes or fails.

    uv run python -m bench.finalize [--runs 9]
"""

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pypdf import PdfReader, PdfWriter

from services.common.events import (
    AuditEventRecord,
    AuditPartyRecord,
    EnvelopeSigned,
    FilledField,
    Placement,
)
from services.document.audit import audit_certificate
from services.document.finishing import certificate_for, marks_for, prepare_unsigned
from services.document.pades import _PlatformSigner, seal_pdf
from services.document.platform_key import ensure_platform_certificate
from services.document.rendering import SIZES, render_page_png
from services.document.stamping import _draw_overlays, page_frame, stamp
from services.seal.drawing import draw_seal
from services.seal.model import SealSpec, SealStyle
from tests.support.pdfs import lease_pdf

PAGES = 20


def seal_png() -> bytes:
    """A real 15 mm 認印 as the seal service draws it: its resolution gives its size."""
    return draw_seal(SealSpec("佐藤", SealStyle.personal_round))


def contract_event(seal_id: str) -> EnvelopeSigned:
    seal_pages = (1, 4, 8, 12, 16, 20)
    text_pages = (2, 6, 10, 20)
    fields_ = [
        FilledField(
            placement=Placement(page=p, x=420, y=700, width=60, height=60),
            type="signature",
            seal_blob_id=seal_id,
        )
        for p in seal_pages
    ] + [
        FilledField(
            placement=Placement(page=p, x=60, y=600, width=260, height=24),
            type="text",
            text="特約：ペット可（小型犬1匹まで）",
        )
        for p in text_pages
    ]
    events = [
        AuditEventRecord(
            at=f"2026-11-26T01:0{n}:00+00:00", action=a, ip="203.0.113.7", user_agent="UA"
        )
        for n, a in enumerate(("asked", "opened", "access_verified", "signed"))
    ]
    parties = [
        AuditPartyRecord(role=r, name=n, contact=c, signing_order=o, events=events)
        for r, n, c, o in (
            ("tenant", "佐藤 一郎", "sato@example.jp", 1),
            ("guarantor", "𠮷田 花子", "09012345678", 2),
            ("landlord", "鈴木 次郎", "suzuki@example.jp", 3),
        )
    ]
    return EnvelopeSigned(
        tenant_id="t",
        envelope_id="env_bench",
        document_id="doc",
        title="建物賃貸借契約書 101号室",
        sender_name="シブヤ不動産",
        fields=fields_,
        parties=parties,
        audit_digest="ab" * 32,
    )


def cpu_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm caches (fonts, images, imports)
    samples = []
    for _ in range(runs):
        start = time.process_time()
        work()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    creds = ensure_platform_certificate(Path(tempfile.mkdtemp()) / "platform")
    original = lease_pdf(PAGES)
    png = seal_png()
    event = contract_event("seal")
    seals = {"seal": png}
    marks = marks_for(event.fields, seals)

    def sign(data: bytes) -> bytes:
        return asyncio.run(seal_pdf(data, creds, tsa_url=None, reason="bench"))

    def ours() -> bytes:
        return sign(prepare_unsigned(original, event, seals, "contract.pdf", "http://x/verify"))

    def ours_without_certificate() -> bytes:
        return sign(stamp(original, marks))

    def certificate_only() -> bytes:
        certificate = certificate_for(event, "00" * 32, "contract.pdf", "http://x/verify")
        return audit_certificate(certificate)

    def floor() -> bytes:
        reader = PdfReader(io.BytesIO(original))
        numbers = sorted({m.page for m in marks})
        frames = {n: page_frame(reader.pages[n - 1]) for n in numbers}
        overlay = PdfReader(
            io.BytesIO(
                _draw_overlays([(frames[n], [m for m in marks if m.page == n]) for n in numbers])
            )
        )
        writer = PdfWriter(clone_from=reader)
        for index, number in enumerate(numbers):
            writer.pages[number - 1].merge_page(overlay.pages[index])
        out = io.BytesIO()
        writer.write(out)
        meta = signers.PdfSignatureMetadata(
            field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
        )
        pdf_signer = signers.PdfSigner(meta, signer=_PlatformSigner(creds))
        writer2 = IncrementalPdfFileWriter(io.BytesIO(out.getvalue()))
        return asyncio.run(pdf_signer.async_sign_pdf(writer2, output=io.BytesIO())).getvalue()

    width = SIZES["preview"]
    counter = iter(range(1_000_000))

    def previews_ours() -> None:
        key = f"bench-{next(counter)}"  # a fresh document each run, as after an upload
        for page in range(1, PAGES + 1):
            render_page_png(original, page, width, key=key)

    def previews_bare() -> None:
        document = pdfium.PdfDocument(original)
        for index in range(PAGES):
            page = document[index]
            bitmap = page.render(scale=width / page.get_width())
            out = io.BytesIO()
            bitmap.to_pil().save(out, format="PNG", compress_level=6)
            bitmap.close()
            page.close()
        document.close()

    figures = {
        "finish (stamp + certificate + PAdES)": cpu_ms(ours, args.runs),
        "  stamp + PAdES, no certificate": cpu_ms(ours_without_certificate, args.runs),
        "  certificate drawn alone": cpu_ms(certificate_only, args.runs),
        "floor (pypdf stamp + pyHanko sign)": cpu_ms(floor, args.runs),
        "previews, ours (20 × 1000 px)": cpu_ms(previews_ours, args.runs),
        "previews, pypdfium2 alone": cpu_ms(previews_bare, args.runs),
    }
    print(f"{PAGES}-page contract, 6 seals, 4 texts; median CPU ms of {args.runs} runs")
    for name, value in figures.items():
        print(f"  {name:42s} {value:8.1f}")
    total = figures["finish (stamp + certificate + PAdES)"]
    bare = figures["  stamp + PAdES, no certificate"]
    base = figures["floor (pypdf stamp + pyHanko sign)"]
    print(f"  finish without certificate / floor        {bare / base:8.2f}×")
    print(f"  certificate pages (finish − no certificate) {total - bare:6.1f} ms")
    ratio = figures["previews, ours (20 × 1000 px)"] / figures["previews, pypdfium2 alone"]
    print(f"  previews ours / bare                      {ratio:8.2f}×")


if __name__ == "__main__":
    main()
