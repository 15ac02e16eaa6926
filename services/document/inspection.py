"""Validate an uploaded PDF before anything else touches it (S3).

Uploads come from anyone holding an API key, so the bytes are hostile until proven
otherwise: whatever goes wrong inside pypdf or pdfium must become an `InvalidPdf` with a
stable code (and parameters) the gateway maps to a 4xx and a message a Japanese agency
user can act on, never a 500. A document passes only if both engines we later use on it
agree: pypdf (stamping) and pdfium (previews); otherwise the failure would surface later,
in the middle of a signing workflow, instead of at upload.

Active content (JavaScript, launch actions) and embedded files are refused: the finished
PDF goes to every party with our signature on it, and we must not vouch for a payload.
"""

import hashlib
import io
import logging
import math
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from .geometry import PageGeometry
from .rendering import PDFIUM_LOCK

MAX_PAGE_SIDE = 5000.0
"""Points (≈ 1.76 m): beyond JIS B0; a larger page is a drawing, not a contract."""
MIN_PAGE_SIDE = 144.0
"""Points (2 inches): a smaller page leaves no room for a seal and a signature line."""
MAX_IMAGE_PIXELS = 60_000_000
"""An image declaring more pixels would take gigabytes to render: a bomb."""
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/Rendition"}

CODES = frozenset(
    {
        "not_pdf",
        "unreadable",
        "encrypted",
        "no_pages",
        "too_many_pages",
        "page_too_large",
        "page_too_small",
        "bad_rotation",
        "decompression_bomb",
        "javascript",
        "embedded_files",
    }
)
"""Every refusal of an upload; each is a `RefusalCode` the gateway words for people."""


class InvalidPdf(ValueError):
    """An upload we refuse: `code` (one of `CODES`) and `params` are stable for clients."""

    def __init__(self, code: str, **params: int) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}" if params else code)


@dataclass(frozen=True, slots=True)
class PdfInfo:
    """What the document service records about an accepted upload."""

    page_count: int
    pages: tuple[PageGeometry, ...]
    sha256: str
    size: int
    signed: bool = False
    """Someone already signed it: our changes are incremental, their signature survives."""
    certified: bool = False
    """A certification signature (DocMDP) forbids adding pages: theirs will then report
    changes it does not allow, which the sender is told at upload."""


def inspect_pdf(data: bytes, max_pages: int) -> PdfInfo:
    """Accept or refuse `data`; raises only `InvalidPdf`. Thread-safe."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidPdf("not_pdf")
    data = bytes(data)
    # Viewers accept junk before the header within the first KiB; so do we, no further.
    if b"%PDF-" not in data[:1024]:
        raise InvalidPdf("not_pdf")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        pages, signed, certified = _read_with_pypdf(data, max_pages)
    except InvalidPdf:
        raise
    except LimitReachedError:
        raise InvalidPdf("decompression_bomb") from None
    except Exception as exc:  # hostile input: any other pypdf failure means unreadable
        _log_refusal(exc)
        raise InvalidPdf("unreadable") from None
    _check_with_pdfium(data, len(pages))
    return PdfInfo(
        page_count=len(pages),
        pages=pages,
        sha256=sha256,
        size=len(data),
        signed=signed,
        certified=certified,
    )


def _read_with_pypdf(data: bytes, max_pages: int) -> tuple[tuple[PageGeometry, ...], bool, bool]:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise InvalidPdf("encrypted")
    count = len(reader.pages)
    if count == 0:
        raise InvalidPdf("no_pages")
    if count > max_pages:
        raise InvalidPdf("too_many_pages", pages=count, max_pages=max_pages)
    catalog = reader.trailer["/Root"].get_object()
    _check_catalog(catalog)
    pages = tuple(_page_geometry(reader, index) for index in range(count))
    perms = _dict(catalog.get("/Perms"))
    return pages, _has_signature(catalog), perms is not None and "/DocMDP" in perms


def _check_catalog(catalog: DictionaryObject) -> None:
    if _is_active(catalog.get("/OpenAction")) or _has_active_aa(catalog):
        raise InvalidPdf("javascript")
    names = _dict(catalog.get("/Names"))
    if names is not None:
        if _name_tree_has_entries(names.get("/JavaScript")):
            raise InvalidPdf("javascript")
        if _name_tree_has_entries(names.get("/EmbeddedFiles")):
            raise InvalidPdf("embedded_files")
    form = _dict(catalog.get("/AcroForm"))
    if form is not None:
        for field in _array(form.get("/Fields"))[:5000]:
            field = _dict(field)
            if field is not None and (_has_active_aa(field) or _is_active(field.get("/A"))):
                raise InvalidPdf("javascript")


def _page_geometry(reader: PdfReader, index: int) -> PageGeometry:
    page = reader.pages[index]
    box = page.cropbox
    left, bottom, right, top = (float(v) for v in (box.left, box.bottom, box.right, box.top))
    if not all(math.isfinite(v) for v in (left, bottom, right, top)):
        raise InvalidPdf("unreadable")
    rotation = int(page.rotation or 0)  # pypdf resolves a /Rotate inherited from /Pages
    if rotation % 90:
        raise InvalidPdf("bad_rotation", page=index + 1)
    geometry = PageGeometry.of_box(
        (min(left, right), min(bottom, top), max(left, right), max(bottom, top)), rotation
    )
    sides = (geometry.width, geometry.height)
    size = {"page": index + 1, "width": round(sides[0]), "height": round(sides[1])}
    if max(sides) > MAX_PAGE_SIDE:
        raise InvalidPdf("page_too_large", **size, limit=int(MAX_PAGE_SIDE))
    if min(sides) < MIN_PAGE_SIDE:
        raise InvalidPdf("page_too_small", **size, limit=int(MIN_PAGE_SIDE))
    if _has_active_aa(page):
        raise InvalidPdf("javascript")
    for annotation in _array(page.get("/Annots"))[:5000]:
        annotation = _dict(annotation)
        if annotation is None:
            continue
        if annotation.get("/Subtype") == "/FileAttachment":
            raise InvalidPdf("embedded_files")
        if _is_active(annotation.get("/A")) or _has_active_aa(annotation):
            raise InvalidPdf("javascript")
    _check_images(page)
    # Decode the content stream: a truncated file "repaired" by pypdf fails here, and a
    # bomb raises LimitReachedError.
    page.get_contents()
    return geometry


def _check_images(page: Any) -> None:
    resources = _dict(page.get("/Resources"))
    xobjects = _dict(resources.get("/XObject")) if resources is not None else None
    if xobjects is None:
        return
    for value in list(xobjects.values())[:1000]:
        xobject = _dict(value)
        if xobject is None or xobject.get("/Subtype") != "/Image":
            continue
        width, height = xobject.get("/Width", 0), xobject.get("/Height", 0)
        if isinstance(width, int | float) and isinstance(height, int | float):
            if width * height > MAX_IMAGE_PIXELS:
                raise InvalidPdf("decompression_bomb")


def _is_active(action: object, depth: int = 0) -> bool:
    """An action (or a chain of them through /Next) that runs code or opens something."""
    action = _dict(action)
    if action is None or depth > 20:
        return False
    if action.get("/S") in ACTIVE_ACTIONS or "/JS" in action:
        return True
    follow = action.get("/Next")
    chain = _array(follow) if isinstance(_resolve(follow), ArrayObject) else [follow]
    return any(_is_active(item, depth + 1) for item in chain if item is not None)


def _has_active_aa(holder: DictionaryObject) -> bool:
    triggers = _dict(holder.get("/AA"))
    return triggers is not None and any(_is_active(v) for v in triggers.values())


def _name_tree_has_entries(tree: object, depth: int = 0) -> bool:
    node = _dict(tree)
    if node is None or depth > 20:
        return False
    if _array(node.get("/Names")):
        return True
    return any(_name_tree_has_entries(kid, depth + 1) for kid in _array(node.get("/Kids")))


def _has_signature(catalog: DictionaryObject) -> bool:
    form = _dict(catalog.get("/AcroForm"))
    if form is None:
        return False
    for field in _array(form.get("/Fields"))[:5000]:
        field = _dict(field)
        if field is not None and field.get("/FT") == "/Sig" and "/V" in field:
            return True
    return False


def _resolve(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _dict(value: object) -> DictionaryObject | None:
    value = _resolve(value)
    return value if isinstance(value, DictionaryObject) else None


def _array(value: object) -> list:
    value = _resolve(value)
    return list(value) if isinstance(value, ArrayObject) else []


def _check_with_pdfium(data: bytes, expected_pages: int) -> None:
    """pdfium renders the previews: it must open the file and see the same pages."""
    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(data)
            try:
                count = len(document)
            finally:
                document.close()
    except Exception as exc:
        _log_refusal(exc)
        raise InvalidPdf("unreadable") from None
    if count != expected_pages:
        raise InvalidPdf("unreadable")


def _log_refusal(exc: BaseException) -> None:
    logging.getLogger(__name__).info("PDF refused: %s: %s", type(exc).__name__, exc)
