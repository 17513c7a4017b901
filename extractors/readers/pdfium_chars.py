"""A PDF page's characters read by PDFium (pypdfium2), as pdfplumber's char dicts.

What differs from pdfminer, and how it is undone (see also ``pdfium_page``):
- PDFium adds characters of its own (a space where it sees a gap, line breaks) and skips text
  objects that print only a space: see ``textpage_to_chars``.
- A hyphen PDFium takes for a line-end hyphenation comes back as U+0002: it is the "-" printed.
- Boxes: pdfminer's glyph box runs from the font's descent line up one font size, and across the
  glyph's advance; PDFium's "loose" box also takes in the glyph's outline. ``bottom`` and ``top``
  are pdfminer's (from the character's origin and the font's descent), and ``x1`` is cut back to
  the next glyph's start (``trim_overhangs``).

Speed: a page's characters are most of what a page costs, so the calls made per character go to
PDFium without ctypes' argument conversion (``unchecked``), and what depends only on the text
object, the font or the glyph is asked once.
"""
from __future__ import annotations

import bisect
import ctypes
from dataclasses import dataclass
from typing import NamedTuple

import pypdfium2.raw as pdfium_c

from extractors.readers.pdfium_paths import IDENTITY, Matrix, apply, compose, object_matrix


# A PDFium hyphen at a line end (FPDFText_IsHyphen) reads U+0002; the page prints "-".
PDFIUM_HYPHEN = 0x02
FONT_NAME_BUFFER = 256


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
    """The page's text objects in content order: ``order`` by object address, and the order
    numbers and x of the blank ones (objects that print only spaces)."""

    order: dict[int, int]
    blank_orders: list[int]
    blank_x: list[float]

    def blank_between(self, after: int, before: int) -> float | None:
        """The x of the first blank object after order ``after`` and before order ``before``."""
        i = bisect.bisect_right(self.blank_orders, after)
        return self.blank_x[i] if i < len(self.blank_orders) and self.blank_orders[i] < before else None


def unchecked(function, restype):
    """``function`` (a pypdfium2 binding) with no declared argument types: ctypes then passes an
    int as a C int and a ctypes object as itself instead of converting each argument to the
    declared type, ~4x faster per call. For the calls made per character or per page object,
    whose arguments are a ``c_void_p`` handle, an int index (C ``int`` parameters only) and
    ``byref`` outputs."""
    return ctypes.CFUNCTYPE(restype)(ctypes.cast(function, ctypes.c_void_p).value)


GET_UNICODE = unchecked(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint)
GET_TEXT = unchecked(pdfium_c.FPDFText_GetText, ctypes.c_int)
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
GET_PAGE_OBJECT = unchecked(pdfium_c.FPDFPage_GetObject, ctypes.c_void_p)
GET_OBJECT_TYPE = unchecked(pdfium_c.FPDFPageObj_GetType, ctypes.c_int)
GET_BOUNDS = unchecked(pdfium_c.FPDFPageObj_GetBounds, ctypes.c_int)
# PDFium generates only spaces and line breaks (CPDF_TextPage::GenerateCharInfo and the spaces
# it inserts in a text object): only those are asked FPDFText_IsGenerated
GENERATED_CODES = frozenset((0x20, 0x0D, 0x0A))
# what PDFium's page text holds for a character without a code of its own (0) or for its line-end
# hyphen (U+0002): FPDFText_GetUnicode says which
TEXT_HOLE = "\ufffe"


def textpage_to_codes(handle, count: int) -> list[int]:
    """Every character's ``FPDFText_GetUnicode``, from one ``FPDFText_GetText`` call when the
    page's text has one UTF-16 unit per character (then unit i is character i's code: PDFium's
    text buffer is built alongside its character list). It has fewer when PDFium leaves
    characters out of the text (control codes, characters without a code) and more for a
    character beyond the BMP (a surrogate pair): then each character is asked."""
    # twice the room: some PDFium versions write surrogate pairs past a buffer of count + 1
    buffer = (ctypes.c_ushort * (2 * count + 2))()
    written = GET_TEXT(handle, 0, count, buffer) if count else 0  # units, with the closing NUL
    if written == count + 1:
        try:
            text = ctypes.string_at(buffer, 2 * count).decode("utf-16-le")
        except UnicodeDecodeError:  # a lone surrogate
            text = ""
        if len(text) == count:
            codes = buffer[:count]
            index = text.find(TEXT_HOLE)
            while index >= 0:
                codes[index] = GET_UNICODE(handle, index)
                index = text.find(TEXT_HOLE, index + 1)
            return codes
    return [GET_UNICODE(handle, index) for index in range(count)]


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

    Most of a page's time is here, two PDFium calls per character (its text object, its origin;
    the codes come in one call): what depends only on the text object (``Run``), the font or the
    glyph is asked once."""
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
    for index, code in enumerate(textpage_to_codes(handle, pdfium_c.FPDFText_CountChars(raw))):
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
                    run = index_to_run(raw, handle, index, obj if obj in objects.order else None, fonts)
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
    objects = TextObjects({}, [], [])
    handle = ctypes.c_void_p(address(page.raw))
    top_level = [GET_PAGE_OBJECT(handle, i) for i in range(pdfium_c.FPDFPage_CountObjects(page.raw))]
    collect_text_objects(top_level, IDENTITY, objects)
    return objects


def collect_text_objects(page_objects: list[int | None], outer: Matrix, objects: TextObjects) -> None:
    """Number the text objects among ``page_objects`` (addresses) and note the blank ones."""
    bounds = [ctypes.c_float() for _ in range(4)]  # left, bottom, right, top
    bounds_refs = [ctypes.byref(v) for v in bounds]
    for obj in page_objects:
        pointer = ctypes.c_void_p(obj)
        kind = GET_OBJECT_TYPE(pointer)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            number = len(objects.order)
            objects.order[obj] = number
            GET_BOUNDS(pointer, *bounds_refs)
            left, bottom, right, _ = (v.value for v in bounds)
            if right - left < 0.01:  # what PDFium's text page skips
                objects.blank_orders.append(number)
                objects.blank_x.append(apply(outer, left, bottom)[0])
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            form = ctypes.cast(obj, pdfium_c.FPDF_PAGEOBJECT)
            inner = [address(pdfium_c.FPDFFormObj_GetObject(form, i)) for i in range(pdfium_c.FPDFFormObj_CountObjects(form))]
            collect_text_objects(inner, compose(object_matrix(form), outer), objects)
