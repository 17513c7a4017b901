"""The intermediate representation every reader produces and every extractor consumes.

Readers (``pdf_to_document``, ``html_to_document``, ``text_to_document``) turn bytes into a
``ParsedDocument``: blocks of text in reading order, raw tables, footnotes and identity hints.
Everything after that (sections, authors, entities, figures, tables...) is a pure function of it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Block kinds, in the order a CRS product usually shows them.
BLOCK_KINDS = (
    "title",        # the product title (not a section heading)
    "heading",      # a section heading; ``level`` 1 is the top level
    "paragraph",    # body prose (a list item is a paragraph too)
    "caption",      # "Figure 1. ..." / "Table 2. ..." caption line
    "source_note",  # "Source: ..." / "Notes: ..." under a table or figure
    "author",       # an author line ("Name, Role")
    "boilerplate",  # the Disclaimer and other CRS boilerplate
)


@dataclass(frozen=True)
class Block:
    kind: str
    text: str
    level: int = 0
    page: int | None = None
    # footnote numbers whose markers appear in this block's text (markers already removed)
    footnote_refs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in BLOCK_KINDS:
            raise ValueError(f"unknown block kind {self.kind!r}")


@dataclass(frozen=True)
class RawTable:
    """A table as printed: a grid of cell texts, header rows first."""

    rows: tuple[tuple[str, ...], ...]
    header_rows: int = 1
    caption: str | None = None
    units_note: str | None = None     # e.g. "Goods and Services; U.S. $ billions"
    source_note: str | None = None    # text after "Source:"
    notes: str | None = None
    page: int | None = None
    method: str = ""                  # "pdfplumber-lines", "pdfplumber-text", "html", "tsv", "markdown"
    # row-header columns at the left (usually 1)
    stub_columns: int = 1


@dataclass(frozen=True)
class FigureRef:
    """A figure that is only an image or chart: no cells, but users should know it exists."""

    caption: str
    source_note: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class Footnote:
    number: str
    text: str
    page: int | None = None


@dataclass
class ParsedDocument:
    source_format: str                      # "pdf", "html", "markdown", "text"
    pages: int
    blocks: list[Block] = field(default_factory=list)
    tables: list[RawTable] = field(default_factory=list)
    figures: list[FigureRef] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    # Identity hints the reader found in the document itself, all optional strings:
    # report_id, version, date (ISO), title, product_type, status ("NEW"/"UPDATED"),
    # authors (raw "Last, First; Last, First" list from a markdown header).
    hints: dict[str, str] = field(default_factory=dict)
