"""The PDF reader's layout thresholds, in one frozen dataclass that checks itself.

Modelled on pdfplumber's `TableSettings`: every number a layout rule depends on is named here with
why it has its value, `__post_init__` refuses values no layout could need, and `resolve()` accepts
None (the defaults), a dict of overrides, or a settings object. The reader's modules read
`PDF_SETTINGS`; nothing else in them is a bare layout number that a second kind of page may need
to change. Distances are in PDF points (1/72 inch; a letter page is 612 x 792); a "x size" factor
multiplies the font size of the line at hand.

Left in the code on purpose: counts of lines, rows or items on a page (`>= 5` wide lines for two
columns, `>= 3` dot leaders for a contents page, a look-back of 6 rows), which are logic rather
than geometry, and pdfplumber's own "text" strategy settings.

No preset per product type: on the 39 corpus PDFs no threshold needs another value for In Focus,
Insight, Legal Sidebar or Report pages. What does differ between them (two columns from page 1, a
cover and contents pages, a summary page with its side box, a banner) is read off the page itself
(pdf_layout, pdf.pages_to_content), so a product that mixes layouts is still read right.
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
    superscript_rise: float = 1.0      # ... and raised: their bottom sits more than this above the body
    #                                    bottom (small type on the baseline is no marker)
    same_size: float = 1.0             # words within this many pt are one type size: they share a row
    #                                    only when their own bands overlap
    same_size_line_chars: int = 8      # ... when they make a line of at least this many characters
    row_band_slack: float = 0.5        # a word whose middle is this far outside a row's band still joins
    #                                    it: tops and bottoms of one baseline differ by rounding
    row_size_step: float = 0.2         # a word larger than the row by more than this sets the row's band
    #                                    (the largest type on a row decides); less is rounding of sizes
    list_marker_gap: float = 40.0      # a bullet or list number this close before its text is set at a
    #                                    tab stop, not a line of its own, though wider than line_gap
    touching_gap: float = 0.8          # words closer than this touch: pdfplumber splits a word where the
    #                                    font changes, and touching punctuation belongs to it
    bold_share: float = 0.6            # a line is bold when more of its characters than this are bold
    drop_cap_ratio: float = 2.5        # a lone letter this many times the commonest size is a drop capital
    #                                    ("C" at 49 pt over ~10 pt body text)
    drop_cap_gap: float = 6.0          # a word starting this close right of the drop cap is printed beside it
    drop_cap_top_slack: float = 2.0    # ... and may start this far above the drop cap's top
    # two-column pages (pdf_layout: which lines are In Focus columns)
    column_line_width_ratio: float = 0.25  # prose lines wider than this share of the page nearly fill a
    #                                    column (~240 pt on a letter page); table cells are narrower
    right_column_before: float = 10.0  # a right-column line starts from this before the page middle ...
    right_column_after: float = 30.0   # ... to this after it
    left_column_indent: float = 100.0  # a left-column line starts at least this left of the middle ...
    left_column_overrun: float = 5.0   # ... and ends at most this right of it
    gutter_offset: float = 3.0         # the gutter is this left of the leftmost right-column start
    left_gutter_overhang: float = 8.0  # a line ending this far right of the gutter is still left column
    right_gutter_overhang: float = 2.0 # a line starting this far left of the gutter is still right column
    # footnote rule (pdf_pages)
    footnote_rule_x0_ratio: float = 0.25   # Word draws it at the left margin: it starts in this share of
    #                                        the page width
    footnote_rule_min_width: float = 100.0  # it is about 2 inches (144 pt) wide: rules from this ...
    footnote_rule_max_width: float = 200.0  # ... to this wide qualify
    footnote_rule_thickness: float = 2.0    # it is thinner than this (strictly: the table finder's
    #                                         rule_thickness takes 2.0 itself)
    footnote_rule_top_ratio: float = 0.3    # it lies below this share of the page height: a short rule
    #                                         higher up is a table or box border
    title_short_chars: int = 3         # a page-1 line of at most this many characters is never the title
    cover_max_words: int = 80          # a first page with "Congressional Research Service" and fewer words
    #                                    than this is a report's cover
    # page furniture and footnotes (pdf_body). The table finder's `margin` below (60 pt) drops rules
    # and table words by position alone; these bands drop only small type (or the repeated title),
    # so prose may start in them. They came into the code separately; making them one could move
    # lines, so each keeps its value.
    page_header_band: float = 55.0     # small type whose top is above this is the running header
    page_footer_band: float = 50.0     # small type lower than this above the page foot is the running
    #                                    footer; the footnote area ends there
    body_line_width_ratio: float = 0.35  # lines narrower than this share of the page do not vote for the
    #                                    body style: prose is wide, table cells are split at their gaps
    footnote_size_drop: float = 0.5    # footnotes are set smaller than the body by at least this: one line
    #                                    at body size under the rule makes the area a table or box note
    footnote_rule_gap: float = 20.0    # the first footnote line starts this close under the rule
    table_region_body_size: float = 1.01  # inside a parsed table region, a line within this of the body
    #                                    size in the body face is prose and stays (1 pt plus rounding)
    # page 1 and the summary page of a report (pdf)
    banner_top: float = 150.0          # the "Legal Sidebar" banner is printed above this on page 1
    summary_box_ratio: float = 0.7     # a report's summary page prints its side box (date, authors) from
    #                                    this share of the page width; the summary text is left of it
    summary_size_slack: float = 1.0    # summary text is body size up to this larger; a larger or
    #                                    sans-serif block in the summary box is a table, data not text
    # paragraphs, headings, captions (pdf_paragraphs)
    paragraph_line_spacing: float = 1.55  # a line further below the previous than this x the larger size
    #                                    starts a paragraph: wrapped lines stay under it, a blank line not
    paragraph_size_change: float = 0.6  # lines whose sizes differ by more than this are not one paragraph
    paragraph_indent: float = 12.0     # a line starting this much left or right of the previous starts a
    #                                    paragraph (unless it wraps under a bullet item's text)
    body_size_tolerance: float = 0.3   # a line this close to the body size, in the body family, is body text
    heading_size_drop: float = 0.6     # a bold line down to this below body size can be a heading
    heading_max_chars: int = 120       # a longer bold line is a bold sentence, not a heading
    run_in_heading_max_chars: int = 80  # a longer bold lead-in is a bold passage, not an In Focus run-in heading
    heading_line_spacing: float = 1.5  # a heading wraps onto a line closer than this x size
    box_line_spacing: float = 2.2      # caption, source and note lines closer than this x size are one block
    # authors (pdf_authors)
    author_column_width: float = 40.0  # author boxes side by side are told apart by x0 in bands this wide
    author_line_spacing: float = 1.45  # a line closer than this x size under the previous continues the
    #                                    author's name or role
    author_role_spacing: float = 1.5   # an In Focus closing role wraps onto a line closer than this x size
    # tables (pdf_table_lines, pdf_table_grid, pdf_tables)
    margin: float = 60.0               # running header / footer band: rules there are page furniture
    footer_word_allowance: float = 15.0  # table words may end this far into the bottom band: the band is
    #                                    a top position, and a word's bottom is a type size below its top
    page_footer_ratio: float = 0.85    # Insight / Legal Sidebar footers print higher than the band: lines
    #                                    reading as footer text below this share of the page height are too
    line_tolerance: float = 3.0        # words whose tops differ by less than this share a line
    phrase_gap: float = 5.0            # a wider gap between words on a line separates phrases
    rule_thickness: float = 2.0        # a rectangle or line at most this tall is a rule
    rule_min_length: float = 3.0       # shorter pieces are the squares where a rule crosses a cell border
    rule_row_tolerance: float = 2.0    # rule pieces whose tops differ by less than this are one rule row
    segment_dedupe: float = 1.5        # segments whose both ends agree within this are one drawn twice
    caption_line_gap: float = 0.8      # a caption wraps onto a line starting less than this x size below
    caption_size_change: float = 0.6   # ... of a size differing by at most this
    column_slack: float = 2.0          # a word or rule this far outside a column's x-range is still in it
    region_slack: float = 1.0          # a line or rule this far outside a region's top or bottom is still
    #                                    in it: a rule and the text it touches share an edge up to rounding
    column_overlap: float = 3.0        # a phrase covers a column it overlaps by more than this
    rule_table_overlap: float = 20.0   # a rule row overlapping the table by more than this is one of its rules
    centred_label_offset: float = 12.0  # a lone bold phrase centred within this of the table's centre ...
    centred_label_indent: float = 30.0  # ... and starting more than this right of its left edge is a group
    #                                    label ("Joint Returns"), not a stub cell
    header_piece_offset: float = 4.0   # a header phrase crossing column borders between its words is two
    #                                    labels set too close to part when each piece is centred within
    #                                    this of its column's centre ("Annual Average" | "Program Total")
    cell_line_factor: float = 1.35     # lines closer than this x font size belong to one cell
    cell_padding: float = 5.0          # a cell's text stops this far inside its column's right rule end: a
    #                                    word that would not fit before it wraps onto the next line
    cell_paragraph_gap: float = 2.0    # a line without a row label less than this x size under the previous
    #                                    one is the next paragraph of a value cell
    max_prose_words: int = 12          # a cell longer than this is prose
    paragraph_words: int = 40          # a cell longer than this is a paragraph
    crossing_prose_words: int = 4      # a phrase this long across a column border is prose, not a label
    max_source_gap: float = 14.0       # a wider vertical gap ends the source / notes block
    units_max_chars: int = 160         # a longer text between caption and first rule is no units line
    right_caption_offset: float = 20.0  # a caption starting past the middle minus this is right column
    column_half_overlap: float = 10.0  # one column of a two-column page reaches this past the middle
    two_column_slack: float = 5.0      # lines ending this far past the middle still end in the left column
    #                                    (and starting this far before it, in the right)
    footnote_separator_ratio: float = 0.5  # a one-segment rule shorter than this share of the widest
    #                                    table rule is the footnote separator
    table_foot_size_drop: float = 0.8  # a line this much smaller than the last row is a page-foot footnote
    table_edge_slack: float = 3.0      # a line reaching this far outside the table's rules is not in it
    table_row_gap: float = 4.5         # a gap wider than this x size after the last row ends the table
    continued_table_top: float = 40.0  # a continued table's first rule is at most this below the first line
    text_table_min_height: float = 15.0  # a caption-to-source gap shorter than this holds no table
    figure_source_max_gap: float = 600.0  # a source further than this below a figure caption is another's
    #                                    (most of a 792 pt page)
    # characters (pdfium_page)
    pdfium_max_stream_mb: int = 128    # a PDF with a stream inflating beyond this is read by pdfplumber:
    #                                    PDFium aborts when memory runs out, pdfminer raises MemoryError
    #                                    (CRS content streams inflate to < 1 MB)
    # "pdfium" gives pdfplumber's words ~10x faster (whole documents ~7x; on the 39 corpus PDFs the same
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
        for name in BELOW_ONE:
            if not getattr(self, name) < 1:
                raise ValueError(f"PdfSettings.{name} must be below 1, got {getattr(self, name)!r}")
        for name in ABOVE_ONE:
            if not getattr(self, name) > 1:
                raise ValueError(f"PdfSettings.{name} must be above 1, got {getattr(self, name)!r}")
        if self.max_prose_words >= self.paragraph_words:
            raise ValueError("PdfSettings.max_prose_words must be smaller than paragraph_words")
        if self.footnote_rule_min_width > self.footnote_rule_max_width:
            raise ValueError("PdfSettings.footnote_rule_min_width must not exceed footnote_rule_max_width")

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


# shares of a size, a width or a page: 1 or more would take in everything
BELOW_ONE = ("superscript_ratio", "bold_share", "column_line_width_ratio", "footnote_rule_x0_ratio",
             "footnote_rule_top_ratio", "body_line_width_ratio", "page_footer_ratio", "footnote_separator_ratio", "summary_box_ratio")
# line pitches (x size): at 1 or less every wrapped line would start a block of its own; a drop
# capital is larger than the body text by definition
ABOVE_ONE = ("drop_cap_ratio", "paragraph_line_spacing", "heading_line_spacing", "box_line_spacing",
             "author_line_spacing", "author_role_spacing", "cell_line_factor")

PDF_SETTINGS = PdfSettings()
