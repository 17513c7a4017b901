"""The PDF reader against the real CRS corpus, checked with the markdown renderings of the same products."""
from __future__ import annotations

import re
import time
from datetime import datetime

import pdfplumber
import pytest

from extractors.model import Block, ParsedDocument
from extractors.readers.markdown_reference import body_sentences, fold, markdown_header, matched_in_order
from extractors.readers.pdf_layout import lines_to_reading_order, words_to_lines
from extractors.readers.pdf_body import join_line_texts
from extractors.readers.pdf import pdf_to_document
from tests.corpus_paths import MARKDOWN_DIR, PDF_DIR

# PDF -> markdown rendering of the same edition (IF12155.pdf is version 7, its markdown version 8).
SAME_EDITION = {
    "98-317.22.pdf": "98317-types-of-committee-hearings.md",
    "IF10753.6.pdf": "IF10753v6-energy-star-program.md",
    "IF10753.7.pdf": "IF10753v7-energy-star-program.md",
    "IF11175.11.pdf": "IF11175v11-u-s-mexico-trade-relations.md",
    "IF13199v1-section-122-of-the-trade-act-of-1974.pdf": "IF13199v1-section-122-of-the-trade-act-of-1974.md",
    "IN12614.3.pdf": "IN12614v3-section-232-national-security-tariffs-on-copper-.md",
    "IN12682.2.pdf": "IN12682v2-kings-and-queens-addressing-joint-meetings-of-co.md",
    "LSB11418.1.pdf": "LSB11418v1-recent-developments-in-hart-scott-rodino-merger-.md",
    "R48694.10.pdf": "R48694v10-federal-research-and-development-r-d-funding-fy2.md",
    "R48905.2.pdf": "R48905v2-u-s-department-of-agriculture-usda-structure-and.md",
    "R48917.2.pdf": "R48917v2-s-con-res-33-the-senate-adopted-fy2026-budget-re.md",
    "RL34498.pdf": "RL34498v33-federal-individual-income-tax-brackets-standard-.md",
}
# Matched fraction of the markdown's body sentences, in order, that each product must reach.
MIN_MATCHED = {name: 0.95 for name in SAME_EDITION}
ALL_PDFS = sorted(p.name for p in PDF_DIR.glob("*.pdf"))

_CACHE: dict[str, tuple[ParsedDocument, float]] = {}


def read(name: str) -> ParsedDocument:
    if name not in _CACHE:
        start = time.perf_counter()
        with pdfplumber.open(PDF_DIR / name) as pdf:
            doc = pdf_to_document(pdf)
        _CACHE[name] = (doc, time.perf_counter() - start)
    return _CACHE[name][0]


def paragraph_text(doc: ParsedDocument) -> str:
    return "\n".join(b.text for b in doc.blocks if b.kind == "paragraph")


def prose_text(doc: ParsedDocument) -> str:
    """Paragraphs plus figure/table notes (the markdown prints table notes as plain lines)."""
    return "\n".join(b.text for b in doc.blocks if b.kind in ("paragraph", "source_note"))


# ---------------------------------------------------------------------------------------------
# corpus-wide checks


@pytest.mark.parametrize("name", sorted(SAME_EDITION))
def test_markdown_sentences_appear_in_order(name):
    md = (MARKDOWN_DIR / SAME_EDITION[name]).read_text(encoding="utf-8")
    sentences = body_sentences(md)
    assert len(sentences) >= 10
    doc = read(name)
    fraction = matched_in_order(sentences, prose_text(doc))
    print(f"{name}: {fraction:.3f} of {len(sentences)} sentences, {_CACHE[name][1]:.1f}s")
    assert fraction >= MIN_MATCHED[name]


@pytest.mark.parametrize("name", sorted(SAME_EDITION))
def test_identity_hints_match_markdown_header(name):
    header = markdown_header((MARKDOWN_DIR / SAME_EDITION[name]).read_text(encoding="utf-8"))
    hints = read(name).hints
    assert hints["report_id"] == header["Report No."]
    # the 98-317 markdown header has no version: CRS names the PDF file <id>.<version>.pdf
    assert hints["version"] == header.get("Version") or hints["version"] == name.split(".")[1]
    expected_date = datetime.strptime(header["Publication Date"], "%m/%d/%Y").date().isoformat()
    assert hints["date"] == expected_date
    assert fold(hints["title"]) == fold(header["title"])
    assert hints["status"] in ("NEW", "UPDATED")


def test_if12155_identity_comes_from_the_pdf_not_the_newer_markdown():
    hints = read("IF12155.pdf").hints
    assert hints["report_id"] == "IF12155"
    assert hints["version"] == "7"


@pytest.mark.parametrize("name,product_type", [
    ("IF11175.11.pdf", "In Focus"), ("IF12155.pdf", "In Focus"), ("IN12614.3.pdf", "Insight"),
    ("IN12682.2.pdf", "Insight"), ("LSB11418.1.pdf", "Legal Sidebar"), ("98-317.22.pdf", "Report"),
    ("R48694.10.pdf", "Report"), ("RL34498.pdf", "Report"),
])
def test_product_type_is_read_from_the_page(name, product_type):
    assert read(name).hints["product_type"] == product_type


@pytest.mark.parametrize("name", ALL_PDFS)
def test_no_page_furniture_in_blocks(name):
    doc = read(name)
    assert doc.source_format == "pdf" and doc.pages >= 3
    for block in doc.blocks:
        assert "crsreports.congress.gov" not in block.text
        assert not re.search(r"·\s*VERSION\s+\d+", block.text), block
        assert not re.fullmatch(r"\d{1,3}", block.text), block
        assert block.page is not None and 1 <= block.page <= doc.pages
        if block.kind != "boilerplate":
            assert "This document was prepared by the Congressional Research Service" not in block.text
            assert block.text != "Disclaimer"
        if block.kind == "paragraph":
            assert not re.search(r"\.{8,}\s*\d+\s*$", block.text), block      # TOC leader lines
            assert block.text != "Congressional Research Service"
    kinds = [b.kind for b in doc.blocks]
    assert kinds.count("title") == 1 and kinds[0] == "title"
    assert kinds.count("boilerplate") == 1 and kinds[-1] == "boilerplate"
    assert "heading" in kinds and "author" in kinds


@pytest.mark.parametrize("name", ["R48694.10.pdf", "RL34498.pdf", "R48905.2.pdf"])
def test_full_report_toc_and_running_header_are_skipped(name):
    doc = read(name)
    title = doc.hints["title"]
    for block in doc.blocks[1:]:
        assert block.text != title
        assert block.text not in ("Contents", "Figures", "Tables", "Contacts")
    summary = [b for b in doc.blocks if b.kind == "heading" and b.text == "Summary"]
    assert len(summary) == 1


# ---------------------------------------------------------------------------------------------
# In Focus two-column layout


def test_if11175_columns_are_not_interleaved_and_sidebar_is_prose():
    doc = read("IF11175.11.pdf")
    text = paragraph_text(doc)
    # the left column wraps this sentence over three lines, the right column runs beside it
    assert ("The 119th Congress is engaged in a range of legislative and oversight activities related "
            "to trade policy toward Mexico, which in 2025 was the largest U.S. trading partner") in text
    # the boxed "Mexico's Economy" sidebar on page 1 (pdfplumber may see a table there) stays prose
    assert "most populous Spanish-speaking country in the world" in text
    heading_texts = [b.text for b in doc.blocks if b.kind == "heading"]
    assert "Mexico’s Economy" in heading_texts
    # a paragraph cut by the column break is rejoined: "... The U.S. trade balance" | "in goods ..."
    assert "The U.S. trade balance in goods with Mexico went from a surplus" in text


def test_if11175_authors_figure_and_sources():
    doc = read("IF11175.11.pdf")
    authors = [b.text for b in doc.blocks if b.kind == "author"]
    assert authors == [
        "M. Angeles Villarreal, Specialist in International Trade and Finance",
        "Danielle M. Trachtenberg, Analyst in International Trade and Finance",
    ]
    assert [f.caption for f in doc.figures] == ["Figure 1. U.S.-Mexico Goods Trade 2006-2025"]
    assert doc.figures[0].source_note.startswith("Source: U.S. Census Bureau")
    assert any(b.kind == "caption" and b.text.startswith("Figure 1.") for b in doc.blocks)
    # chart axis / units text under the caption is not prose
    assert "Current U.S. $ in billions" not in paragraph_text(doc)


def test_if10753_table_cells_stay_out_of_prose():
    doc = read("IF10753.7.pdf")
    text = paragraph_text(doc)
    assert "1992 EPA establishes ENERGY STAR under the" not in text
    assert any(b.kind == "caption" and b.text.startswith("Table 1.") for b in doc.blocks)
    notes = [b.text for b in doc.blocks if b.kind == "source_note"]
    assert any(n.startswith("Notes: GAO = Government Accountability Office") for n in notes)


# ---------------------------------------------------------------------------------------------
# footnotes


def test_98_317_footnotes_are_numbered_and_out_of_the_body():
    doc = read("98-317.22.pdf")
    assert [f.number for f in doc.footnotes] == [str(n) for n in range(1, 9)]
    assert doc.footnotes[0].text.startswith("For more information on field hearings")
    assert doc.footnotes[0].text.endswith("Valerie Heitshusen and R. Eric Petersen.")
    assert doc.footnotes[3].page == 2
    text = paragraph_text(doc)
    for note in doc.footnotes:
        assert note.text[:40] not in text
    refs = [r for b in doc.blocks for r in b.footnote_refs]
    assert refs == [str(n) for n in range(1, 9)]
    # markers are removed from the prose, the sentence reads on
    assert "or a site related to the subject of the hearing). These latter hearings" in text
    assert "C ongressional" not in text and "Congressional committee hearings may be" in text
    # a paragraph cut by the page break (and the footnotes between) reads on
    assert "to the committee. A committee may also request reports of FBI background checks" in text


def test_98_317_author_information():
    authors = [b.text for b in read("98-317.22.pdf").blocks if b.kind == "author"]
    assert authors == ["Valerie Heitshusen, Specialist on Congress and the Legislative Process"]


@pytest.mark.parametrize("name", ["LSB11418.1.pdf", "IN12614.3.pdf", "IN12682.2.pdf"])
def test_short_products_have_no_footnote_area_and_keep_all_prose(name):
    # these editions print no footnotes (links replaced them); nothing may be invented, and the
    # small-type table notes must not be mistaken for footnotes
    doc = read(name)
    assert doc.footnotes == []
    assert not any(b.footnote_refs for b in doc.blocks)


def test_legal_sidebar_side_by_side_authors():
    authors = [b.text for b in read("LSB11418.1.pdf").blocks if b.kind == "author"]
    assert authors == ["Alexander H. Pepper, Legislative Attorney", "Jay B. Sykes, Legislative Attorney"]


@pytest.mark.parametrize("name", ["R48694.10.pdf", "R48905.2.pdf", "R48917.2.pdf", "RL34498.pdf"])
def test_full_report_footnotes_match_the_markers(name):
    doc = read(name)
    numbers = [int(f.number) for f in doc.footnotes]
    assert len(numbers) >= 20
    assert numbers == list(range(1, len(numbers) + 1))
    # every footnote has its marker in a block (paragraph, heading or caption) and vice versa
    refs = {int(r) for b in doc.blocks for r in b.footnote_refs}
    assert refs == set(numbers)
    # no footnote leaked into the prose as a paragraph of its own (body text may quote the same words)
    starts = {b.text[:50] for b in doc.blocks if b.kind == "paragraph"}
    for note in doc.footnotes:
        assert note.text[:50] not in starts, note


def test_r48694_first_footnote():
    note = read("R48694.10.pdf").footnotes[0]
    assert (note.number, note.page) == ("1", 5)
    assert note.text.startswith("For example, the Budget Control Act of 2011 (P.L. 112-25) imposed caps")
    assert note.text.endswith("by D. Andrew Austin.")


# ---------------------------------------------------------------------------------------------
# small pieces


def test_hyphen_join_rule():
    vocabulary = frozenset({"information", "decisionmaking", "land-grant", "landgrant"})
    # dropped only when the document prints the joined word and not the hyphenated one
    assert join_line_texts("the infor-", "mation age", vocabulary) == "the information age"
    assert join_line_texts("such decision-", "making", vocabulary) == "such decisionmaking"
    assert join_line_texts("the infor-", "mation age") == "the infor-mation age"
    assert join_line_texts("a land-", "grant college", vocabulary) == "a land-grant college"
    assert join_line_texts("U.S.-", "Mexico trade", vocabulary) == "U.S.-Mexico trade"
    assert join_line_texts("R&D-", "related assets") == "R&D-related assets"
    assert join_line_texts("balance-of-", "payments", vocabulary) == "balance-of-payments"
    assert join_line_texts("https://www.usda.gov/office-", "tribal-relations.", vocabulary | {"officetribal"}) \
        == "https://www.usda.gov/office-tribal-relations."
    assert join_line_texts("executive branch—", "specifically") == "executive branch—specifically"
    assert join_line_texts("one", "two") == "one two"


def test_real_line_end_hyphens_are_kept():
    text = paragraph_text(read("IF13199v1-section-122-of-the-trade-act-of-1974.pdf"))
    assert "balance-of-payments" in text and "balanceof" not in text
    assert "U.S.-Mexico-Canada" in paragraph_text(read("IF11175.11.pdf"))


def test_superscript_marker_and_drop_cap_on_a_real_page():
    with pdfplumber.open(PDF_DIR / "98-317.22.pdf") as pdf:
        page = pdf.pages[1]
        words = page.extract_words(extra_attrs=["size", "fontname"])
        page.close()
    lines = words_to_lines(words, 2)
    # the 49 pt drop cap "C" is glued to "ongressional" and does not swallow the lines beside it
    assert lines[1].text.startswith("Congressional committee hearings may be broadly classified")
    marked = next(ln for ln in lines if "These latter hearings" in ln.text)
    assert marked.refs == ("1",)
    assert marked.text.endswith("referred to as field hearings.")   # italic words glued to their period
    # footnote text lines start with their raised number
    assert [ln.lead_marker for ln in lines if ln.lead_marker] == ["1", "2", "3", "4"]


def test_page_limit_and_missing_text_layer():
    with pdfplumber.open(PDF_DIR / "R48694.10.pdf") as pdf:
        with pytest.raises(ValueError, match=r"too many pages \(57 > 10\)"):
            pdf_to_document(pdf, max_pages=10)


class _BlankPage:
    width, height, rects = 612.0, 792.0, []

    def extract_words(self, **kwargs):
        return []

    def close(self):
        pass


class _BlankPdf:
    pages = [_BlankPage(), _BlankPage()]


def test_scanned_pdf_without_words_is_rejected():
    with pytest.raises(ValueError, match="no text layer"):
        pdf_to_document(_BlankPdf())


def test_blocks_are_deterministic():
    with pdfplumber.open(PDF_DIR / "IN12682.2.pdf") as pdf:
        again = pdf_to_document(pdf)
    assert again.blocks == read("IN12682.2.pdf").blocks
    assert all(isinstance(b, Block) for b in again.blocks)


def test_full_report_authors_from_the_summary_box_once():
    authors = [b.text for b in read("R48694.10.pdf").blocks if b.kind == "author"]
    assert authors[:3] == [
        "Emily G. Blevins, Coordinator, Specialist in Science and Technology Policy",
        "Joe Angert, Research Assistant",
        "Marcy E. Gallo, Analyst in Science and Technology Policy",
    ]
    assert len(authors) == len(set(authors))
    # the summary box of RL34498 also holds a table: its "$32,200" cells are not authors
    assert [b.text for b in read("RL34498.pdf").blocks if b.kind == "author"] == [
        "Nicholas E. Buffie, Analyst in Public Finance", "Brendan McDermott, Analyst in Public Finance"]


def test_table_notes_stay_notes_on_a_one_column_table_page():
    # IN12682 page 2 is a table whose cells could pass for two columns; the product is one-column
    doc = read("IN12682.2.pdf")
    notes = [b.text for b in doc.blocks if b.kind == "source_note"]
    assert any(n.startswith("Notes: a. King Kalakaua was unable to deliver his speech") for n in notes)
    assert "King Kalakaua was unable" not in paragraph_text(doc)
    assert "April 3, 1952" not in paragraph_text(doc)


def test_pdf_disclaimer_becomes_one_flagged_disclaimer_section():
    import pdfplumber

    from extractors.readers.pdf import pdf_to_document
    from extractors.sections import blocks_to_sections

    with pdfplumber.open(PDF_DIR / "98-317.22.pdf") as pdf:
        sections = blocks_to_sections(pdf_to_document(pdf).blocks)
    flagged = [s for s in sections if s.boilerplate]
    assert [s.heading for s in flagged] == ["Disclaimer"]
    assert flagged[0].text.startswith("This document was prepared by the Congressional Research Service")
    assert not any("prepared by the Congressional Research Service" in s.text for s in sections if not s.boilerplate)


def test_larger_type_in_the_other_column_does_not_merge_two_body_lines():
    # IF13131 v3 page 2: the 12.5 pt heading "Related Legislation in the 119th Congress" in the
    # right column sits between two 10 pt lines of the left column; the row band it widened once
    # took both lines in, and they came out interleaved word by word
    # ("... but the agency spanning did several not also years, fund ...").
    from tests.test_regressions import REGRESSIONS

    with pdfplumber.open(REGRESSIONS / "IF13131.3-page2-heading-beside-body-lines.pdf") as pdf:
        doc = pdf_to_document(pdf)
    text = "\n".join(b.text for b in doc.blocks)
    assert ("Prior to 2025, NIH awarded most grants with “project periods” spanning several years, often four to "
            "five years, but the agency did not also fund the grant for all of those years.") in text
    # cut out of its report the page has no title of its own, so its headings read as the title
    assert any("Related Legislation in the 119th Congress" in b.text for b in doc.blocks if b.kind in ("heading", "title"))


def test_subscript_stays_on_its_line_beside_a_footnote_marker_of_its_size():
    # R48906 v2 page 9: "CO2 equivalent (MTCO2e) ... per year.35": the subscript 2 and the
    # footnote marker 35 share a type size; the marker makes no line of its own that the
    # subscripts would have to match, so "CO 2" keeps its 2
    from tests.test_regressions import REGRESSIONS

    with pdfplumber.open(REGRESSIONS / "R48906.2-page9-subscripts.pdf") as pdf:
        doc = pdf_to_document(pdf)
    text = "\n".join(b.text for b in doc.blocks)
    assert "25,000 metric tons of CO 2 equivalent (MTCO 2 e) or more per year." in text


def test_reading_order_gives_new_lines_with_their_columns():
    # IF10753 v6 page 1: an In Focus page set in two columns under a full-width title
    with pdfplumber.open(PDF_DIR / "IF10753.6.pdf") as pdf:
        page = pdf.pages[0]
        words = page.extract_words(extra_attrs=["size", "fontname"])
        width = page.width
        page.close()
    lines = words_to_lines(words, 1)
    ordered = lines_to_reading_order(lines, width)
    assert {ln.column for ln in ordered} == {0, 1, 2}
    assert sorted(ln.text for ln in ordered) == sorted(ln.text for ln in lines)
    assert {ln.column for ln in lines} == {0}   # the stage's input is left as it was
    left = [ln.text for ln in ordered if ln.column == 1]
    right = [ln.text for ln in ordered if ln.column == 2]
    texts = [ln.text for ln in ordered]
    # the left column is read through before the right one starts
    assert texts.index(left[-1]) < texts.index(right[0])
