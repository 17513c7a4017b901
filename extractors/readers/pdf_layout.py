"""Page geometry for the PDF reader: words -> lines -> reading order.

Pure functions over the word dicts ``pdfplumber.Page.extract_words(extra_attrs=["size", "fontname"])``
returns (``text, x0, x1, top, bottom, size, fontname``). No pdfplumber import here, so the layout
logic can be tested and reasoned about without opening a PDF.

Vocabulary: a *row* is every word sharing a baseline across the whole page; a *line* is a run of a
row without a wide horizontal gap (so the two columns of an In Focus page, or two author names side
by side, become separate lines); reading order puts lines column by column inside horizontal bands
separated by full-width lines.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache

from extractors.readers.pdf_settings import PDF_SETTINGS

# a bullet or list number set at a tab stop before its item text ("•", "1.", "a.", "(2)")
LIST_MARKER = re.compile(r"^(?:[•\u2022\uf0b7\uf0a7▪◦–-]|\(?(?:\d{1,2}|[a-z])[.)])$")
_DIGITS = re.compile(r"^\d{1,3}(?:,\d{1,3})*$")
_ORDINAL_SUFFIX = re.compile(r"^(?:st|nd|rd|th|d)$")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float            # dominant font size (by characters)
    bold: bool             # most characters in a bold face
    fontname: str          # dominant font name
    page: int
    # footnote numbers whose superscript markers were removed from ``text``
    refs: tuple[str, ...] = ()
    # footnote number printed as a small raised number at the start of the line (footnote text)
    lead_marker: str | None = None
    # characters in a bold face at the start of the line (run-in headings, author names)
    bold_prefix: str = ""
    column: int = 0        # 0 full width or single column, 1 left, 2 right
    words: list[dict] = field(default_factory=list, repr=False)


BOLD_FONT_RE = re.compile(r"bold|black|demi|heavy", re.I)


@lru_cache(maxsize=1024)
def is_bold_font(fontname: str) -> bool:
    # asked for every word of every line, of a handful of font names per document
    return bool(BOLD_FONT_RE.search(fontname))


def merge_drop_caps(words: list[dict]) -> list[dict]:
    """Glue a drop capital ("C" at 49 pt) onto the word printed right after it ("ongressional")."""
    if not words:
        return words
    sizes = Counter(round(w["size"], 1) for w in words)
    body = sizes.most_common(1)[0][0]
    drops = [w for w in words if len(w["text"]) == 1 and w["text"].isalpha() and w["size"] > PDF_SETTINGS.drop_cap_ratio * body]
    if not drops:
        return words
    out = [w for w in words if w not in drops]
    for drop in drops:
        beside = [i for i, w in enumerate(out)
                  if abs(w["x0"] - drop["x1"]) < PDF_SETTINGS.drop_cap_gap
                  and drop["top"] - PDF_SETTINGS.drop_cap_top_slack <= w["top"] <= drop["bottom"]]
        if not beside:
            continue
        first = min(beside, key=lambda i: out[i]["top"])
        for i in beside:
            # the lines wrapped around the drop cap are indented only because of it
            out[i] = {**out[i], "x0": drop["x0"]}
        out[first] = {**out[first], "text": drop["text"] + out[first]["text"]}
    return out


@dataclass
class Row:
    """Words on one baseline while ``words_to_rows`` collects them: the band of its largest type
    (``top``, ``bottom``, ``size``) and, by word size, the running character count and band of its
    words of about that size (``same_size``: [chars, top, bottom]), kept up to date as words join
    instead of recounted for every word that asks."""

    top: float
    bottom: float
    size: float
    words: list[dict]
    same_size: dict[float, list] = field(default_factory=dict)


def same_size_band(words: list[dict], size: float) -> list:
    """[characters, top, bottom] of the words within ``PdfSettings.same_size`` of ``size``."""
    band: list = [0, None, None]
    for w in words:
        add_to_band(band, w, size)
    return band


def add_to_band(band: list, w: dict, size: float) -> None:
    # the first of equal tops (bottoms) is kept, as min() and max() do
    if abs(w["size"] - size) < PDF_SETTINGS.same_size:
        band[0] += len(w["text"])
        if band[1] is None or w["top"] < band[1]:
            band[1] = w["top"]
        if band[2] is None or w["bottom"] > band[2]:
            band[2] = w["bottom"]


def row_band_for(row: Row, word: dict) -> tuple[float, float]:
    """The band a word must fall in to join ``row``: that of the row's words of its own size when
    there are any (IF13131 page 2: a 12.5 pt heading in the right column once widened a 10 pt row
    of the left column until the next 10 pt line joined it, interleaving the two lines word by
    word), else the row's band (a superscript joins the body line it is raised on)."""
    band = row.same_size.get(word["size"])
    if band is None:
        band = row.same_size[word["size"]] = same_size_band(row.words, word["size"])
    if band[0] < PDF_SETTINGS.same_size_line_chars:
        # a footnote marker ("35") is no line of its own size: a subscript ("CO2", R48906) of
        # the same small size still joins the body line
        return row.top, row.bottom
    return band[1], band[2]


def add_to_row(row: Row, w: dict) -> None:
    row.words.append(w)
    for size, band in row.same_size.items():
        add_to_band(band, w, size)
    if w["size"] > row.size + PDF_SETTINGS.row_size_step:
        row.top, row.bottom, row.size = w["top"], w["bottom"], w["size"]


def words_to_rows(words: list[dict]) -> list[list[dict]]:
    """Group words whose vertical middle falls inside a row's body-text band.

    The band is set by the row's largest words, so a raised superscript joins the row it belongs to
    instead of starting its own row (which would put footnote markers on separate lines).
    """
    rows: list[Row] = []
    slack = PDF_SETTINGS.row_band_slack
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        mid = (w["top"] + w["bottom"]) / 2
        target = None
        for row in reversed(rows[-6:]):
            top, bottom = row_band_for(row, w)
            if top - slack <= mid <= bottom + slack:
                target = row
                break
        if target is None:
            rows.append(Row(w["top"], w["bottom"], w["size"], [w]))
        else:
            add_to_row(target, w)
    return [sorted(r.words, key=lambda w: w["x0"]) for r in rows]


def row_to_line_words(row: list[dict], gap: float = PDF_SETTINGS.line_gap) -> list[list[dict]]:
    """Split one row at wide horizontal gaps (column gutter, side-by-side names)."""
    parts: list[list[dict]] = [[row[0]]]
    for prev, w in zip(row, row[1:]):
        hanging_marker = len(parts[-1]) == 1 and LIST_MARKER.match(prev["text"]) and w["x0"] - prev["x1"] < PDF_SETTINGS.list_marker_gap
        if w["x0"] - prev["x1"] > gap and not hanging_marker:
            parts.append([w])
        else:
            parts[-1].append(w)
    return parts


def _dominant(words: list[dict], key: str):
    """The value of ``key`` (size to 0.1 pt) that most characters have; the first of equals."""
    counts: dict = {}
    for w in words:
        value = w[key] if key != "size" else round(w[key], 1)
        counts[value] = counts.get(value, 0) + len(w["text"])
    return max(counts, key=counts.__getitem__)


def line_words_to_line(words: list[dict], page: int) -> Line:
    """Build a Line: drop superscript footnote markers into ``refs``, glue ordinal suffixes."""
    body_size = max([w["size"] for w in words])
    small_size = body_size * PDF_SETTINGS.superscript_ratio
    body_words = [w for w in words if w["size"] > small_size] or words
    raised = max([w["bottom"] for w in body_words]) - PDF_SETTINGS.superscript_rise
    lead_marker = None
    refs: list[str] = []
    texts: list[str] = []
    kept: list[dict] = []
    for w in words:
        small = w["size"] <= small_size and w["bottom"] < raised
        if small and _DIGITS.match(w["text"]):
            if not kept:
                lead_marker = w["text"]
            else:
                refs.extend(p for p in w["text"].split(",") if p)
            continue
        if small and _ORDINAL_SUFFIX.match(w["text"]) and texts and texts[-1][-1:].isdigit():
            texts[-1] += w["text"]
            continue
        if kept and texts and w["x0"] - kept[-1]["x1"] < PDF_SETTINGS.touching_gap and (
                w["text"][0] in ",.;:)]”’" or texts[-1][-1] in "([“‘"):
            # pdfplumber splits a word where the font changes (italic title, link, bold name):
            # punctuation touching it belongs to it, "Villarreal" + "," -> "Villarreal,"
            texts[-1] += w["text"]
        else:
            texts.append(w["text"])
        kept.append(w)
    if not kept:  # a line made only of small text (e.g. a footnote number alone)
        kept = words
        texts = [w["text"] for w in words]
        lead_marker = None
    bold = [is_bold_font(w["fontname"]) for w in kept]
    bold_chars = sum([len(w["text"]) for w, b in zip(kept, bold) if b])
    total_chars = sum([len(w["text"]) for w in kept]) or 1
    prefix_chars = 0
    for w, b in zip(kept, bold):
        if not b:
            break
        prefix_chars += len(w["text"]) + 1
    text = " ".join(texts)
    return Line(
        text=text,
        x0=min([w["x0"] for w in kept]),
        x1=max([w["x1"] for w in kept]),
        top=min([w["top"] for w in kept]),
        bottom=max([w["bottom"] for w in kept]),
        size=_dominant(kept, "size"),
        bold=bold_chars / total_chars > PDF_SETTINGS.bold_share,
        fontname=_dominant(kept, "fontname"),
        page=page,
        refs=tuple(refs),
        lead_marker=lead_marker,
        bold_prefix=_text_prefix(text, prefix_chars),
        words=kept,
    )


def _text_prefix(text: str, chars: int) -> str:
    """The start of ``text`` covering about ``chars`` characters of words, cut at a word end."""
    if chars <= 0:
        return ""
    cut = text[:chars].rstrip()
    if len(cut) < len(text) and not text[len(cut):len(cut) + 1].isspace():
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cut


def words_to_lines(words: list[dict], page: int) -> list[Line]:
    words = merge_drop_caps([w for w in words if w["text"].strip()])
    lines = []
    for row in words_to_rows(words):
        for part in row_to_line_words(row):
            lines.append(line_words_to_line(part, page))
    return lines


def two_column_gutter(lines: list[Line], page_width: float) -> float | None:
    """The x of the gutter when the page is set in two columns (In Focus), else None.

    Two-column means many wide lines start just right of the page middle and many end left of it.
    """
    mid = page_width / 2
    # prose lines nearly fill a column (~240 pt on a letter page); table cells are narrower
    wide = page_width * PDF_SETTINGS.column_line_width_ratio
    right_starts = [ln for ln in lines if ln.x1 - ln.x0 > wide
                    and mid - PDF_SETTINGS.right_column_before <= ln.x0 <= mid + PDF_SETTINGS.right_column_after]
    left_only = [ln for ln in lines if ln.x1 - ln.x0 > wide
                 and ln.x0 < mid - PDF_SETTINGS.left_column_indent and ln.x1 < mid + PDF_SETTINGS.left_column_overrun]
    if len(right_starts) >= 5 and len(left_only) >= 5:
        return min(ln.x0 for ln in right_starts) - PDF_SETTINGS.gutter_offset
    return None


def lines_to_reading_order(lines: list[Line], page_width: float, columns: bool = True) -> list[Line]:
    """New lines, each with its ``column``, ordered column by column; full-width lines cut the page
    into bands read top to bottom.

    ``columns=False`` reads the page as one column (a one-column product whose table page happens
    to look two-column).
    """
    lines = sorted(lines, key=lambda ln: (ln.top, ln.x0))
    gutter = two_column_gutter(lines, page_width) if columns else None
    if gutter is None:
        return [replace(ln, column=0) for ln in lines]
    ordered: list[Line] = []
    band: list[Line] = []

    def flush() -> None:
        ordered.extend(sorted((ln for ln in band if ln.column == 1), key=lambda ln: ln.top))
        ordered.extend(sorted((ln for ln in band if ln.column == 2), key=lambda ln: ln.top))
        band.clear()

    for ln in lines:
        column = line_column(ln, gutter)
        if column == 0:
            flush()
            ordered.append(replace(ln, column=0))
        else:
            band.append(replace(ln, column=column))
    flush()
    return ordered


def line_column(ln: Line, gutter: float) -> int:
    """1 left of the gutter, 2 right of it, 0 across it."""
    if ln.x1 <= gutter + PDF_SETTINGS.left_gutter_overhang:
        return 1
    if ln.x0 >= gutter - PDF_SETTINGS.right_gutter_overhang:
        return 2
    return 0


def font_family(fontname: str) -> str:
    name = fontname.split("+", 1)[-1]
    return re.split(r"[-,]", name)[0].replace("PSMT", "").replace("PS", "")
