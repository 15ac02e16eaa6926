"""The audit certificate alone, cut from a finished PDF (D5).

Finishing appends the certificate's pages after the original's in one incremental update,
so the pages past the original's count are exactly the certificate the signed file holds.
"""

from io import BytesIO

from pypdf import PdfReader, PdfWriter


def certificate_pages(finished: bytes, original_pages: int) -> bytes:
    reader = PdfReader(BytesIO(finished))
    writer = PdfWriter()
    for page in reader.pages[original_pages:]:
        writer.add_page(page)
    writer.add_metadata({"/Title": "監査証明書 (Audit certificate)", "/Producer": "Shomei"})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
