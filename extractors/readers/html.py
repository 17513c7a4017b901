"""CRS HTML product pages -> ParsedDocument.

CRS HTML prints the title in a leading ``<div>``, then ``Updated <date> (IF10199)``, ``<h2>``/``<h3>``
headings, ``<p>`` paragraphs (a leading ``<strong>South Korea. </strong>`` is a run-in heading) and
``<table>``s that are either data or a layout box around a figure image.
"""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from extractors.model import Block, FigureRef, ParsedDocument, RawTable
from extractors.identity import REPORT_NUMBER, US_DATE_RE, us_date_to_iso

IDENTITY_LINE_RE = re.compile(
    rf"^(?:(?P<status>Updated|New)\s+)?(?P<date>[A-Z][a-z]+ \d{{1,2}}, \d{{4}})\s*\((?P<report_id>{REPORT_NUMBER})\)$"
)
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class NotCrsProductError(ValueError):
    pass


def clean_text(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def html_to_soup(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer"]):
        tag.decompose()
    return soup


def soup_to_identity_hints(soup: BeautifulSoup) -> dict[str, str]:
    """The title div and the 'Updated October 1, 2026 (IF10199)' line before the first heading."""
    hints: dict[str, str] = {}
    leading: list[str] = []
    for element in soup.find_all(["div", "p", "span", "h1"] + list(HEADING_TAGS)):
        if element.name in HEADING_TAGS[1:]:
            break
        if element.find(["div", "p", "h1"]) is not None:
            continue  # only leaf blocks
        text = clean_text(element.get_text(" "))
        if not text:
            continue
        match = IDENTITY_LINE_RE.match(text)
        if match:
            hints["report_id"] = match["report_id"]
            hints["date"] = us_date_to_iso(match["date"]) or ""
            hints["status"] = (match["status"] or "").upper()
            if leading:
                hints["title"] = leading[-1]
            break
        leading.append(text)
    if "title" not in hints:
        title = soup.find("title") or soup.find("h1")
        if title and clean_text(title.get_text(" ")):
            hints["title"] = clean_text(title.get_text(" "))
    return hints


def table_to_raw(table: Tag) -> RawTable | FigureRef | None:
    from extractors.readers import html_tables  # the tables stage owns table parsing

    return html_tables.html_table_to_table(table)


def element_to_blocks(element: Tag, doc: ParsedDocument) -> None:
    if element.name in HEADING_TAGS:
        text = clean_text(element.get_text(" "))
        if text:
            if text.lower().rstrip(":") == "disclaimer":
                doc.blocks.append(Block("boilerplate", text))
            else:
                doc.blocks.append(Block("heading", text, level=max(1, int(element.name[1]) - 1)))
        return
    if element.name == "table":
        parsed = table_to_raw(element)
        if isinstance(parsed, RawTable):
            doc.tables.append(parsed)
        elif isinstance(parsed, FigureRef):
            doc.figures.append(parsed)
            doc.blocks.append(Block("caption", parsed.caption))
            if parsed.source_note:
                doc.blocks.append(Block("source_note", "Source: " + parsed.source_note))
        return
    if element.name in ("ul", "ol"):
        for item in element.find_all("li", recursive=False):
            text = clean_text(item.get_text(" "))
            if text:
                doc.blocks.append(Block("paragraph", text))
        return
    if element.name == "p":
        paragraph_to_blocks(element, doc)
        return
    for child in element.children:
        if isinstance(child, Tag):
            element_to_blocks(child, doc)
        elif isinstance(child, NavigableString) and clean_text(str(child)):
            doc.blocks.append(Block("paragraph", clean_text(str(child))))


def paragraph_to_blocks(element: Tag, doc: ParsedDocument) -> None:
    text = clean_text(element.get_text(""))
    if not text:
        return
    first = next((c for c in element.children if not (isinstance(c, NavigableString) and not c.strip())), None)
    if isinstance(first, Tag) and first.name in ("strong", "b"):
        lead = clean_text(first.get_text(""))
        if lead.endswith(".") and 0 < len(lead.split()) <= 8 and len(text) > len(lead) + 20:
            doc.blocks.append(Block("heading", lead.rstrip("."), level=2))
            text = text[len(lead):].strip() if text.startswith(lead) else text
    if text.lower().startswith(("source:", "sources:", "notes:")):
        doc.blocks.append(Block("source_note", text))
    else:
        doc.blocks.append(Block("paragraph", text))


def html_to_document(html: str) -> ParsedDocument:
    soup = html_to_soup(html)
    hints = soup_to_identity_hints(soup)
    if not hints.get("date") or not (hints.get("report_id") or "crsreports" in html or "Congressional Research Service" in html):
        raise NotCrsProductError("not a CRS product page (no 'Updated <date> (<report number>)' line)")
    doc = ParsedDocument(source_format="html", pages=1, hints=hints)
    if hints.get("title"):
        doc.blocks.append(Block("title", hints["title"]))
    body = soup.body or soup
    started = False
    for element in body.find_all(HEADING_TAGS + ("p", "table", "ul", "ol")):
        if element.find_parent(["table", "ul", "ol"]) is not None:
            continue
        if element.name == "p" and element.find_parent("li") is not None:
            continue
        if not started:
            started = element.name in HEADING_TAGS or element.name == "p"
            if not started:
                continue
        element_to_blocks(element, doc)
    doc.blocks[:] = [b for b in doc.blocks if not _is_identity_block(b)]
    return doc


def _is_identity_block(block: Block) -> bool:
    return block.kind == "paragraph" and bool(IDENTITY_LINE_RE.match(block.text)) and bool(US_DATE_RE.search(block.text))
