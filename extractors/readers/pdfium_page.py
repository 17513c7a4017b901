"""PDF pages read by pypdfium2 that look like pdfplumber's pages to the PDF reader.

pdfplumber (pdfminer) interprets every content stream in Python; on CRS reports ``extract_words``
was ~75% of a run. PDFium does the same in C. This module asks PDFium for each character (text,
box, size, font) and for the painted paths, and turns them into the dicts pdfplumber would give
(the keys anything reads), in pdfplumber's coordinates (origin at the top left of the MediaBox,
``top`` downwards). Words are then grouped as pdfplumber's ``WordExtractor`` groups them
(``pdfium_words``, checked against it by tests/test_pdfium_page.py) and tables found by
pdfplumber's own ``TableFinder``, so the rules that decide what a word or a text-strategy table
is do not fork.

What differs from pdfminer, and how it is undone:
- Characters (PDFium's own spaces and line breaks, its hyphen, glyph boxes): ``pdfium_chars``.
- Font names: PDFium gives the BaseFont, for some fonts without pdfminer's subset tag
  ("GillSansMT-Bold" for "BCDEEE+GillSansMT-Bold"); every rule on font names reads the name after
  the tag (``font_family``, ``is_bold_font``).
- Memory: PDFium aborts the process when an allocation fails (pdfminer raises MemoryError, which
  the worker reports), so a PDF with a stream that inflates beyond
  ``PdfSettings.pdfium_max_stream_mb`` (a flate bomb) is left to pdfplumber.
"""
from __future__ import annotations

import io
import re
import zlib
from functools import cached_property

import pypdfium2
from pdfplumber.table import TableFinder, TableSettings
from pdfplumber.utils import crop_to_bbox

from extractors.readers.pdf_settings import PDF_SETTINGS
from extractors.readers.pdfium_chars import page_to_text_objects, textpage_to_chars
from extractors.readers.pdfium_paths import page_to_shapes
from extractors.readers.pdfium_words import extract_words


STREAM_START_RE = re.compile(rb"stream\r?\n")
INFLATE_STEP = 1 << 20
# deflate's largest expansion: a length/distance pair of at least two bits gives at most 258 bytes
# (zlib's FAQ: "the limit is 1032:1"), so a shorter stream cannot inflate beyond a limit
DEFLATE_MAX_RATIO = 1032


class PdfiumUnsupported(ValueError):
    """A PDF this adapter does not read like pdfplumber would (a rotated page): read it with pdfplumber."""


# ---------------------------------------------------------------------------------------------
# page and document objects


class CroppedChars:
    """``page.crop(bbox)`` for what the reader does with it: pdfplumber's text-strategy TableFinder."""

    def __init__(self, chars: list[dict], bbox: tuple[float, float, float, float]):
        self.bbox = bbox
        self.chars = crop_to_bbox(chars, bbox)

    def extract_words(self, **kwargs) -> list[dict]:
        return extract_words(self.chars, **kwargs)

    def find_tables(self, table_settings: dict | None = None):
        return TableFinder(self, TableSettings.resolve(table_settings)).tables


class PdfiumPage:
    """The part of ``pdfplumber.Page`` the PDF reader uses, read by PDFium.

    The page is loaded when first asked for (pdfplumber's pages are lazy too: a 300-page report
    would otherwise hold every parsed page at once)."""

    def __init__(self, document: pypdfium2.PdfDocument, index: int, doctop: float):
        self._document = document
        self.page_number = index + 1
        self._doctop = doctop

    @cached_property
    def _page(self) -> pypdfium2.PdfPage:
        page = self._document[self.page_number - 1]
        if page.get_rotation():
            # pdfplumber turns a rotated page's coordinates; this adapter does not
            page.close()
            raise PdfiumUnsupported(f"page {self.page_number} is rotated")
        return page

    @cached_property
    def _mediabox(self) -> tuple[float, float, float, float]:
        return self._page.get_mediabox()

    @property
    def width(self) -> float:
        left, _, right, _ = self._mediabox
        return right - left

    @property
    def height(self) -> float:
        _, bottom, _, top = self._mediabox
        return top - bottom

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        left, _, right, _ = self._mediabox
        return (left, 0.0, right, self.height)

    @cached_property
    def chars(self) -> list[dict]:
        textpage = self._page.get_textpage()
        try:
            return textpage_to_chars(textpage, page_to_text_objects(self._page), self._mediabox[3], self._doctop)
        finally:
            textpage.close()

    @cached_property
    def _shapes(self) -> dict[str, list[dict]]:
        return page_to_shapes(self._page, self._mediabox[3])

    @property
    def rects(self) -> list[dict]:
        return self._shapes["rect"]

    @property
    def lines(self) -> list[dict]:
        return self._shapes["line"]

    def extract_words(self, **kwargs) -> list[dict]:
        return extract_words(self.chars, **kwargs)

    def crop(self, bbox: tuple[float, float, float, float]) -> CroppedChars:
        return CroppedChars(self.chars, bbox)

    def close(self) -> None:
        """Drop the page's objects (memory stays flat on long reports, as with pdfplumber)."""
        self.__dict__.pop("chars", None)
        self.__dict__.pop("_shapes", None)
        page = self.__dict__.pop("_page", None)
        if page is not None:
            page.close()


class PdfiumPdf:
    """``pdfplumber.open(...)`` for the PDF reader: ``.pages`` and a context manager.

    A rotated page raises PdfiumUnsupported when it is first read (see ``read_pdf``)."""

    def __init__(self, data: bytes):
        if inflates_beyond(data, PDF_SETTINGS.pdfium_max_stream_mb << 20):
            raise PdfiumUnsupported("a stream inflates beyond PdfSettings.pdfium_max_stream_mb")
        self._document = pypdfium2.PdfDocument(data)
        self.pages: list[PdfiumPage] = []
        doctop = 0.0
        for index in range(len(self._document)):
            self.pages.append(PdfiumPage(self._document, index, doctop))
            doctop += self._document.get_page_size(index)[1]  # without loading the page

    def __enter__(self) -> "PdfiumPdf":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for page in self.pages:
            page.close()
        self._document.close()


def inflates_beyond(data: bytes, limit: int) -> bool:
    """Whether any flate stream of the file inflates to more than ``limit`` bytes, counted a
    step at a time (never holding more than a step): ~5 ms for a CRS report, ~0.1 s for a bomb.
    A stream too short to inflate beyond ``limit`` at deflate's largest ratio is not inflated."""
    for match in STREAM_START_RE.finditer(data):
        end = data.find(b"endstream", match.end())
        end = end if end >= 0 else len(data)
        if (end - match.end()) * DEFLATE_MAX_RATIO <= limit:
            continue
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(data[match.end():end], INFLATE_STEP)
            total = len(out)
            while inflater.unconsumed_tail and out and total <= limit:
                out = inflater.decompress(inflater.unconsumed_tail, INFLATE_STEP)
                total += len(out)
        except zlib.error:
            continue  # not a flate stream (or not one zlib reads): PDFium decides
        if total > limit:
            return True
    return False


def open_pdf(data: bytes, char_source: str):
    """The opened PDF for ``pdf_to_document``: PDFium's pages, or pdfplumber's (the reference).

    A PDF PDFium cannot load, or one that would exhaust memory, is opened by pdfplumber: a
    damaged file then fails with pdfminer's reason, as before PDFium read any page."""
    import pdfplumber

    if char_source == "pdfium":
        try:
            return PdfiumPdf(data)
        except (PdfiumUnsupported, pypdfium2.PdfiumError):
            pass
    return pdfplumber.open(io.BytesIO(data))


def read_pdf(data: bytes, char_source: str, read):
    """``read(opened_pdf)`` on the PDF opened by ``open_pdf``; again on pdfplumber's pages when a
    page turns out to be one PDFium's pages do not read like pdfplumber's (a rotated page) or
    one PDFium cannot load (pdfminer, the reference, then reads it or says why not)."""
    try:
        with open_pdf(data, char_source) as pdf:
            return read(pdf)
    except (PdfiumUnsupported, pypdfium2.PdfiumError):
        with open_pdf(data, "pdfplumber") as pdf:
            return read(pdf)
