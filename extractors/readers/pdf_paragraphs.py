"""Lines to blocks: paragraphs, headings, lists and boxes; paragraphs broken by a column or page break rejoined."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from extractors.model import FigureRef
from extractors.readers.pdf_layout import Line, font_family
from extractors.readers.pdf_pages import BULLET_GLYPH_RE, BULLET_RE, CAPTION_RE, SOURCE_RE, TERMINAL_RE
from extractors.readers.pdf_body import join_line_texts
from extractors.readers.pdf_settings import PDF_SETTINGS


@dataclass
class Paragraph:
    lines: list[Line] = field(default_factory=list)
    text: str = ""
    refs: list[str] = field(default_factory=list)

    def add(self, ln: Line, vocabulary: frozenset[str]) -> None:
        self.text = join_line_texts(self.text, ln.text, vocabulary)
        self.refs.extend(r for r in ln.refs if r not in self.refs)
        self.lines.append(ln)


@dataclass
class OutBlock:
    """A block under construction (paragraphs keep their lines for the continuation pass)."""

    kind: str
    text: str
    level: int = 0
    page: int | None = None
    refs: list[str] = field(default_factory=list)
    first: Line | None = None
    last: Line | None = None


def same_column_or_wrap(prev: Line, nxt: Line) -> bool:
    """The same column, or a full-width line and a line of one column that it stands over: a short
    last line of a full-width note fits in the left column, so reading order puts it there (IF12255
    Table 1's Source, whose last line read as a paragraph of its own and took the table's lettered
    notes, full width again, with it)."""
    if nxt.column == prev.column:
        return True
    return 0 in (prev.column, nxt.column) and nxt.x0 < prev.x1 and prev.x0 < nxt.x1


def starts_new_paragraph(prev: Line, ln: Line) -> bool:
    if prev.page != ln.page or prev.column != ln.column:
        return True
    if ln.top - prev.top > PDF_SETTINGS.paragraph_line_spacing * max(prev.size, ln.size) or ln.top <= prev.top:
        return True
    if abs(ln.size - prev.size) > PDF_SETTINGS.paragraph_size_change:
        return True
    if BULLET_RE.match(ln.text):
        return True
    if abs(ln.x0 - prev.x0) > PDF_SETTINGS.paragraph_indent:
        # the wrapped lines of a bullet item are indented under its text
        return not (BULLET_RE.match(prev.text) and ln.x0 > prev.x0)
    return False


@dataclass(frozen=True)
class BlockStyle:
    """What tells a document's lines apart: its body type and heading sizes, and its vocabulary for
    rejoining hyphenated words."""

    body_size: float
    body_family: str
    heading_levels: dict[float, int]
    vocabulary: frozenset[str]

    def is_body_like(self, ln: Line) -> bool:
        return abs(ln.size - self.body_size) < PDF_SETTINGS.body_size_tolerance and font_family(ln.fontname) == self.body_family

    def is_heading(self, ln: Line) -> bool:
        return (ln.bold and ln.size >= self.body_size - PDF_SETTINGS.heading_size_drop and len(ln.text) < PDF_SETTINGS.heading_max_chars
                and not CAPTION_RE.match(ln.text) and not SOURCE_RE.match(ln.text)
                and not BULLET_RE.match(ln.text) and not ln.text.endswith(","))


# A document's body as the reader hands it over: runs of lines to group into blocks, and blocks read
# off the page already (the title, "Summary", authors, the disclaimer) in their place between them.
Segment = list[Line] | OutBlock


def segments_to_blocks(segments: list[Segment], style: BlockStyle) -> tuple[list[OutBlock], list[FigureRef]]:
    """Blocks in reading order and the figures (charts without data) found among them."""
    builder = _BlockBuilder(style)
    for segment in segments:
        if isinstance(segment, OutBlock):
            builder.out.append(segment)
        else:
            builder.lines_to_blocks(segment)
    return builder.out, builder.figures


class _BlockBuilder:
    """One pass of segments_to_blocks over a document: the blocks so far and the paragraph being built."""

    def __init__(self, style: BlockStyle):
        self.style = style
        self.vocabulary = style.vocabulary
        self.is_body_like, self.is_heading = style.is_body_like, style.is_heading
        self.out: list[OutBlock] = []
        self.figures: list[FigureRef] = []
        self.para: Paragraph | None = None
        self.prev: Line | None = None

    # -- emitting
    def close_para(self) -> None:
        if self.para and self.para.text:
            p = self.para
            # a list item is a paragraph; its bullet glyph is typography, its number is content
            text = BULLET_GLYPH_RE.sub("", p.text)
            self.out.append(OutBlock("paragraph", text, 0, p.lines[0].page, list(p.refs), p.lines[0], p.lines[-1]))
        self.para = None

    def emit(self, kind: str, text: str, ln: Line, level: int = 0, refs=(), last: Line | None = None) -> None:
        self.close_para()
        self.out.append(OutBlock(kind, text, level, ln.page, list(refs), ln, last or ln))

    def paragraph_line(self, ln: Line) -> None:
        if self.para and self.prev is not None and self.para.lines[-1] is self.prev \
                and not starts_new_paragraph(self.prev, ln):
            self.para.add(ln, self.vocabulary)
        else:
            self.close_para()
            self.para = Paragraph()
            self.para.add(ln, self.vocabulary)
            self.split_run_in_heading()
        self.prev = ln

    def split_run_in_heading(self) -> None:
        """In Focus run-in headings: a bold "Tariffs." opening a paragraph becomes its own heading."""
        first = self.para.lines[0]
        lead = first.bold_prefix.strip()
        if not lead or lead == first.text or len(lead) > PDF_SETTINGS.run_in_heading_max_chars or not lead.endswith((".", ":")):
            return
        if first.bold or not self.is_body_like(first):
            return
        self.out.append(OutBlock("heading", lead.rstrip(".:").strip(), 2, first.page, [], first, first))
        self.para.text = first.text[len(lead):].strip()

    def lines_to_blocks(self, lines: list[Line]) -> None:
        self.prev = None
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
                self.out[-1] = replace(self.out[-1], text=join_line_texts(self.out[-1].text, ln.text, self.vocabulary), last=ln)
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
                    and nxt.column == prev.column and 0 < nxt.top - prev.top < PDF_SETTINGS.heading_line_spacing * nxt.size):
                break
            parts.append(nxt.text)
            j += 1
        level = self.style.heading_levels.get(first.size, max(self.style.heading_levels.values(), default=0) + 1)
        refs = [r for ln in lines[i:j] for r in ln.refs]   # "This section was written by ..." notes
        self.emit("heading", " ".join(parts), first, level, refs)
        self.prev = None
        return j

    def _same_box(self, prev: Line, nxt: Line, size: float) -> bool:
        return nxt.page == prev.page and same_column_or_wrap(prev, nxt) and 0 < nxt.top - prev.top < PDF_SETTINGS.box_line_spacing * size

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
            # a note's last line is where lettered notes below it are measured from (IF12255 Table 1)
            self.emit("source_note", source, first, last=lines[j - 1])
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
        self.emit("source_note", text, lines[i], last=lines[j - 1])
        self.prev = None
        return j


def continue_broken_paragraphs(out: list[OutBlock], vocabulary: frozenset[str]) -> list[OutBlock]:
    """Merge a paragraph cut by a column or page break into the one it continues (new blocks: the
    input's are left as they were).

    A paragraph that ends without terminal punctuation as the last text of its column, followed
    (possibly after captions / source notes of a figure placed in between) by a paragraph that is the
    first text of the next column or page, is one paragraph.
    """
    merged: list[OutBlock] = []
    open_idx: int | None = None
    for blk in out:
        if blk.kind == "paragraph" and open_idx is not None:
            host = merged[open_idx]
            moved = (blk.first.page, blk.first.column) != (host.last.page, host.last.column)
            if moved:
                host = merged[open_idx] = replace(host, text=join_line_texts(host.text, blk.text, vocabulary),
                                                  refs=host.refs + [r for r in blk.refs if r not in host.refs], last=blk.last)
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
