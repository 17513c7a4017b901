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
- PDFium adds characters of its own (a space where it sees a gap, line breaks) and skips text
  objects that print only a space: see ``textpage_to_chars``.
- A hyphen PDFium takes for a line-end hyphenation comes back as U+0002: it is the "-" printed.
- Boxes: pdfminer's glyph box runs from the font's descent line up one font size, and across the
  glyph's advance; PDFium's "loose" box also takes in the glyph's outline. ``bottom`` and ``top``
  are pdfminer's (from the character's origin and the font's descent), and ``x1`` is cut back to
  the next glyph's start (``trim_overhangs``).
- Font names: PDFium gives the BaseFont, for some fonts without pdfminer's subset tag
  ("GillSansMT-Bold" for "BCDEEE+GillSansMT-Bold"); every rule on font names reads the name after
  the tag (``font_family``, ``is_bold_font``).
- Memory: PDFium aborts the process when an allocation fails (pdfminer raises MemoryError, which
  the worker reports), so a PDF with a stream that inflates beyond
  ``PdfSettings.pdfium_max_stream_mb`` (a flate bomb) is left to pdfplumber.
"""
from __future__ import annotations

import bisect
import ctypes
import io
import re
import zlib
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import pypdfium2
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder, TableSettings
from pdfplumber.utils import crop_to_bbox

from extractors.readers.pdf_settings import PDF_SETTINGS
from extractors.readers.pdfium_paths import IDENTITY, Matrix, apply, compose, object_matrix, page_to_shapes
from extractors.readers.pdfium_words import extract_words


# A PDFium hyphen at a line end (FPDFText_IsHyphen) reads U+0002; the page prints "-".
PDFIUM_HYPHEN = 0x02
FONT_NAME_BUFFER = 256
STREAM_START_RE = re.compile(rb"stream\r?\n")
INFLATE_STEP = 1 << 20
# deflate's largest expansion: a length/distance pair of at least two bits gives at most 258 bytes
# (zlib's FAQ: "the limit is 1032:1"), so a shorter stream cannot inflate beyond a limit
DEFLATE_MAX_RATIO = 1032


class PdfiumUnsupported(ValueError):
    """A PDF this adapter does not read like pdfplumber would (a rotated page): read it with pdfplumber."""


# ---------------------------------------------------------------------------------------------
# characters


class Run(NamedTuple):
    """What every character of one text object shares (asked of PDFium once per object)."""

    fontname: str
    size: float        # pdfminer's size: the font size as drawn (times the text matrix)
    upright: bool
    axis: bool         # neither rotated nor skewed
    font: int | None   # PDFium's font (its address): glyph widths are cached by font
    descent: float     # from the baseline down to the font's descent line, as drawn (pt, < 0)


@dataclass
class TextObjects:
    """The page's text objects in content order: ``order`` and ``pointer`` by object address, and
    the order numbers and x of the blank ones (objects that print only spaces)."""

    order: dict[int, int]
    pointer: dict[int, object]
    blank_orders: list[int]
    blank_x: list[float]

    def blank_between(self, after: int, before: int) -> float | None:
        """The x of the first blank object after order ``after`` and before order ``before``."""
        i = bisect.bisect_right(self.blank_orders, after)
        return self.blank_x[i] if i < len(self.blank_orders) and self.blank_orders[i] < before else None


def unchecked(function, restype):
    """``function`` (a pypdfium2 binding) with no declared argument types: ctypes then passes an
    int as a C int and a ctypes object as itself instead of converting each argument to the
    declared type, ~4x faster per call. For the per-character calls, whose arguments are a
    ``c_void_p`` handle, an int index and ``byref`` outputs."""
    return ctypes.CFUNCTYPE(restype)(ctypes.cast(function, ctypes.c_void_p).value)


GET_UNICODE = unchecked(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint)
IS_GENERATED = unchecked(pdfium_c.FPDFText_IsGenerated, ctypes.c_int)
GET_CHAR_ORIGIN = unchecked(pdfium_c.FPDFText_GetCharOrigin, ctypes.c_int)
# the object's address as a plain int (pypdfium2's binding returns a ctypes pointer, which
# cannot be a dict key)
GET_TEXT_OBJECT = unchecked(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p)
GET_MATRIX = unchecked(pdfium_c.FPDFText_GetMatrix, ctypes.c_int)
GET_FONT_SIZE = unchecked(pdfium_c.FPDFText_GetFontSize, ctypes.c_double)
GET_LOOSE_CHAR_BOX = unchecked(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int)
GET_CHAR_BOX = unchecked(pdfium_c.FPDFText_GetCharBox, ctypes.c_int)
GET_FONT = unchecked(pdfium_c.FPDFTextObj_GetFont, ctypes.c_void_p)
# PDFium generates only spaces and line breaks (CPDF_TextPage::GenerateCharInfo and the spaces
# it inserts in a text object): only those are asked FPDFText_IsGenerated
GENERATED_CODES = frozenset((0x20, 0x0D, 0x0A))


def textpage_to_chars(textpage, objects: TextObjects, page_top: float, doctop: float) -> list[dict]:
    """Every character PDFium reads on the page, as pdfplumber's char dicts, in content order.

    Only the keys something reads are made (the reader, and pdfplumber's word grouping, crop and
    text-strategy tables: ``text``, font, size, ``upright``, box): with pdfminer's ``y0``, ``y1``,
    ``adv``, ``matrix``, ``object_type`` and ``page_number`` too, making the dicts took a third
    of this function's time.

    PDFium's own characters (``FPDFText_IsGenerated``: a space where it sees a gap, "\\r\\n" at a
    line end) are left out: pdfminer reports only what the page prints. PDFium skips a text
    object that prints only a space (its box has no width), which Word writes between a word and
    the next run ("SSA" | " " | "Total"); pdfminer reports that space, and a space splits words,
    so it is put back here.

    Most of a page's time is here, three PDFium calls per character (its code, its text object,
    its origin): what depends only on the text object (``Run``) or on the glyph is asked once."""
    raw = textpage.raw
    handle = ctypes.c_void_p(address(raw))
    x, y = ctypes.c_double(), ctypes.c_double()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    box = pdfium_c.FS_RECTF()
    box_ref = ctypes.byref(box)
    tight = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top
    tight_refs = [ctypes.byref(v) for v in tight]
    fonts: dict = {}
    overhangs: list[int] = []
    runs: dict[int, tuple[Run, dict]] = {}
    # glyph widths by (font, size), then by character code: shared by the runs of one font and size
    glyph_tables: dict[tuple[int, float], dict[int, tuple[float, bool]]] = {}
    chars: list[dict] = []
    last = -1
    previous = run = glyphs = None
    for index in range(pdfium_c.FPDFText_CountChars(raw)):
        code = GET_UNICODE(handle, index)
        if code in GENERATED_CODES and IS_GENERATED(handle, index):
            continue
        obj = GET_TEXT_OBJECT(handle, index)
        if obj is None or obj != previous:
            # a character of the object before it changes neither the order nor the run
            order = objects.order.get(obj, last)
            if order > last + 1 and chars and not chars[-1]["text"].isspace():
                blank_x = objects.blank_between(last, order)
                if blank_x is not None:
                    chars.append(blank_space(chars[-1], blank_x))
            last = max(last, order)
            if obj is None:
                run, glyphs = index_to_run(raw, handle, index, None, fonts), None
            else:
                cached = runs.get(obj)
                if cached is None:
                    run = index_to_run(raw, handle, index, obj if obj in objects.pointer else None, fonts)
                    glyphs = (glyph_tables.setdefault((run.font, run.size), {})
                              if run.axis and run.font is not None else None)
                    cached = runs[obj] = (run, glyphs)
                run, glyphs = cached
            previous = obj
        GET_CHAR_ORIGIN(handle, index, x_ref, y_ref)
        if glyphs is not None:
            # pdfminer's box: from the origin, one font size tall from the font's descent line,
            # as wide as the advance. PDFium's loose box also takes in the glyph's outline ("g"
            # hangs 0.01 pt lower, an italic "f" starts left of its origin and ends past its
            # advance); both depend only on the glyph, so PDFium is asked once per glyph and run
            glyph = glyphs.get(code)
            if glyph is None:
                glyph = glyphs[code] = index_to_glyph(handle, index, x.value, box, box_ref, tight, tight_refs)
            x0, y0 = x.value, y.value + run.descent
            x1, y1 = x0 + glyph[0], y0 + run.size
            if glyph[1]:
                overhangs.append(len(chars))
        else:
            GET_LOOSE_CHAR_BOX(handle, index, box_ref)
            x0, x1, y0, y1 = box.left, box.right, box.bottom, box.top
        top = page_top - y1
        width = x1 - x0
        chars.append({
            "text": "-" if code == PDFIUM_HYPHEN else chr(code), "fontname": run.fontname, "size": run.size,
            "upright": run.upright, "x0": x0, "x1": x1, "top": top,
            "bottom": page_top - y0, "doctop": doctop + top, "width": width,
            "height": y1 - y0,
        })
    return trim_overhangs(chars, overhangs)


def index_to_glyph(handle, index: int, origin_x: float, box, box_ref, tight: list, tight_refs: list) -> tuple[float, bool]:
    """The glyph's loose width from its origin, and whether its outline (not its advance) sets
    that width: then the advance is unknown, and ``trim_overhangs`` ends it at the next glyph."""
    GET_LOOSE_CHAR_BOX(handle, index, box_ref)
    GET_CHAR_BOX(handle, index, *tight_refs)
    return box.right - origin_x, tight[1].value >= box.right - 0.001


def index_to_run(raw, handle, index: int, obj: int | None, fonts: dict) -> Run:
    """The style of the character's text object ``obj`` (None when it is not among the page's
    objects), read off the character. A font's name and its descent at a size are asked once per
    page (``fonts``, by the font's address): many text objects share them."""
    m = pdfium_c.FS_MATRIX()
    GET_MATRIX(handle, index, ctypes.byref(m))
    font_size = GET_FONT_SIZE(handle, index)
    font = GET_FONT(ctypes.c_void_p(obj)) if obj is not None else None
    fontname = fonts.get(font) if font is not None else None
    if fontname is None:
        fontname = index_to_fontname(raw, index)
        if font is not None:
            fonts[font] = fontname
    descent = fonts.get((font, font_size)) if font is not None else 0.0
    if descent is None:
        descent = fonts[(font, font_size)] = font_descent(font, font_size)
    axis = m.b == 0 and m.c == 0
    return Run(
        fontname=fontname,
        size=font_size * abs(m.d) if axis else font_size,
        # pdfminer: upright when the glyph's x and y axes are neither flipped nor swapped
        upright=m.a * m.d > 0 and m.b * m.c <= 0,
        axis=axis,
        font=font,
        descent=descent * m.d,
    )


def index_to_fontname(raw, index: int) -> str:
    name, flags = ctypes.create_string_buffer(FONT_NAME_BUFFER), ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(raw, index, name, FONT_NAME_BUFFER, flags)
    return name.value.decode("utf-8", "replace")


def font_descent(font: int, font_size: float) -> float:
    """The font's descent at ``font_size`` (0 when PDFium has none)."""
    descent = ctypes.c_float()
    if not pdfium_c.FPDFFont_GetDescent(ctypes.cast(font, pdfium_c.FPDF_FONT), font_size, descent):
        return 0.0
    return descent.value


def trim_overhangs(chars: list[dict], overhangs: list[int]) -> list[dict]:
    """End a glyph whose outline reaches past its advance where the next one on its line starts.

    PDFium's loose box ends at the glyph's advance (pdfminer's ``x1``) or at the right of its
    outline, whichever is further; where the outline is further (an "f" by ~1 pt, "t" and "r"
    by ~0.3 pt), the advance ends where the next glyph, or the space after the word, starts."""
    for i in overhangs:
        if i + 1 >= len(chars):
            continue
        char, after = chars[i], chars[i + 1]
        if char["x0"] <= after["x0"] < char["x1"] and abs(after["top"] - char["top"]) < 0.5:
            char["x1"] = after["x0"]
            char["width"] = char["x1"] - char["x0"]
    return chars


def blank_space(before: dict, x: float) -> dict:
    """The space a blank text object prints after ``before``: on its line, in its font, no width."""
    return {**before, "text": " ", "x0": x, "x1": x, "width": 0.0}


def address(obj) -> int | None:
    return ctypes.cast(obj, ctypes.c_void_p).value


def page_to_text_objects(page) -> TextObjects:
    """The text objects of the page (and of its form XObjects) in content order."""
    objects = TextObjects({}, {}, [], [])
    raw = page.raw
    top_level = [pdfium_c.FPDFPage_GetObject(raw, i) for i in range(pdfium_c.FPDFPage_CountObjects(raw))]
    collect_text_objects(top_level, IDENTITY, objects)
    return objects


def collect_text_objects(page_objects, outer: Matrix, objects: TextObjects) -> None:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for obj in page_objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            number = len(objects.order)
            key = address(obj)
            objects.order[key] = number
            objects.pointer[key] = obj
            pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
            if right.value - left.value < 0.01:  # what PDFium's text page skips
                objects.blank_orders.append(number)
                objects.blank_x.append(apply(outer, left.value, bottom.value)[0])
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            inner = [pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(pdfium_c.FPDFFormObj_CountObjects(obj))]
            collect_text_objects(inner, compose(object_matrix(obj), outer), objects)


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
