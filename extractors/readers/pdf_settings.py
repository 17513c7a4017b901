"""The PDF reader's layout thresholds, in one frozen dataclass that checks itself.

Modelled on pdfplumber's `TableSettings`: every number a layout rule depends on is named here with
why it has its value, `__post_init__` refuses values no layout could need, and `resolve()` accepts
None (the defaults), a dict of overrides, or a settings object. The reader's modules read
`PDF_SETTINGS`; nothing else in them is a bare layout number that a second kind of page may need
to change.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields

# Where the reader gets a page's characters: PDFium (pypdfium2, C; extractors.readers.pdfium_page)
# or pdfminer (pdfplumber, pure Python: the reference the layout rules were written against).
CHAR_SOURCES = ("pdfium", "pdfplumber")


@dataclass(frozen=True)
class PdfSettings:
    # lines and reading order (pdf_layout)
    line_gap: float = 9.0              # wider horizontal gap (pt) separates two lines on a row: body word
    #                                    spacing is 2-4 pt even justified, the In Focus gutter ~15-20 pt
    superscript_ratio: float = 0.8     # footnote markers and ordinals are set at most ~75% of body size
    same_size: float = 1.0             # words within this many pt are one type size: they share a row
    #                                    only when their own bands overlap
    same_size_line_chars: int = 8      # ... when they make a line of at least this many characters
    # tables (pdf_table_lines, pdf_table_grid, pdf_tables)
    margin: float = 60.0               # running header / footer band: rules there are page furniture
    line_tolerance: float = 3.0        # words whose tops differ by less than this share a line
    phrase_gap: float = 5.0            # a wider gap between words on a line separates phrases
    cell_line_factor: float = 1.35     # lines closer than this x font size belong to one cell
    max_prose_words: int = 12          # a cell longer than this is prose
    paragraph_words: int = 40          # a cell longer than this is a paragraph
    max_source_gap: float = 14.0       # a wider vertical gap ends the source / notes block
    # characters (pdfium_page)
    pdfium_max_stream_mb: int = 128    # a PDF with a stream inflating beyond this is read by pdfplumber:
    #                                    PDFium aborts when memory runs out, pdfminer raises MemoryError
    #                                    (CRS content streams inflate to < 1 MB)
    # "pdfium" gives pdfplumber's words ~5x faster (documents ~3.5x; on the 39 corpus PDFs the same
    # blocks, tables and quality scores: benchmarks/pdf_chars_benchmark.py, tests/test_pdfium_page.py);
    # CRSDATA_PDF_CHAR_SOURCE=pdfplumber runs the reference
    char_source: str = field(default_factory=lambda: os.environ.get("CRSDATA_PDF_CHAR_SOURCE") or "pdfium")

    def __post_init__(self) -> None:
        if self.char_source not in CHAR_SOURCES:
            raise ValueError(f"PdfSettings.char_source must be one of {', '.join(CHAR_SOURCES)}, got {self.char_source!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "char_source":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"PdfSettings.{f.name} must be a positive number, got {value!r}")
        if not self.superscript_ratio < 1:
            raise ValueError(f"PdfSettings.superscript_ratio must be below 1, got {self.superscript_ratio!r}")
        if self.max_prose_words >= self.paragraph_words:
            raise ValueError("PdfSettings.max_prose_words must be smaller than paragraph_words")

    @classmethod
    def resolve(cls, settings: "PdfSettings | dict | None" = None) -> "PdfSettings":
        if settings is None:
            return PDF_SETTINGS
        if isinstance(settings, cls):
            return settings
        unknown = set(settings) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"PdfSettings: unknown setting(s) {', '.join(sorted(unknown))}")
        return cls(**{**asdict(PDF_SETTINGS), **settings})


PDF_SETTINGS = PdfSettings()
