"""Real-world PDF shapes from upload to the finished contract (S3, S16, G7): A4 and B5,
portrait and landscape, /Rotate 90/180/270, offset crop boxes, 1 and 150 pages, PDF 1.3
and 1.7, object streams, linearized, forms, incremental updates and a PDF someone else
signed. Each is adopted, gets seals and Japanese text on several pages in the displayed
frame, and its finished copy must satisfy poppler's `pdfsig` (valid, whole document),
`qpdf --check`, pyHanko against our trust root and `pdftotext`; every seal's red pixels
lie inside its box (pypdfium2)."""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.lib.pagesizes import A4, landscape

from services.document.pades import verify_pdf
from services.document.rendering import render_page_png
from tests.support import pdfs

from .conftest import pdftotext, red_pixels
from .service import (
    Service,
    completed,
    last_signature,
    pdfsig,
    qpdf_check,
    seal_field,
    text_field,
)

_others: dict[str, object] = {}


def _signed_by_other() -> bytes:
    data, root = pdfs.signed_by_someone_else(pdfs.drawn_pdf(2))
    _others["root"] = root
    return data


CORPUS: dict[str, Callable[[], bytes]] = {
    "a4-portrait-1.7": lambda: pdfs.drawn_pdf(2),
    "a4-landscape": lambda: pdfs.drawn_pdf(2, landscape(A4)),
    "b5-portrait-1.3": lambda: pdfs.drawn_pdf(2, pdfs.B5, version="1.3"),
    "b5-landscape": lambda: pdfs.drawn_pdf(2, landscape(pdfs.B5)),
    "rotate-90": lambda: pdfs.reshaped(pdfs.drawn_pdf(2), rotate=90),
    "rotate-180": lambda: pdfs.reshaped(pdfs.drawn_pdf(2), rotate=180),
    "rotate-270-landscape": lambda: pdfs.reshaped(pdfs.drawn_pdf(2, landscape(A4)), rotate=270),
    "crop-offset": lambda: pdfs.reshaped(pdfs.drawn_pdf(2), cropbox=(40, 60, 560, 800)),
    "rotate-90-crop-offset": lambda: pdfs.reshaped(
        pdfs.drawn_pdf(2), rotate=90, cropbox=(40, 60, 560, 800)
    ),
    "one-page": lambda: pdfs.drawn_pdf(1),
    "150-pages": lambda: pdfs.drawn_pdf(150),
    "object-streams": lambda: pdfs.qpdf(pdfs.drawn_pdf(3), "--object-streams=generate"),
    "linearized": lambda: pdfs.qpdf(pdfs.drawn_pdf(3), "--linearize"),
    "acroform": pdfs.acroform_pdf,
    "incremental-update": pdfs.incremental_pdf,
    "signed-by-someone-else": _signed_by_other,
}


@pytest.mark.parametrize("name", list(CORPUS))
async def test_corpus_document_finishes_and_validates_s3_g7(
    name: str, service: Service, seal_png: bytes, tmp_path: Path
) -> None:
    original = CORPUS[name]()
    document = await service.upload(original)
    pages = document.pages
    seal_id = await service.blobs.put(seal_png)
    chosen = sorted({1, len(pages), (len(pages) + 1) // 2})
    boxes, fields = {}, []
    for number in chosen:
        width, height = pages[number - 1].width, pages[number - 1].height
        box = (width * 0.6, height * 0.62, 48.0)
        boxes[number] = box
        fields.append(seal_field(number, *box, seal_id))
        fields.append(text_field(number, 30, height * 0.4, f"特約事項 {number}頁 ペット可"))
    event = completed(document.id, fields)
    await service.finisher.finalize(event)
    finished = await service.finished(document.id, event.envelope_id)

    assert finished.startswith(original), "our changes are incremental updates"
    report = pdfsig(finished, tmp_path)
    ours = last_signature(report)
    assert "Signature is Valid" in ours and "Total document signed" in ours, report
    check = qpdf_check(finished, tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    result = await verify_pdf(finished, service.creds.trust_roots)
    assert result.ok, result
    text = pdftotext(finished, tmp_path)
    for number in chosen:
        assert f"特約事項 {number}頁 ペット可" in text
    assert "監査証明書" in text and "https://shomei.example/verify" in text

    for number, (x, y, side) in boxes.items():
        width = pages[number - 1].width
        image = Image.open(io.BytesIO(render_page_png(finished, number, round(width))))
        before = Image.open(io.BytesIO(render_page_png(original, number, round(width))))
        scale = image.width / width
        inside = (
            int((x - 1) * scale),
            int((y - 1) * scale),
            int((x + side + 1) * scale) + 1,
            int((y + side + 1) * scale) + 1,
        )
        top_half = (inside[0], inside[1], inside[2], int((y + side / 2) * scale))
        total = red_pixels(image) - red_pixels(before)  # a form's own red is not ours
        assert total > 0.3 * (side * scale) ** 2, f"page {number}: seal missing"
        assert red_pixels(image, inside) >= total, f"page {number}: seal outside its box"
        assert red_pixels(image, top_half) > 0.8 * total, f"page {number}: seal not upright"

    if name == "signed-by-someone-else":
        assert "OtherPartySignature" in report
        first = report.split("Signature #")[1]
        assert "Signature is Valid" in first, "their signature still validates its revision"
        reader = PdfFileReader(io.BytesIO(finished), strict=False)
        theirs = reader.embedded_signatures[0]
        context = ValidationContext(trust_roots=[_others["root"]], allow_fetching=False)
        status = await async_validate_pdf_signature(theirs, context)
        assert status.intact and status.valid and status.trusted
