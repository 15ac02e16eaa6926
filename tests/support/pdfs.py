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
