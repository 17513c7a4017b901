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
from dataclasses import dataclass, field

from extractors.model import Block, Footnote, ParsedDocument
from extractors.readers.pdf_layout import Line, font_family
from extractors.readers.pdf_pages import PageLines, REPORT_NUMBER_LINE_RE, page_without_table_lines, first_page_title_lines, pages_to_hints, pdf_to_pages, text_to_iso_date
from extractors.readers.pdf_body import body_style, footnote_lines_to_footnotes, is_noise, is_toc_continuation, is_toc_page, join_line_texts, lines_to_vocabulary, split_footnote_lines
from extractors.readers.pdf_paragraphs import BlockStyle, OutBlock, Segment, continue_broken_paragraphs, segments_to_blocks
from extractors.readers.pdf_authors import has_role, author_lines_to_authors, in_focus_author
from extractors.readers.pdf_settings import PDF_SETTINGS


@dataclass
class PageContent:
    """What survives page filtering: the body stream plus the parts read off special pages."""

    stream: list[Line] = field(default_factory=list)
    summary: list[Line] = field(default_factory=list)
    authors: list[tuple[int, str]] = field(default_factory=list)   # (page, "Name, Role")
    footnotes: list[Footnote] = field(default_factory=list)


def pages_to_content(pages: list[PageLines], hints: dict[str, str], body_size: float, body_family: str,
                     vocabulary: frozenset[str]) -> PageContent:
    """Drop page furniture, split off footnotes, skip cover and contents pages, read the summary page."""
    title = hints.get("title", "")
    is_report = hints.get("product_type") == "Report"
    title_ids = {id(ln) for ln in first_page_title_lines(pages[0].lines)}
    content = PageContent()
    in_toc = False
    for page in pages:
        body, notes = split_footnote_lines(page, body_size, bool(content.footnotes))
        content.footnotes = footnote_lines_to_footnotes([ln for ln in notes if not is_noise(ln, page, body_size, title)],
                                                        content.footnotes, vocabulary)
        body = [ln for ln in body if not is_noise(ln, page, body_size, title)]
        if page.number == 1:
            # banner, title and date lines are identity, not content; a report's page 1 is its cover
            body = [ln for ln in body if id(ln) not in title_ids and not text_to_iso_date(ln.text)
                    and not (ln.text == "Legal Sidebar" and ln.top < PDF_SETTINGS.banner_top)]
            if is_report:
                continue
        if is_report and (is_toc_page(body, body_size) or (in_toc and is_toc_continuation(body))):
            in_toc = True
            continue
        in_toc = False
        if is_report and any(ln.text.strip() == "SUMMARY" for ln in body):
            box_x = page.width * PDF_SETTINGS.summary_box_ratio
            side = [ln for ln in body if ln.x0 >= box_x and ln.text.strip() != "SUMMARY"
                    and not text_to_iso_date(ln.text) and not REPORT_NUMBER_LINE_RE.match(ln.text)]
            content.authors.extend((page.number, a) for a in author_lines_to_authors(side))
            # the summary is set in the body face; a sans-serif table in the summary box is data
            content.summary.extend(ln for ln in body if ln.x0 < box_x and ln.size <= body_size + PDF_SETTINGS.summary_size_slack
                                   and font_family(ln.fontname) == body_family)
            continue
        content.stream.extend(body)
    return content


def stream_to_segments(stream: list[Line], body_size: float, vocabulary: frozenset[str]) -> list[Segment]:
    """Body lines -> runs of lines to group into blocks, cut at "Author Information" (author blocks)
    and "Disclaimer" (one boilerplate block for the rest)."""
    segments: list[Segment] = []
    main: list[Line] = []
    i = 0
    while i < len(stream):
        ln = stream[i]
        key = ln.text.strip()
        if key == "Disclaimer" and ln.size > body_size - 0.5 and ln.bold:
            text = ""
            for x in stream[i + 1:]:
                text = join_line_texts(text, x.text, vocabulary)
            segments += [main, OutBlock("boilerplate", text, 0, ln.page, [], ln, ln)]
            return segments
        if key == "Author Information" and ln.bold:
            j = i + 1
            while j < len(stream) and not (stream[j].bold and stream[j].size > body_size):
                j += 1
            segments += [main, *(OutBlock("author", a, 0, ln.page, [], None, None) for a in author_lines_to_authors(stream[i + 1:j]))]
            main = []
            i = j
            continue
        found = in_focus_author(stream, i)
        if found:
            i, a = found
            segments += [main, OutBlock("author", a, 0, ln.page, [], None, None)]
            main = []
            continue
        main.append(ln)
        i += 1
    return segments + [main]


def dedupe_authors(out: list[OutBlock]) -> list[OutBlock]:
    """The summary box and "Author Information" list the same people: keep the first mention."""
    seen: set[str] = set()
    kept = []
    for b in out:
        if b.kind == "author":
            if b.text in seen or not has_role(b.text):
                continue
            seen.add(b.text)
        kept.append(b)
    return kept


def pdf_to_document(pdf, *, max_pages: int = 300) -> ParsedDocument:
    """Read an opened ``pdfplumber.PDF`` into a ParsedDocument (blocks in reading order)."""
    pages, tables = pdf_to_pages(pdf, max_pages)
    hints = pages_to_hints(pages)
    body_size, body_family = body_style(pages)
    pages = [page_without_table_lines(page, body_size, body_family) for page in pages]
    vocabulary = lines_to_vocabulary([ln for page in pages for ln in page.lines])
    content = pages_to_content(pages, hints, body_size, body_family, vocabulary)

    # heading levels by type size, largest first
    levels = sorted({ln.size for ln in content.stream if ln.bold and ln.size >= body_size - 0.6
                     and ln.text.strip() not in ("Disclaimer", "Author Information")}, reverse=True)
    style = BlockStyle(body_size, body_family, {s: k + 1 for k, s in enumerate(levels)}, vocabulary)
    segments: list[Segment] = []
    if content.summary:
        first = content.summary[0]
        segments += [OutBlock("heading", "Summary", 1, first.page, [], first, first), content.summary]
    segments += [OutBlock("author", text, 0, page_no, [], None, None) for page_no, text in content.authors]
    body, figures = segments_to_blocks(segments + stream_to_segments(content.stream, body_size, vocabulary), style)
    out: list[OutBlock] = []
    if hints.get("title"):
        first = first_page_title_lines(pages[0].lines)[0]
        out.append(OutBlock("title", hints["title"], 0, 1, [], first, first))
    out.extend(body)

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
        figures=figures,
        footnotes=content.footnotes,
        hints=hints,
    )
