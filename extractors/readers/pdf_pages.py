"""PDF pages to lines: words per page, the footnote rule, table regions cut out; identity hints from the first page."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from extractors.model import RawTable
from extractors.identity import FOOTER_IDENTITY_RE, us_date_to_iso
from extractors.readers.pdf_layout import Line, font_family, lines_to_reading_order, words_to_lines
from extractors.readers.pdf_tables import merge_continued_tables, page_to_tables
from extractors.readers.pdf_settings import PDF_SETTINGS
from extractors.patterns import CAPTION_LABEL, MONTHS, SOURCE_LABEL


# A cover-page line that is only a report number ("R48694", "98-317") is identity, not content.
REPORT_NUMBER_LINE_RE = re.compile(r"^(?:[A-Z]{1,3}\d{4,5}|\d{2,3}-\d{3,4})$")
DATE_LINE_RE = re.compile(rf"^(?:Updated\s+)?((?:{MONTHS})\s+\d{{1,2}},\s+\d{{4}})$")
CAPTION_RE = re.compile(rf"^{CAPTION_LABEL}\s")
SOURCE_RE = re.compile(rf"^({SOURCE_LABEL})\s*:")
TOC_LEADER_RE = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$")
TERMINAL_RE = re.compile(r"[.!?:;][\"”’')\]]*$")
BULLET_RE = re.compile(r"^(?:[•\u2022\uf0b7\uf0a7▪◦–-]|\(?(?:\d{1,2}|[a-z])[.)])\s")
BULLET_GLYPH_RE = re.compile(r"^[•\u2022\uf0b7\uf0a7▪◦]\s+")
PAGE_NOISE_RE = re.compile(
    r"^(?:Congressional Research Service(?:\s+\d+)?|INSIGHTi|CRS INSIGHT|CRS Legal Sidebar|"
    r"Prepared for Members and|Committees of Congress|\d{1,3})$"
)
# Role lines of CRS authors ("Specialist in ...", "Legislative Attorney", "Analyst in ...").
ROLE_RE = re.compile(
    r"^(?:Senior |Acting |Visiting |Section Research |Research |Presidential |Legislative |Information )?"
    r"(?:Specialist|Analyst|Attorney|Assistant|Manager|Coordinator|Librarian|Fellow|Economist|Director)\b"
)
FULL_REPORT_TOC_HEADINGS = frozenset({"Contents", "Figures", "Tables", "Appendixes", "Contacts"})


# ---------------------------------------------------------------------------------------------
# page reading


@dataclass
class PageLines:
    number: int
    height: float
    width: float
    lines: list[Line]                          # reading order, noise removed later
    footnote_top: float | None = None          # top of the footnote rule, if any
    data_boxes: list = field(default_factory=list)  # bboxes of tables pdf_tables parsed


def rects_to_footnote_rule(rects: list[dict], page_width: float, page_height: float) -> float | None:
    """Top of the short rule Word draws above footnotes (about 2 inches wide, at the left margin)."""
    tops = [
        r["top"] for r in rects
        if r["x0"] < page_width * PDF_SETTINGS.footnote_rule_x0_ratio
        and PDF_SETTINGS.footnote_rule_min_width <= r["x1"] - r["x0"] <= PDF_SETTINGS.footnote_rule_max_width
        and r["bottom"] - r["top"] < PDF_SETTINGS.footnote_rule_thickness
        and r["top"] > page_height * PDF_SETTINGS.footnote_rule_top_ratio
    ]
    # table cell borders can be short rules too; the footnote rule is the lowest one
    return max(tops) if tops else None


def _inside(ln: Line, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    cx, cy = (ln.x0 + ln.x1) / 2, (ln.top + ln.bottom) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def page_without_table_lines(page: PageLines, body_size: float, body_family: str) -> PageLines:
    """The page without the table cell lines inside the regions pdf_tables parsed.

    Only lines not set in the body typeface (or a point size near it) go, and never a caption or
    Source/Notes text: CRS tables are set in a sans face, and a region that is drawn too large
    (a whole summary page) must not swallow the prose in it.
    """
    if not page.data_boxes:
        return page
    # Source / Notes text printed inside the region belongs to the note, not to the cells
    notes_top = []
    for box in page.data_boxes:
        starts = [ln.top for ln in page.lines if _inside(ln, box) and SOURCE_RE.match(ln.text)]
        notes_top.append(min(starts) if starts else float("inf"))
    return replace(page, lines=[
        ln for ln in page.lines
        if not any(_inside(ln, b) and ln.top < t for b, t in zip(page.data_boxes, notes_top))
        or (page.footnote_top is not None and ln.top > page.footnote_top)   # footnotes under a table
        or (abs(ln.size - body_size) <= PDF_SETTINGS.table_region_body_size and font_family(ln.fontname) == body_family)
        or CAPTION_RE.match(ln.text)
    ])


def pdf_to_pages(pdf, max_pages: int) -> tuple[list[PageLines], list[RawTable]]:
    n = len(pdf.pages)
    if n > max_pages:
        raise ValueError(f"too many pages ({n} > {max_pages})")
    pages: list[PageLines] = []
    tables: list[RawTable] = []
    for number, page in enumerate(pdf.pages, 1):
        words = page.extract_words(extra_attrs=["size", "fontname"])
        regions = page_to_tables(page, words) if words else []
        rule = rects_to_footnote_rule(page.rects, page.width, page.height)
        width, height = page.width, page.height
        page.close()  # drop pdfplumber's per-page object cache: memory stays flat on long reports
        data_boxes = [bbox for bbox, table in regions if table is not None]
        tables.extend(table for _, table in regions if table is not None)
        # In Focus products are two-column from page 1; other products never switch to columns
        lines = lines_to_reading_order(words_to_lines(words, number), width,
                                       columns=number == 1 or any(ln.column for ln in pages[0].lines))
        pages.append(PageLines(number, height, width, lines, rule, data_boxes))
    if not any(p.lines for p in pages):
        raise ValueError("no text layer (scanned PDF?)")
    return pages, merge_continued_tables(tables)


# ---------------------------------------------------------------------------------------------
# identity hints


def text_to_iso_date(text: str) -> str | None:
    m = DATE_LINE_RE.match(text.strip())
    return us_date_to_iso(m.group(1)) if m else None


def pages_to_hints(pages: list[PageLines]) -> dict[str, str]:
    hints: dict[str, str] = {}
    for page in pages:
        for ln in page.lines:
            m = FOOTER_IDENTITY_RE.search(ln.text)
            if m:
                hints.update(report_id=m.group(1), version=m.group(2), status=m.group(3))
    first = pages[0].lines
    for ln in sorted(first, key=lambda ln: ln.top):
        iso = text_to_iso_date(ln.text)
        if iso:
            hints["date"] = iso
            hints["date_text"] = ln.text.strip()  # the cover / "Updated" line as printed
            break
    title_lines = first_page_title_lines(first)
    if title_lines:
        hints["title"] = " ".join(ln.text for ln in title_lines)
    product = first_page_to_product_type(pages[0])
    if product:
        hints["product_type"] = product
    return hints


def first_page_title_lines(lines: list[Line]) -> list[Line]:
    """The largest type on page 1 (drop caps excluded), in top-to-bottom order."""
    candidates = [ln for ln in lines if len(ln.text) > PDF_SETTINGS.title_short_chars and not PAGE_NOISE_RE.match(ln.text)
                  and ln.text not in ("Legal Sidebar",)]
    if not candidates:
        return []
    top_size = max(ln.size for ln in candidates)
    return sorted((ln for ln in candidates if ln.size == top_size), key=lambda ln: ln.top)


def first_page_to_product_type(page: PageLines) -> str | None:
    texts = {ln.text for ln in page.lines}
    if "INSIGHTi" in texts or "CRS INSIGHT" in texts:
        return "Insight"
    if "Legal Sidebar" in texts or "CRS Legal Sidebar" in texts:
        return "Legal Sidebar"
    body_words = sum(len(ln.text.split()) for ln in page.lines)
    if "Congressional Research Service" in texts and body_words < PDF_SETTINGS.cover_max_words:
        return "Report"
    if any(ln.column == 2 for ln in page.lines):
        return "In Focus"
    return None
