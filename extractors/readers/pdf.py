"""CRS PDF -> ParsedDocument: blocks in reading order, footnotes, figures, tables, identity hints.

The caller opens the PDF once (``pdfplumber.open(io.BytesIO(data))``) and passes it in; this module
never touches files. Per page we take ``extract_words`` (never ``extract_text``, whose layout cache is
huge), close the page, and work on the word dicts with ``pdf_layout``. Everything after that is a
pipeline of small passes over ``Line`` objects:

    pages_to_lines -> drop noise (headers, footers, identity line) -> split off footnote areas ->
    skip cover / table-of-contents pages -> classify lines -> group into blocks -> rejoin paragraphs
    broken by a column or page break.

Layouts seen in the corpus: In Focus (two columns, title 18 pt on page 1, authors in bold at the
end), Insight / Legal Sidebar (one column, "INSIGHTi" / "Legal Sidebar" banner, title 22 pt),
full reports (cover page, summary page with authors in a right-hand box, table of contents,
footnotes below a short rule, running header and "Congressional Research Service N" footer).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from extractors.model import Block, FigureRef, Footnote, ParsedDocument, RawTable
from extractors.identity import FOOTER_IDENTITY_RE, MONTHS, us_date_to_iso
from extractors.readers.pdf_layout import Line, lines_to_reading_order, words_to_lines
from extractors.readers.pdf_tables import merge_continued_tables, page_to_tables

# A cover-page line that is only a report number ("R48694", "98-317") is identity, not content.
REPORT_NUMBER_LINE_RE = re.compile(r"^(?:[A-Z]{1,3}\d{4,5}|\d{2,3}-\d{3,4})$")
DATE_LINE_RE = re.compile(rf"^(?:Updated\s+)?((?:{MONTHS})\s+\d{{1,2}},\s+\d{{4}})$")
CAPTION_RE = re.compile(r"^(Figure|Table)\s+[A-Z]?-?\d+\.\s")
SOURCE_RE = re.compile(r"^(Sources?|Notes?)\s*:")
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
        if r["x0"] < page_width * 0.25 and 100 <= r["x1"] - r["x0"] <= 200
        and r["bottom"] - r["top"] < 2 and r["top"] > page_height * 0.3
    ]
    # table cell borders can be short rules too; the footnote rule is the lowest one
    return max(tops) if tops else None


def _inside(ln: Line, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    cx, cy = (ln.x0 + ln.x1) / 2, (ln.top + ln.bottom) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def drop_table_lines(page: PageLines, body_size: float, body_family: str) -> None:
    """Remove table cell lines inside the regions pdf_tables parsed.

    Only lines not set in the body typeface (or a point size near it) go, and never a caption or
    Source/Notes text: CRS tables are set in a sans face, and a region that is drawn too large
    (a whole summary page) must not swallow the prose in it.
    """
    if not page.data_boxes:
        return
    # Source / Notes text printed inside the region belongs to the note, not to the cells
    notes_top = []
    for box in page.data_boxes:
        starts = [ln.top for ln in page.lines if _inside(ln, box) and SOURCE_RE.match(ln.text)]
        notes_top.append(min(starts) if starts else float("inf"))
    page.lines = [
        ln for ln in page.lines
        if not any(_inside(ln, b) and ln.top < t for b, t in zip(page.data_boxes, notes_top))
        or (page.footnote_top is not None and ln.top > page.footnote_top)   # footnotes under a table
        or (abs(ln.size - body_size) <= 1.01 and font_family(ln.fontname) == body_family)
        or CAPTION_RE.match(ln.text)
    ]


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
    candidates = [ln for ln in lines if len(ln.text) > 3 and not PAGE_NOISE_RE.match(ln.text)
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
    if "Congressional Research Service" in texts and body_words < 80:
        return "Report"
    if any(ln.column == 2 for ln in page.lines):
        return "In Focus"
    return None


# ---------------------------------------------------------------------------------------------
# line filtering


def body_style(pages: list[PageLines]) -> tuple[float, str]:
    """The most common (size, font family) by characters: the body text style."""
    sizes: Counter = Counter()
    fonts: Counter = Counter()
    for page in pages:
        # prose lines are wide (table cells are split at their gaps); footnotes are not body
        for ln in page.lines:
            if ln.x1 - ln.x0 < 0.35 * page.width or (page.footnote_top and ln.top > page.footnote_top):
                continue
            sizes[ln.size] += len(ln.text)
            fonts[(ln.size, font_family(ln.fontname))] += len(ln.text)
    if not sizes:  # a page of only narrow lines (a photo page with a caption): take every line
        for page in pages:
            for ln in page.lines:
                sizes[ln.size] += len(ln.text)
                fonts[(ln.size, font_family(ln.fontname))] += len(ln.text)
    if not sizes:
        raise ValueError("no text layer (scanned PDF?)")
    size = sizes.most_common(1)[0][0]
    family = max((f for f in fonts if f[0] == size), key=lambda f: fonts[f])[1]
    return size, family


def font_family(fontname: str) -> str:
    name = fontname.split("+", 1)[-1]
    return re.split(r"[-,]", name)[0].replace("PSMT", "").replace("PS", "")


def is_noise(ln: Line, page: PageLines, body_size: float, title: str) -> bool:
    text = ln.text.strip()
    if "crsreports.congress.gov" in text or FOOTER_IDENTITY_RE.search(text):
        return True
    if PAGE_NOISE_RE.match(text) or REPORT_NUMBER_LINE_RE.match(text):
        return True
    # running header: small type in the top margin (the title repeated)
    if ln.top < 55 and (ln.size < body_size or text == title):
        return True
    # running footer region
    if ln.top > page.height - 50 and ln.size < body_size:
        return True
    return False


def split_footnote_lines(page: PageLines, body_size: float, continuing: bool) -> tuple[list[Line], list[Line]]:
    """Body lines and footnote lines (below the footnote rule).

    A short rule is also drawn by tables and boxes, so the area below it counts as footnotes only if
    it is all small type, starts right under the rule, and holds a numbered footnote (at its top,
    or lower when the top continues the previous page's last footnote). A page that only continues
    a footnote is not caught: table notes under a table rule look exactly like that.
    """
    if page.footnote_top is None:
        return page.lines, []
    body = [ln for ln in page.lines if ln.top < page.footnote_top]
    notes = [ln for ln in page.lines if ln.top >= page.footnote_top and ln.top < page.height - 50]
    if not notes or any(ln.size >= body_size - 0.5 for ln in notes):
        return page.lines, []
    first = min(notes, key=lambda ln: ln.top)
    opens = first.lead_marker or (continuing and any(ln.lead_marker for ln in notes))
    if first.top - page.footnote_top > 20 or not opens:
        return page.lines, []
    furniture = [ln for ln in page.lines if ln.top >= page.height - 50]
    return body + furniture, notes


def footnote_lines_to_footnotes(lines: list[Line], notes: list[Footnote], vocabulary: frozenset[str]) -> None:
    """Append to ``notes``: a line with a leading raised number opens a footnote, others continue."""
    for ln in lines:
        if ln.lead_marker:
            notes.append(Footnote(ln.lead_marker, ln.text, ln.page))
        elif notes:
            last = notes[-1]
            notes[-1] = Footnote(last.number, join_line_texts(last.text, ln.text, vocabulary), last.page)


def is_toc_page(lines: list[Line], body_size: float) -> bool:
    """A contents / list-of-figures page: a "Contents" heading or mostly dotted leaders."""
    if any(ln.text.strip() == "Contents" and ln.size > body_size for ln in lines):
        return True
    leaders = sum(1 for ln in lines if TOC_LEADER_RE.search(ln.text))
    return leaders >= 3 and leaders >= 0.3 * len(lines)


def is_toc_continuation(lines: list[Line]) -> bool:
    """The page after a contents page that still lists tables / appendixes / contacts."""
    return any(ln.text.strip() in FULL_REPORT_TOC_HEADINGS and ln.bold for ln in lines) or \
        sum(1 for ln in lines if TOC_LEADER_RE.search(ln.text)) >= 2


# ---------------------------------------------------------------------------------------------
# text joining


def lines_to_vocabulary(lines: list[Line]) -> frozenset[str]:
    """Lowercase words and hyphenated compounds printed anywhere in the document."""
    words: set[str] = set()
    for ln in lines:
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", ln.text))
    return frozenset(words)


def join_line_texts(left: str, right: str, vocabulary: frozenset[str] = frozenset()) -> str:
    """Join two lines of one paragraph; a line ending in a hyphen is joined without a space.

    CRS typesets without automatic hyphenation: in this corpus every hyphen at a line end is a real
    one ("U.S.-" + "Mexico", "balance-of-" + "payments", "land-" + "grant", URLs). So the hyphen is
    kept, and dropped only on evidence: both parts are lowercase letters and the document prints
    the joined word elsewhere but never the hyphenated form ("infor-" + "mation" -> "information"
    when "information" occurs; "decision-" + "making" -> "decisionmaking" in a report that writes
    "decisionmaking").
    """
    left, right = left.rstrip(), right.lstrip()
    if not left:
        return right
    if not right:
        return left
    if left.endswith("-") and not left.endswith((" -", "--")):
        token = left[:-1].split()[-1] if left[:-1].split() else ""
        stem = token.split("-")[-1]
        tail = re.match(r"[a-z]+", right)
        if tail and stem.isalpha() and stem.islower() and "/" not in token and "/" not in right.split()[0]:
            joined, hyphenated = stem + tail.group(0), f"{stem}-{tail.group(0)}"
            if joined in vocabulary and hyphenated not in vocabulary:
                return left[:-1] + right
        return left + right
    if left.endswith(("—", "–", "/")):
        return left + right
    return left + " " + right


# ---------------------------------------------------------------------------------------------
# blocks


@dataclass
class _Para:
    lines: list[Line] = field(default_factory=list)
    text: str = ""
    refs: list[str] = field(default_factory=list)

    def add(self, ln: Line, vocabulary: frozenset[str]) -> None:
        self.text = join_line_texts(self.text, ln.text, vocabulary)
        self.refs.extend(r for r in ln.refs if r not in self.refs)
        self.lines.append(ln)


@dataclass
class _Out:
    """A block under construction (paragraphs keep their lines for the continuation pass)."""

    kind: str
    text: str
    level: int = 0
    page: int | None = None
    refs: list[str] = field(default_factory=list)
    first: Line | None = None
    last: Line | None = None


def starts_new_paragraph(prev: Line, ln: Line) -> bool:
    if prev.page != ln.page or prev.column != ln.column:
        return True
    if ln.top - prev.top > 1.55 * max(prev.size, ln.size) or ln.top <= prev.top:
        return True
    if abs(ln.size - prev.size) > 0.6:
        return True
    if BULLET_RE.match(ln.text):
        return True
    if abs(ln.x0 - prev.x0) > 12:
        # the wrapped lines of a bullet item are indented under its text
        return not (BULLET_RE.match(prev.text) and ln.x0 > prev.x0)
    return False


class _Builder:
    def __init__(self, body_size: float, body_family: str, heading_levels: dict[float, int],
                 vocabulary: frozenset[str]):
        self.vocabulary = vocabulary
        self.body_size = body_size
        self.body_family = body_family
        self.heading_levels = heading_levels
        self.out: list[_Out] = []
        self.figures: list[FigureRef] = []
        self.para: _Para | None = None
        self.prev: Line | None = None

    # -- style tests
    def is_body_like(self, ln: Line) -> bool:
        return abs(ln.size - self.body_size) < 0.3 and font_family(ln.fontname) == self.body_family

    def is_heading(self, ln: Line) -> bool:
        return (ln.bold and ln.size >= self.body_size - 0.6 and len(ln.text) < 120
                and not CAPTION_RE.match(ln.text) and not SOURCE_RE.match(ln.text)
                and not BULLET_RE.match(ln.text) and not ln.text.endswith(","))

    # -- emitting
    def close_para(self) -> None:
        if self.para and self.para.text:
            p = self.para
            # a list item is a paragraph; its bullet glyph is typography, its number is content
            text = BULLET_GLYPH_RE.sub("", p.text)
            self.out.append(_Out("paragraph", text, 0, p.lines[0].page, list(p.refs), p.lines[0], p.lines[-1]))
        self.para = None

    def emit(self, kind: str, text: str, ln: Line, level: int = 0, refs=()) -> None:
        self.close_para()
        self.out.append(_Out(kind, text, level, ln.page, list(refs), ln, ln))

    def paragraph_line(self, ln: Line) -> None:
        if self.para and self.prev is not None and self.para.lines[-1] is self.prev \
                and not starts_new_paragraph(self.prev, ln):
            self.para.add(ln, self.vocabulary)
        else:
            self.close_para()
            self.para = _Para()
            self.para.add(ln, self.vocabulary)
            self.split_run_in_heading()
        self.prev = ln

    def split_run_in_heading(self) -> None:
        """In Focus run-in headings: a bold "Tariffs." opening a paragraph becomes its own heading."""
        first = self.para.lines[0]
        lead = first.bold_prefix.strip()
        if not lead or lead == first.text or len(lead) > 80 or not lead.endswith((".", ":")):
            return
        if first.bold or not self.is_body_like(first):
            return
        self.out.append(_Out("heading", lead.rstrip(".:").strip(), 2, first.page, [], first, first))
        self.para.text = first.text[len(lead):].strip()

    def lines_to_blocks(self, lines: list[Line]) -> None:
        i = 0
        while i < len(lines):
            ln = lines[i]
            text = ln.text.strip()
            if CAPTION_RE.match(text) and (ln.bold or not self.is_body_like(ln)):
                i = self.caption(lines, i)
                continue
            if SOURCE_RE.match(text) and not self.is_body_like(ln):
                i = self.source_note(lines, i)
                continue
            if self.is_heading(ln):
                i = self.heading(lines, i)
                continue
            if self.para is None and self.out and self.out[-1].kind == "source_note" \
                    and not self.is_body_like(ln) and self.continues_note(self.out[-1].last, ln):
                # lettered table notes ("a. ...", "b. ...") that run on below the Notes line or
                # onto the next page belong to the note, not to the prose
                self.out[-1].text = join_line_texts(self.out[-1].text, ln.text, self.vocabulary)
                self.out[-1].last = ln
                i += 1
                continue
            self.paragraph_line(ln)
            i += 1
        self.close_para()

    def continues_note(self, last: Line, ln: Line) -> bool:
        """Small type right under a note, or a lettered note ("c. ...") atop the next page."""
        if self._same_box(last, ln, last.size):
            return True
        return ln.page == last.page + 1 and bool(re.match(r"^[a-z]\.\s", ln.text))

    def heading(self, lines: list[Line], i: int) -> int:
        first = lines[i]
        parts = [first.text]
        j = i + 1
        while j < len(lines):
            nxt, prev = lines[j], lines[j - 1]
            if not (self.is_heading(nxt) and nxt.size == first.size and nxt.page == prev.page
                    and nxt.column == prev.column and 0 < nxt.top - prev.top < 1.5 * nxt.size):
                break
            parts.append(nxt.text)
            j += 1
        level = self.heading_levels.get(first.size, max(self.heading_levels.values(), default=0) + 1)
        refs = [r for ln in lines[i:j] for r in ln.refs]   # "This section was written by ..." notes
        self.emit("heading", " ".join(parts), first, level, refs)
        self.prev = None
        return j

    def _same_box(self, prev: Line, nxt: Line, size: float) -> bool:
        return nxt.page == prev.page and nxt.column == prev.column and 0 < nxt.top - prev.top < 2.2 * size

    def caption(self, lines: list[Line], i: int) -> int:
        first = lines[i]
        parts = [first.text]
        j = i + 1
        # wrapped caption lines share the caption's style
        while j < len(lines) and lines[j].bold == first.bold and lines[j].size == first.size \
                and self._same_box(lines[j - 1], lines[j], first.size) and not SOURCE_RE.match(lines[j].text):
            parts.append(lines[j].text)
            j += 1
        caption = " ".join(parts)
        self.emit("caption", caption, first, refs=[r for ln in lines[i:j] for r in ln.refs])
        # the figure / table body (units line, cells, chart labels) up to its Source/Notes line
        content = 0
        while j < len(lines):
            nxt = lines[j]
            if nxt.page != first.page or nxt.column != first.column or SOURCE_RE.match(nxt.text):
                break
            if self.is_body_like(nxt) or self.is_heading(nxt) or CAPTION_RE.match(nxt.text):
                break
            content += 1
            j += 1
        source = None
        if j < len(lines) and SOURCE_RE.match(lines[j].text) and lines[j].page == first.page:
            j, source = self._source_text(lines, j)
            self.emit("source_note", source, first)
            while j < len(lines) and re.match(r"^Notes?\s*:", lines[j].text) and lines[j].page == first.page:
                j, note = self._source_text(lines, j)
                self.emit("source_note", note, lines[j - 1])
        if caption.startswith("Figure") and content <= 1:
            self.figures.append(FigureRef(caption, source, first.page))
        self.prev = None
        return j

    def _source_text(self, lines: list[Line], j: int) -> tuple[int, str]:
        first = lines[j]
        text = first.text
        j += 1
        while j < len(lines):
            nxt = lines[j]
            if SOURCE_RE.match(nxt.text) or CAPTION_RE.match(nxt.text) or self.is_body_like(nxt) \
                    or self.is_heading(nxt) or not self._same_box(lines[j - 1], nxt, first.size):
                break
            text = join_line_texts(text, nxt.text, self.vocabulary)
            j += 1
        return j, text

    def source_note(self, lines: list[Line], i: int) -> int:
        j, text = self._source_text(lines, i)
        self.emit("source_note", text, lines[i])
        self.prev = None
        return j


def continue_broken_paragraphs(out: list[_Out], vocabulary: frozenset[str]) -> list[_Out]:
    """Merge a paragraph cut by a column or page break into the one it continues.

    A paragraph that ends without terminal punctuation as the last text of its column, followed
    (possibly after captions / source notes of a figure placed in between) by a paragraph that is the
    first text of the next column or page, is one paragraph.
    """
    merged: list[_Out] = []
    open_idx: int | None = None
    for blk in out:
        if blk.kind == "paragraph" and open_idx is not None:
            host = merged[open_idx]
            moved = (blk.first.page, blk.first.column) != (host.last.page, host.last.column)
            if moved:
                host.text = join_line_texts(host.text, blk.text, vocabulary)
                host.refs.extend(r for r in blk.refs if r not in host.refs)
                host.last = blk.last
                if TERMINAL_RE.search(host.text):
                    open_idx = None
                continue
            open_idx = None
        if blk.kind in ("heading", "title", "author", "boilerplate"):
            open_idx = None
        merged.append(blk)
        if blk.kind == "paragraph" and not TERMINAL_RE.search(blk.text):
            open_idx = len(merged) - 1
    return merged


# ---------------------------------------------------------------------------------------------
# authors


def author_lines_to_authors(lines: list[Line]) -> list[str]:
    """"Name" / "Role" line pairs (Author Information, summary box), grouped by column x."""
    by_col: dict[int, list[Line]] = {}
    for ln in lines:
        by_col.setdefault(int(ln.x0 // 40), []).append(ln)
    authors: list[str] = []
    for _, col in sorted(by_col.items()):
        col.sort(key=lambda ln: ln.top)
        name: list[str] = []
        role: list[str] = []
        prev: Line | None = None
        for ln in col:
            text = ln.text.strip()
            if text.lower().startswith("acknowledg"):
                break
            tight = prev is not None and ln.top - prev.top < 1.45 * ln.size
            if role and tight:
                role.append(text)
            elif name and tight and ln.bold and prev.bold and not role:
                name.append(text)          # summary box: "Emily G. Blevins," / "Coordinator" both bold
            elif name and (ROLE_RE.match(text) or (tight and not ln.bold and prev.bold)):
                role.append(text)
            else:
                if name:
                    authors.append(_author_text(name, role))
                name, role = [text], []
            prev = ln
        if name:
            authors.append(_author_text(name, role))
    return authors


def _has_role(author: str) -> bool:
    """An author entry always has a role line; a lone "$32,200" from a summary-box table does not."""
    return any(ROLE_RE.match(part.strip()) for part in author.split(",")[1:])


def _author_text(name: list[str], role: list[str]) -> str:
    who = re.sub(r"\s+,", ",", " ".join(name)).strip().rstrip(",")
    return f"{who}, {' '.join(role)}" if role else who


def in_focus_author(lines: list[Line], i: int) -> tuple[int, str] | None:
    """In Focus closing author line: bold "Name" then ", Role" (role may wrap to the next line)."""
    ln = lines[i]
    name = ln.bold_prefix.rstrip(", ").strip()
    rest = ln.text[len(name):].strip() if name and ln.text.startswith(name) else ""
    if not rest.startswith(","):
        return None
    role = rest.lstrip(", ")
    if not ROLE_RE.match(role):
        return None
    j = i + 1
    while j < len(lines) and not lines[j].bold_prefix and lines[j].column == ln.column \
            and lines[j].page == ln.page and 0 < lines[j].top - lines[j - 1].top < 1.5 * ln.size:
        role = join_line_texts(role, lines[j].text)
        j += 1
    return j, f"{name}, {role}"


# ---------------------------------------------------------------------------------------------
# the reader


@dataclass
class _Content:
    """What survives page filtering: the body stream plus the parts read off special pages."""

    stream: list[Line] = field(default_factory=list)
    summary: list[Line] = field(default_factory=list)
    authors: list[tuple[int, str]] = field(default_factory=list)   # (page, "Name, Role")
    footnotes: list[Footnote] = field(default_factory=list)


def pages_to_content(pages: list[PageLines], hints: dict[str, str], body_size: float, body_family: str,
                     vocabulary: frozenset[str]) -> _Content:
    """Drop page furniture, split off footnotes, skip cover and contents pages, read the summary page."""
    title = hints.get("title", "")
    is_report = hints.get("product_type") == "Report"
    title_ids = {id(ln) for ln in first_page_title_lines(pages[0].lines)}
    content = _Content()
    in_toc = False
    for page in pages:
        body, notes = split_footnote_lines(page, body_size, bool(content.footnotes))
        footnote_lines_to_footnotes([ln for ln in notes if not is_noise(ln, page, body_size, title)],
                                    content.footnotes, vocabulary)
        body = [ln for ln in body if not is_noise(ln, page, body_size, title)]
        if page.number == 1:
            # banner, title and date lines are identity, not content; a report's page 1 is its cover
            body = [ln for ln in body if id(ln) not in title_ids and not text_to_iso_date(ln.text)
                    and not (ln.text == "Legal Sidebar" and ln.top < 150)]
            if is_report:
                continue
        if is_report and (is_toc_page(body, body_size) or (in_toc and is_toc_continuation(body))):
            in_toc = True
            continue
        in_toc = False
        if is_report and any(ln.text.strip() == "SUMMARY" for ln in body):
            box_x = page.width * 0.7
            side = [ln for ln in body if ln.x0 >= box_x and ln.text.strip() != "SUMMARY"
                    and not text_to_iso_date(ln.text) and not REPORT_NUMBER_LINE_RE.match(ln.text)]
            content.authors.extend((page.number, a) for a in author_lines_to_authors(side))
            # the summary is set in the body face; a sans-serif table in the summary box is data
            content.summary.extend(ln for ln in body if ln.x0 < box_x and ln.size <= body_size + 1
                                   and font_family(ln.fontname) == body_family)
            continue
        content.stream.extend(body)
    return content


def stream_to_blocks(stream: list[Line], builder: _Builder, body_size: float) -> None:
    """Body lines -> blocks, cutting at "Author Information" (authors) and "Disclaimer" (boilerplate)."""
    main: list[Line] = []
    i = 0
    while i < len(stream):
        ln = stream[i]
        key = ln.text.strip()
        if key == "Disclaimer" and ln.size > body_size - 0.5 and ln.bold:
            builder.lines_to_blocks(main)
            main = []
            text = ""
            for x in stream[i + 1:]:
                text = join_line_texts(text, x.text, builder.vocabulary)
            builder.out.append(_Out("boilerplate", text, 0, ln.page, [], ln, ln))
            break
        if key == "Author Information" and ln.bold:
            builder.lines_to_blocks(main)
            main = []
            j = i + 1
            while j < len(stream) and not (stream[j].bold and stream[j].size > body_size):
                j += 1
            for a in author_lines_to_authors(stream[i + 1:j]):
                builder.out.append(_Out("author", a, 0, ln.page, [], None, None))
            i = j
            continue
        found = in_focus_author(stream, i)
        if found:
            builder.lines_to_blocks(main)
            main = []
            i, a = found
            builder.out.append(_Out("author", a, 0, ln.page, [], None, None))
            continue
        main.append(ln)
        i += 1
    builder.lines_to_blocks(main)


def dedupe_authors(out: list[_Out]) -> list[_Out]:
    """The summary box and "Author Information" list the same people: keep the first mention."""
    seen: set[str] = set()
    kept = []
    for b in out:
        if b.kind == "author":
            if b.text in seen or not _has_role(b.text):
                continue
            seen.add(b.text)
        kept.append(b)
    return kept


def pdf_to_document(pdf, *, max_pages: int = 300) -> ParsedDocument:
    """Read an opened ``pdfplumber.PDF`` into a ParsedDocument (blocks in reading order)."""
    pages, tables = pdf_to_pages(pdf, max_pages)
    hints = pages_to_hints(pages)
    body_size, body_family = body_style(pages)
    for page in pages:
        drop_table_lines(page, body_size, body_family)
    vocabulary = lines_to_vocabulary([ln for page in pages for ln in page.lines])
    content = pages_to_content(pages, hints, body_size, body_family, vocabulary)

    # heading levels by type size, largest first
    levels = sorted({ln.size for ln in content.stream if ln.bold and ln.size >= body_size - 0.6
                     and ln.text.strip() not in ("Disclaimer", "Author Information")}, reverse=True)
    builder = _Builder(body_size, body_family, {s: k + 1 for k, s in enumerate(levels)}, vocabulary)
    out: list[_Out] = []
    if hints.get("title"):
        first = first_page_title_lines(pages[0].lines)[0]
        out.append(_Out("title", hints["title"], 0, 1, [], first, first))
    if content.summary:
        first = content.summary[0]
        builder.out.append(_Out("heading", "Summary", 1, first.page, [], first, first))
        builder.lines_to_blocks(content.summary)
        builder.prev = None
    for page_no, text in content.authors:
        builder.out.append(_Out("author", text, 0, page_no, [], None, None))
    stream_to_blocks(content.stream, builder, body_size)
    out.extend(builder.out)

    blocks = [
        Block(kind=b.kind, text=re.sub(r"\s+", " ", b.text).strip(), level=b.level, page=b.page,
              footnote_refs=tuple(b.refs))
        for b in continue_broken_paragraphs(dedupe_authors(out), vocabulary) if b.text.strip()
    ]
    return ParsedDocument(
        source_format="pdf",
        pages=len(pages),
        blocks=blocks,
        tables=tables,
        figures=builder.figures,
        footnotes=content.footnotes,
        hints=hints,
    )
