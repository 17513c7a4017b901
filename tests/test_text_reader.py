"""The seed text and markdown renderings: sections in order, sentences intact, boilerplate flagged."""
import re

from extractors.authors import blocks_to_authors
from extractors.sections import blocks_to_sections, content_sections
from extractors.readers.text import decode_text, text_to_document
from tests.corpus_paths import MARKDOWN_DIR, SEED_PATH


def fold(text: str) -> str:
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def seed_sections():
    doc = text_to_document(decode_text(SEED_PATH.read_bytes()))
    return doc, blocks_to_sections(doc.blocks)


def test_seed_headings_in_order(gold):
    _, sections = seed_sections()
    headings = [s.heading for s in sections if not s.boilerplate]
    positions = [headings.index(h) for h in gold["sections"]["must_headings_in_order"]]
    assert positions == sorted(positions)
    for sub in gold["sections"]["should_subheadings"]:
        assert sub in headings


def test_seed_sentences_split_by_page_breaks_are_rejoined(gold):
    _, sections = seed_sections()
    body = fold(" ".join(s.text for s in content_sections(sections)))
    for sentence in gold["sections"]["must_sentences_intact"]:
        assert fold(sentence) in body


def test_seed_disclaimer_is_boilerplate_and_markup_is_gone():
    _, sections = seed_sections()
    boilerplate = [s for s in sections if s.boilerplate]
    assert [s.heading for s in boilerplate] == ["Disclaimer"]
    assert "Congressional Research Service" in boilerplate[0].text
    content = " ".join(s.text for s in content_sections(sections))
    assert "Disclaimer" not in content
    for markup in ("###", "**", "<b>", "\\$", "<sup>"):
        assert markup not in content


def test_seed_authors_match_gold(gold):
    doc, _ = seed_sections()
    authors = blocks_to_authors(doc.blocks)
    assert [(a["name"], a["role"], a["coordinator"]) for a in authors] == [
        (g["name"], g["role"], g["coordinator"]) for g in gold["authors"]
    ]
    assert [a["order"] for a in authors] == [1, 2, 3, 4]


def test_seed_figure_1_becomes_a_table_with_caption_and_source():
    doc, _ = seed_sections()
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.caption == "Figure 1. Top U.S. Trade Partners, 2023"
    assert table.source_note and "Bureau of Economic Analysis" in table.source_note


def test_markdown_rendering_keeps_navigation_and_toc_out_of_sections():
    path = next(MARKDOWN_DIR.glob("R48917v2-*.md"))
    doc = text_to_document(decode_text(path.read_bytes()))
    sections = blocks_to_sections(doc.blocks)
    text = " ".join(s.text for s in sections)
    assert "crsreports.congress.gov" not in text
    assert "Jump to Main Text" not in text
    headings = [s.heading for s in sections]
    for heading in ("Introduction", "Legislative History", "Budgetary Totals", "Reconciliation Directives"):
        assert headings.count(heading) == 1
    assert [f.number for f in doc.footnotes][:3] == ["1", "2", "3"]
    authors = blocks_to_authors(doc.blocks, doc.hints.get("authors"))
    assert [a["name"] for a in authors] == ["Drew C. Aherne", "Megan S. Lynch"]


def test_web_markdown_figure_boxes_and_wrapped_captions():
    """IF11175's chart is a boxed placeholder (a figure, not a table); R48694's Table 1 caption wraps
    onto a second line and its units line sits between caption and table."""
    chart = text_to_document(decode_text(next(MARKDOWN_DIR.glob("IF11175v11-*.md")).read_bytes()))
    assert chart.tables == []
    assert [f.caption for f in chart.figures] == ["Figure 1. U.S.-Mexico Goods Trade 2006-2025"]
    assert chart.figures[0].source_note.startswith("U.S. Census Bureau")
    report = text_to_document(decode_text(next(MARKDOWN_DIR.glob("R48694v10-*.md")).read_bytes()))
    first = report.tables[0]
    assert first.caption == "Table 1. Federal Research and Development (R&D) Funding, FY2024-FY2026 Request"
    assert first.units_note == "(budget authority, in millions of current dollars)"
    headings = [s.heading for s in blocks_to_sections(report.blocks)]
    assert not any(h.startswith(("FY2024-FY2026 Request", "(budget authority")) for h in headings)


def test_interactive_chart_javascript_is_not_content():
    # R48725 v6 (first 400 lines of its web rendering): Figure 1 is a Highcharts chart whose
    # JavaScript came through the HTML-to-markdown conversion; its "||" once made 13 tables.
    from extractors.readers.text import text_to_document
    from tests.test_regressions import REGRESSIONS

    doc = text_to_document((REGRESSIONS / "R48725v6-figure1-script-and-table1.md").read_text(encoding="utf-8"))
    assert [t.caption for t in doc.tables] == ["Table 1. Estimated SSA Staff on Duty from Agency Contingency Plans, by Office"]
    assert doc.tables[0].rows[0][:3] == ("Office", "2018", "2019")
    text = " ".join(b.text for b in doc.blocks)
    for script_word in ("Highcharts", "function (", "End of interactive chart", "Based on IAG"):
        assert script_word not in text
    assert "SSA's total staffing level at the end of February 2026 was 49,683." in text


def test_lettered_table_notes_stay_with_their_table():
    # R48694 v10 Table 5 in the web rendering: "Notes:" then a plain paragraph, then notes "a." to
    # "n."; the PDF prints them all under the table, so they are notes here too, not section text
    from extractors.sections import blocks_to_sections, content_sections
    from extractors.readers.text import text_to_document
    from tests.corpus_paths import MARKDOWN_DIR

    doc = text_to_document((MARKDOWN_DIR / "R48694v10-federal-research-and-development-r-d-funding-fy2.md").read_text(encoding="utf-8"))
    notes = [b.text for b in doc.blocks if b.kind == "source_note"]
    assert any(n.startswith("Amounts are shown as 0.0 when the request") for n in notes)
    assert any(n.startswith("n. The FY2026 budget request proposed moving ARPA-H") for n in notes)
    body = " ".join(s.text for s in content_sections(blocks_to_sections(doc.blocks)))
    assert "Amounts for the proposed NIBS" not in body
    assert "DOE was established in 1977 by the Department of Energy Organization Act" in body


def test_a_cell_with_two_paragraphs_keeps_its_table_whole():
    # IN12680 v1 Table 1 (the corpus rendering, line 35): each Description cell has a second
    # paragraph, printed after a blank line inside the row
    from extractors.readers.text import text_to_document

    text = "\n".join([
        "Table 1. Recent Rulemakings Modifying Capital Requirements", "",
        "| Changes to | Status/Date | Description ",
        "| Community Bank Leverage Ratio (CBLR) | Proposal (12/25) | Tier 1 capital/assets would be reduced from 9% to 8%.", "",
        "Applies to banks with less than $10 billion in assets that opt into the CBLR framework. ",
        "| Stress Tests | Proposal (11/25) | Proposed changes to the stress test model.", "",
        "Applies to Category I, II, III, and IV banks. ",
        "| Advanced Approach | Proposal (3/26) | Would standardize the capital calculations.", "",
        "**Source: **CRS.", "",
        "Regulators can raise or lower required capital in one of two general ways.",
    ])
    doc = text_to_document(text)
    (table,) = doc.tables
    assert [row[0] for row in table.rows] == ["Changes to", "Community Bank Leverage Ratio (CBLR)", "Stress Tests", "Advanced Approach"]
    assert table.rows[1][2] == ("Tier 1 capital/assets would be reduced from 9% to 8%. "
                                "Applies to banks with less than $10 billion in assets that opt into the CBLR framework.")
    assert not any("Applies to" in b.text for b in doc.blocks)


def test_a_lone_upper_label_spans_the_cells_its_row_is_short_of():
    # R48694 v10 Table 9 (the corpus rendering, line 789): "FY2025" spans "Estimate" and
    # "Enacted" (the PDF rules it over both); the rendering dropped its colspan, so its row is one
    # cell short, and the missing cell is the label's
    from extractors.readers.text_tables import pipe_table_to_table
    from extractors.tables.table_cells import tables_to_cells

    lines = [
        "|  | FY2025 |  |  |  |  ",
        "| Account/Program | Estimate | Enacted | FY2026 Request | FY2026 H. Cmte. | FY2026 S. Cmte. | FY2026 Enacted ",
        "| Research and Related Activities (RRA) | 8,348.5 | 8,348.5 | 3,276.2 | 6,373.0 | 8,176.5 | 7,176.5 ",
    ]
    cells, _ = tables_to_cells([pipe_table_to_table(lines, "Table 9.")], [])
    assert [c["column"] for c in cells] == [
        "FY2025 / Estimate", "FY2025 / Enacted", "FY2026 Request", "FY2026 H. Cmte.", "FY2026 S. Cmte.", "FY2026 Enacted",
    ]


def regression_markdown(name: str):
    from tests.test_regressions import REGRESSIONS

    doc = text_to_document((REGRESSIONS / name).read_text(encoding="utf-8"))
    return doc, "\n".join(s.text for s in blocks_to_sections(doc.blocks))


def test_the_last_rows_second_paragraph_before_the_source_stays_in_its_cell():
    # IN12680 v1 Table 1 (web rendering): "Applies to all Category 1 banks." is printed after the
    # last row, a blank line on each side, then "**Source: **CRS."; the PDF prints it in the cell
    doc, text = regression_markdown("IN12680v1-table1-cell-paragraphs.md")
    (table,) = doc.tables
    assert table.rows[-1][-1].endswith("requirements. Applies to all Category 1 banks.")
    assert table.source_note == "CRS."
    assert "Applies to all Category 1 banks." not in text


def test_table_notes_with_empty_bold_runs_are_notes_not_text():
    # R47194 v5 Table 1 (web rendering): "**Note****s****:**Bridge counts ..." once read as a body
    # paragraph, so its dates were dates of the text; the PDF prints it as the table's note
    doc, text = regression_markdown("R47194v5-table1-notes-bold-runs.md")
    assert "Bridge counts and conditions for 2012" not in text
    assert doc.tables[0].source_note.startswith("Bureau of Transportation Statistics")


def test_a_boxed_sidebars_sources_line_is_a_note_not_text():
    # IF11175 v11 "Mexico's Economy" box and R48905 v2's relocation box end with their own
    # "Sources:" (and "Notes:") lines inside the box's paragraph: notes, as in the PDF, and they
    # belong to no table or figure
    doc, text = regression_markdown("IF11175v11-sidebar-sources.md")
    assert "Mexico has a population of 132 million people" in text
    assert "accessed by CRS on April 8, 2026" not in text
    assert all(f.source_note is None or "April 8, 2026" not in f.source_note for f in doc.figures)
    doc, text = regression_markdown("R48905v2-table1-subtitle-and-box-notes.md")
    assert "In 2022, GAO released two reports" in text
    assert "press release, August 9, 2018" not in text and "report and wait" not in text


def test_a_subtitle_between_a_caption_and_its_table_is_not_text():
    # R48905 v2 Table 1: "as of January 2026" sits between the caption and the table, inside the
    # table's region in the PDF (R48725 Table A-1's "FY1936-FY2026 (Selected Years)" likewise)
    doc, text = regression_markdown("R48905v2-table1-subtitle-and-box-notes.md")
    assert "as of January 2026" not in text
    assert doc.tables[0].caption == "Table 1. USDA Support Offices"


def test_a_notes_label_with_its_colon_after_the_bold_is_a_note():
    # IF13206 v1 Table 1 (web rendering): "**Note****s**: Columns may not sum ... ($28 million; ...)"
    # once read as body text, so its $28 million was a figure of the text; the PDF prints it as
    # the table's note
    doc, text = regression_markdown("IF13206v1-table1-notes-colon-after-bold.md")
    assert "Columns may not sum due to rounding" not in text
    assert doc.tables[0].source_note.startswith("H.R. 7148, Consolidated Appropriations Act, 2026")


def test_a_short_body_row_under_equal_header_groups_fills_each_group_from_its_start():
    # R48917 v2 Table 2 (the corpus rendering, line 116): "Maximum Deficit Increase" and
    # "$140 billion" once per chamber, four cells for six columns: the PDF rules the amount over
    # "Type of Instruction" and "Amount" in each group, so each group lost one colspan
    from extractors.readers.text_tables import pipe_table_to_table

    lines = [
        "| House Committee Directives | Senate Committee Directives ",
        "| Committee | Type of Instruction | Amount, FY2026-FY2035 (in billions) | Committee | Type of Instruction | Amount, FY2026-FY2035 (in billions) ",
        "| Judiciary | Increase deficit | +$70 | Judiciary | Increase deficit | +$70 ",
        "| Maximum Deficit Increase | $140 billion | Maximum Deficit Increase | $140 billion ",
    ]
    table = pipe_table_to_table(lines, "Table 2.")
    assert table.rows[-1] == ("Maximum Deficit Increase", "$140 billion", "", "Maximum Deficit Increase", "$140 billion", "")
    assert table.rows[-2] == ("Judiciary", "Increase deficit", "+$70", "Judiciary", "Increase deficit", "+$70")
