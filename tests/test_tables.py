"""Tables from the real corpus: PDF table finding, text/pipe/HTML tables, tidy cells, schemas."""
from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import pdfplumber
import pytest
from bs4 import BeautifulSoup

from extractors.model import FigureRef, RawTable
from extractors.readers.html_tables import html_table_to_table
from extractors.readers.pdf_tables import merge_continued_tables, page_to_tables
from extractors.tables.table_cells import cell_text_to_number, tables_to_cells
from extractors.readers.text_tables import pipe_table_to_table, tsv_block_to_table
from schemas import table_cells as table_cells_schema
from schemas import tables as tables_schema
from tests.corpus_paths import HTML_PATH, MARKDOWN_DIR, PDF_DIR, SEED_PATH

TABLE_NUMBER_RE = re.compile(r"^Table\s+(\d+)\.")


# ---------------------------------------------------------------- helpers


@lru_cache(maxsize=None)
def pdf_tables(name: str) -> tuple[RawTable, ...]:
    with pdfplumber.open(PDF_DIR / name) as pdf:
        found = [table for page in pdf.pages for _, table in page_to_tables(page) if table is not None]
    return tuple(merge_continued_tables(found))


def seed_figure_table() -> RawTable:
    lines = SEED_PATH.read_text(encoding="utf-8").split("\n")
    caption_at = next(i for i, l in enumerate(lines) if l.startswith("**Figure 1."))
    block: list[str] = []
    for line in lines[caption_at + 1:]:
        if "\t" in line:
            block.append(line)
        elif block:
            break
    caption = lines[caption_at].strip("*").strip()
    return tsv_block_to_table(block, caption, "CRS; data from Bureau of Economic Analysis")


def markdown_tables(path) -> dict[str, RawTable]:
    """Pipe tables under a "Table N." caption line in a web-markdown rendering, by table number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found: dict[str, RawTable] = {}
    caption: str | None = None
    block: list[str] = []
    lines = lines + [""]
    for index, line in enumerate(lines):
        if line.startswith("|") or (block and line.strip() and lines[index + 1].startswith("|")):
            block.append(line)  # a bare line between pipe rows continues a cell
            continue
        if block and caption:
            table = pipe_table_to_table(block, caption)
            number = TABLE_NUMBER_RE.match(caption)[1]
            if table is not None and number not in found:
                found[number] = table
            caption = None
        block = []
        if TABLE_NUMBER_RE.match(line.strip()):
            caption = line.strip()
        elif line.strip() and caption and not line.startswith(("In ", "(", "Fiscal", "Dollars")) and len(line) > 200:
            caption = None  # prose between a caption and a table: that caption was a reference
    return found


def norm(text: str) -> str:
    """Compare labels without spacing, punctuation or case (the markdown glues "FY2024Actual")."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def cells_match(md_cell: dict, pdf_cells: list[dict]) -> bool:
    for cell in pdf_cells:
        if norm(cell["row"]) != norm(md_cell["row"]):
            continue
        if md_cell["number"] is not None:
            if cell["number"] is not None and abs(cell["number"] - md_cell["number"]) < 1e-9:
                return True
        elif norm(cell["value"]) == norm(md_cell["value"]):
            return True
    return False


def compare_with_markdown(pdf_name: str, md_glob: str) -> dict:
    md_path = next(MARKDOWN_DIR.glob(md_glob))
    reference = markdown_tables(md_path)
    found = {TABLE_NUMBER_RE.match(t.caption)[1]: t for t in pdf_tables(pdf_name) if t.caption and TABLE_NUMBER_RE.match(t.caption)}
    total = matched = 0
    for number, md_table in reference.items():
        md_cells, _ = tables_to_cells([md_table], [])
        md_cells = [c for c in md_cells if c["value"]]
        pdf_cells, _ = tables_to_cells([found[number]], []) if number in found else ([], [])
        total += len(md_cells)
        matched += sum(cells_match(c, pdf_cells) for c in md_cells)
    pdf_cell_count = len(tables_to_cells(list(pdf_tables(pdf_name)), [])[0])
    return {
        "reference_tables": len(reference),
        "tables_found": len(pdf_tables(pdf_name)),
        "reference_tables_found": len(set(reference) & set(found)),
        "cells": pdf_cell_count,
        "reference_cells": total,
        "matched": matched,
    }


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "text, number, footnote",
    [
        ("$30.1", 30.1, None),
        ("1,234", 1234.0, None),
        ("(5.2)", -5.2, None),
        ("\u2014", None, None),
        ("-", None, None),
        ("n/a", None, None),
        ("31%", 31.0, None),
        ("$1.4a", 1.4, "a"),
        ("8,250 b", 8250.0, "b"),
        ("N/A h", None, "h"),
        ("-10,741", -10741.0, None),
        ("$2,385 + 12% of the amount over $23,850", None, None),
        ("FY2026", None, None),
    ],
)
def test_cell_text_to_number(text, number, footnote):
    assert cell_text_to_number(text) == (number, footnote)


# ---------------------------------------------------------------- text and html tables


def test_seed_tsv_figure_is_a_six_by_two_table_with_units_note():
    table = seed_figure_table()
    assert table.rows[0] == ("", "U.S. IMPORTS", "U.S. EXPORTS")
    assert [r[0] for r in table.rows[1:]] == ["Canada", "Mexico", "China", "Germany", "UK", "Japan"]
    assert table.rows[-1] == ("Japan", "187", "120")  # <b> markup gone, units cell not data
    assert table.units_note == "Goods and Services; U.S. $ billions"
    cells, index = tables_to_cells([table], [])
    assert len(cells) == 12 and all(c["unit"] == "USD billions" for c in cells)
    assert index[0]["rows"] == 6 and index[0]["columns"] == 2 and index[0]["kind"] == "table"


def test_pipe_table_from_markdown_keeps_header_and_rows():
    reference = markdown_tables(next(MARKDOWN_DIR.glob("R48917v2-*.md")))
    table = reference["1"]
    assert table.rows[0][:2] == ("Fiscal Year", "Revenues")
    assert table.header_rows == 1
    cells, _ = tables_to_cells([table], [])
    first = cells[0]
    assert (first["row"], first["column"], first["number"]) == ("2026", "Revenues", 4242825.0)


def test_html_figure_is_a_figure_ref_without_cells():
    soup = BeautifulSoup(HTML_PATH.read_bytes(), "lxml")
    results = [html_table_to_table(t) for t in soup.find_all("table")]
    figures = [r for r in results if isinstance(r, FigureRef)]
    assert figures and figures[0].caption == "Figure 1. Top U.S. Trade Partners, 2025"
    assert figures[0].source_note and figures[0].source_note.startswith("CRS, with data from Bureau of Economic Analysis")
    assert not any(isinstance(r, RawTable) for r in results)
    cells, index = tables_to_cells([], figures)
    assert cells == [] and index[0]["kind"] == "figure_without_data" and index[0]["cells"] == 0


def test_html_caption_row_inside_the_table_is_lifted_out_of_the_header():
    html = (
        "<table><tr><th colspan='2'>Table 1. U.S. Trade with Japan, 2023</th></tr>"
        "<tr><th>Flow</th><th>Value</th></tr><tr><td>Exports</td><td>$75.7</td></tr>"
        "<tr><td colspan='2'>Source: CRS.</td></tr></table>"
    )
    table = html_table_to_table(html)
    assert table.caption == "Table 1. U.S. Trade with Japan, 2023" and table.source_note == "CRS."
    assert table.rows == (("Flow", "Value"), ("Exports", "$75.7")) and table.header_rows == 1


def test_pipe_table_bare_line_continues_a_cell_and_its_row():
    table = pipe_table_to_table(["| Label | Value", "| Limitation: If AGI exceeded", "the amount. | $145,950", "| Joint | $1,000"], None)
    assert table.rows[1] == ("Limitation: If AGI exceeded the amount.", "$145,950")
    assert table.rows[2] == ("Joint", "$1,000")


def test_html_data_table_expands_spans_into_multilevel_headers():
    html = (
        "<table><tr><th rowspan='2'>Partner</th><th colspan='2'>2023</th></tr>"
        "<tr><th>Imports</th><th>Exports</th></tr><tr><td>UK</td><td>$1.5</td><td>(2)</td></tr></table>"
    )
    table = html_table_to_table(html)
    assert isinstance(table, RawTable) and table.header_rows == 2
    cells, _ = tables_to_cells([table], [])
    assert [(c["column"], c["number"]) for c in cells] == [("2023 / Imports", 1.5), ("2023 / Exports", -2.0)]


# ---------------------------------------------------------------- pdf tables


def energy_star_funding_cells(pdf_name: str) -> list[tuple]:
    tables = [t for t in pdf_tables(pdf_name) if t.caption and "Program Funding" in t.caption]
    assert len(tables) == 1
    cells, _ = tables_to_cells(tables, [])
    return [(c["row"], c["column"], c["value"], c["number"], c["unit"]) for c in cells]


def test_energy_star_funding_table_is_identical_in_both_editions():
    v6 = energy_star_funding_cells("IF10753.6.pdf")
    v7 = energy_star_funding_cells("IF10753.7.pdf")
    assert v6 == v7
    years = {int(row) for row, *_ in v6}
    assert set(range(2017, 2025)) <= years
    columns = {column for _, column, *_ in v6}
    assert columns == {"EPA Funding", "DOE Funding"}
    assert all(unit == "USD millions" for *_, unit in v6)
    assert ("2024", "EPA Funding", "$32.1", 32.1, "USD millions") in v6


def test_boxed_prose_sidebar_is_not_a_table():
    with pdfplumber.open(PDF_DIR / "IF11175.11.pdf") as pdf:
        regions = page_to_tables(pdf.pages[0])
    assert not any(table is not None for _, table in regions)


def test_table_regions_cover_their_caption_and_source():
    with pdfplumber.open(PDF_DIR / "R48917.2.pdf") as pdf:
        page = pdf.pages[5]
        regions = [(bbox, t) for bbox, t in page_to_tables(page) if t is not None]
        assert len(regions) == 1
        bbox, table = regions[0]
        inside = page.crop(bbox).extract_text()
    assert table.caption.startswith("Table 1. Budgetary Totals")
    assert table.units_note == "In Millions of Dollars"
    assert table.source_note.startswith("Section 1101 of S.Con.Res. 33")
    assert "Table 1." in inside and "$42,425,652" in inside and "Source:" in inside
    assert "Reconciliation Directives" not in inside  # the heading after the table stays prose


def test_multilevel_header_joins_levels():
    table = next(t for t in pdf_tables("R48917.2.pdf") if t.caption.startswith("Table 2."))
    cells, _ = tables_to_cells([table], [])
    homeland = [c for c in cells if c["row"] == "Homeland Security"]
    assert homeland[0]["column"] == "House Committee Directives / Type of Instruction"
    assert homeland[1]["column"] == "House Committee Directives / Amount, FY2026-FY2035 (in billions)"
    assert homeland[1]["number"] == 70.0 and homeland[1]["unit"] == "USD billions"


def test_table_continued_over_pages_is_merged_once():
    tables = pdf_tables("R48694.10.pdf")
    nih = [t for t in tables if t.caption and t.caption.startswith("Table 5.")]
    assert len(nih) == 1
    labels = [r[0] for r in nih[0].rows]
    assert labels.count("Account/Program") == 1  # the repeated header on later pages is dropped
    assert "Grand total, NIH and ARPA-H Program Level" in labels
    assert not any("Congressional Research Service" in label for label in labels)


@pytest.mark.parametrize(
    "pdf_name, md_glob, threshold",
    # the markdown itself is imperfect: it shifts the merged "Maximum Deficit Increase" row of
    # R48917 Table 2 one column left, and drops RL34498 Table 14's phaseout label into a cell
    [
        ("R48917.2.pdf", "R48917v2-*.md", 0.9),
        ("R48694.10.pdf", "R48694v10-*.md", 0.97),
        ("RL34498.pdf", "RL34498v33-*.md", 0.97),
        ("R48905.1.pdf", "R48905v2-*.md", 0.97),
        ("IN12682.2.pdf", "IN12682v2-*.md", 0.97),
        ("IN12614.3.pdf", "IN12614v3-*.md", 0.97),
        ("IF10753.7.pdf", "IF10753v7-*.md", 0.97),
    ],
)
def test_pdf_tables_match_markdown_reference(pdf_name, md_glob, threshold):
    result = compare_with_markdown(pdf_name, md_glob)
    assert result["reference_tables"] >= 1
    assert result["reference_tables_found"] == result["reference_tables"], result
    assert result["matched"] >= threshold * result["reference_cells"], result


# ---------------------------------------------------------------- schemas


def test_cells_and_index_validate_against_schemas():
    tables = list(pdf_tables("R48694.10.pdf")) + [seed_figure_table()]
    cells, index = tables_to_cells(tables, [FigureRef("Figure 1. A chart", "CRS.", 9)])
    frame = table_cells_schema.Schema.validate(pd.DataFrame(cells, columns=table_cells_schema.COLUMNS))
    assert list(frame.columns) == list(table_cells_schema.COLUMNS)
    tables_schema.Schema.validate(pd.DataFrame(index, columns=tables_schema.COLUMNS))


def test_cells_schema_rejects_unparsed_numeric_cell_and_duplicates():
    cells, _ = tables_to_cells([seed_figure_table()], [])
    broken = pd.DataFrame(cells, columns=table_cells_schema.COLUMNS)
    broken.loc[0, "number"] = None
    with pytest.raises(Exception):
        table_cells_schema.Schema.validate(broken, lazy=True)
    duplicated = pd.DataFrame(cells + cells[:1], columns=table_cells_schema.COLUMNS)
    with pytest.raises(Exception):
        table_cells_schema.Schema.validate(duplicated, lazy=True)


def test_stacked_amounts_glued_in_a_web_cell_are_data_not_a_second_header_row():
    # IN12317 v3 Table 1 as the web rendering prints it: the first law's funding cell reads
    # "$3$4$5" (three stacked amounts), which once made the whole row a second header level.
    from tests.test_regressions import REGRESSIONS

    lines = (REGRESSIONS / "IN12317v3-table1.md").read_text(encoding="utf-8").splitlines()
    table = pipe_table_to_table([l for l in lines if l.startswith("|")], "Table 1. Legislation and Appropriation History")
    assert table.header_rows == 1
    cells, _ = tables_to_cells([table], [])
    first = [c for c in cells if c["row"] == "Deficit Reduction Act of 2005 (P.L. 109-171)"]
    assert [c["column"] for c in first] == ["Funding (millions)", "Changes"]
    assert first[0]["value"] == "$3$4$5"


def test_header_ruled_into_several_levels_is_read_whole():
    # R48694 v10 pages 8 and 13: "FY2025 Estimate-FY2026 Request" (or "FY2025-FY2026 Request") is
    # underlined by a rule, and the stacked column labels below it are ruled off again before
    # the data; the labels were once read as two data rows ("FY2024" / "Actual").
    from tests.test_regressions import REGRESSIONS

    with pdfplumber.open(REGRESSIONS / "R48694.10-pages8-13-ruled-header-levels.pdf") as pdf:
        tables = [t for page in pdf.pages for _, t in page_to_tables(page) if t is not None]
    first, second = tables
    assert first.header_rows == 2 and second.header_rows == 2
    cells, _ = tables_to_cells([first, second], [])
    # a table without a stub column: its first column labels the row, as in the web rendering
    assert [(c["row"], c["column"], c["value"]) for c in cells if c["table_id"] == "t01"] == [
        ("202,312", "FY2025 Estimate", "192,154"),
        ("202,312", "FY2026 Request", "181,413"),
        ("202,312", "FY2025 Estimate-FY2026 Request / Dollar Change", "-10,741"),
        ("202,312", "FY2025 Estimate-FY2026 Request / Percentage Change", "-6%"),
    ]
    agriculture = {c["column"]: c["number"] for c in cells if c["table_id"] == "t02" and c["row"] == "Department of Agriculture"}
    assert agriculture["FY2026 (Request)"] == 2493
    assert agriculture["FY2025-FY2026 Request / Percentage Change"] == -25.3


def r48725_pdf_and_markdown_cells() -> tuple[list[dict], list[dict]]:
    from extractors.readers.text import text_to_document
    from tests.test_regressions import REGRESSIONS

    with pdfplumber.open(REGRESSIONS / "R48725.6-year-header-and-wrapped-spanning-labels.pdf") as pdf:
        pdf_tables_found = [t for page in pdf.pages for _, t in page_to_tables(page) if t is not None]
    pdf_cells, _ = tables_to_cells(merge_continued_tables(pdf_tables_found), [])
    markdown = text_to_document((REGRESSIONS / "R48725v6-figure1-script-and-table1.md").read_text(encoding="utf-8"))
    markdown_cells, _ = tables_to_cells(markdown.tables, [])
    return pdf_cells, markdown_cells


def test_a_bold_row_of_years_over_the_value_columns_is_the_header():
    # R48725 v6 page 4, Table 1: "Office 2018 2019 ... 2025" is the header, though every label is a number
    from extractors.diff.comparable_text import text_to_comparable  # what a diff compares ("HR/CREO — R" = "HR/CREO—R")

    pdf_cells, markdown_cells = r48725_pdf_and_markdown_cells()
    key = lambda cells: {(text_to_comparable(c["row"]), c["column"], c["value"]) for c in cells if c["caption"].startswith("Table 1.")}
    assert ("total", "2025", "51,825") in key(pdf_cells)
    assert key(pdf_cells) == key(markdown_cells)


def test_a_spanning_label_wrapped_over_lines_reads_like_the_web_rendering():
    # R48725 v6 page 9, Table A-1: "SSA Total Staff on" / "Duty" over SSA Data and OPM Data is one
    # label (the PDF), and the web rendering prints it once for its two columns (no colspan)
    pdf_cells, _ = r48725_pdf_and_markdown_cells()
    columns = {c["column"] for c in pdf_cells if c["caption"].startswith("Table A-1.")}
    assert {"SSA Total Staff on Duty / SSA Data", "SSA Total Staff on Duty / OPM Data",
            "SSA Full-Time Permanent Staff on Duty / SSA Data", "State DDS / Total Work Years"} <= columns
    from extractors.readers.text_tables import pipe_table_to_table

    lines = [
        "| Fiscal Year | SSA Total Staff on Duty | SSA Full-Time Permanent Staff on Duty | SSA Total Work Years | SSA and OIG FTEs | State DDS ",
        "|  | SSA Data | OPM Data | SSA Data | OPM Data | LAE-Only Activities | All Activities | SSA (Excluding OIG) | OIG | Total Staff on Duty | Total Work Years ",
        "| 1936 | 634 | — | — | — | — | — | — | — | — | — ",
    ]  # the rendering's first three rows of Table A-1 (R48725v6 markdown, line 1347)
    cells, _ = tables_to_cells([pipe_table_to_table(lines, "Table A-1.")], [])
    assert {c["column"] for c in cells} == columns


def test_two_ruled_title_lines_stay_two_levels():
    # RL34498 page 57: "Statutory Marginal Income Tax Rates, 1991" and "Joint Returns" are 17 pt
    # apart: two levels of row labels, not one label wrapped over two lines
    rows = [r for t in pdf_tables("RL34498.pdf") for r in t.rows]
    assert ("Statutory Marginal Income Tax Rates, 1991", "") in rows and ("Joint Returns", "") in rows


def regression_tables(name: str) -> list[RawTable]:
    from tests.test_regressions import REGRESSIONS

    with pdfplumber.open(REGRESSIONS / name) as pdf:
        return merge_continued_tables([t for page in pdf.pages for _, t in page_to_tables(page) if t is not None])


def test_wrapped_rows_without_row_rules_and_cells_set_close_together():
    # IF12255 v6 page 2, Table 1: no rules between rows; "... redeemable for" and "$103.955 billion"
    # are one phrase apart by word spacing only, and the stub wraps over four lines
    (table,) = regression_tables("IF12255.6-page2-wrapped-rows-without-rules.pdf")
    first = table.rows[1]
    assert first[0] == "Supplemental Nutrition Assistance Program (SNAP) (formerly, Food Stamp program)"
    assert first[3:] == ("$103.955 billion", "42.38 million in an average month")
    assert first[2].endswith("Operates in 50 states, District of Columbia, Guam, and U.S. Virgin Islands.")
    assert [r[0] for r in table.rows[2:4]] == ["Nutrition Assistance Program (NAP) Block Grants", "The Emergency Food Assistance Program (TEFAP)"]


def test_table_of_long_descriptions_continued_on_the_next_page_is_kept():
    # IN12680 v1 Table 1 runs onto page 2, where its description cells exceed 40 words: a table
    # whose every row has a short label, not a box of paragraphs
    (table,) = regression_tables("IN12680.1-pages1-2-table-of-long-descriptions.pdf")
    labels = [r[0] for r in table.rows]
    assert "Stress Tests" in labels
    assert "Enhanced Supplementary Leverage Ratio (eSLR)" in labels
    assert len(table.rows) == 7  # the header and six rulemakings, as in the web rendering


def test_leading_single_columns_and_groups_under_one_upper_label_in_web_markdown():
    # R47194 v5 Table A-1 (the corpus rendering, line 362): "All Bridges (number)" has no label
    # below it, and two labels span three columns each ("Good | Fair | Poor"), colspans dropped
    from extractors.readers.text_tables import pipe_table_to_table

    lines = [
        "| State | All Bridges (number) | Condition Rating (number) | Condition Rating (percentage) ",
        "|  |  | Good | Fair | Poor | Good | Fair | Poor ",
        "| Alabama | 16,181 | 5,801 | 9,835 | 545 | 35.9 | 60.8 | 3.4 ",
    ]
    cells, _ = tables_to_cells([pipe_table_to_table(lines, "Table A-1.")], [])
    assert [(c["column"], c["value"]) for c in cells] == [
        ("All Bridges (number)", "16,181"), ("Condition Rating (number) / Good", "5,801"),
        ("Condition Rating (number) / Fair", "9,835"), ("Condition Rating (number) / Poor", "545"),
        ("Condition Rating (percentage) / Good", "35.9"), ("Condition Rating (percentage) / Fair", "60.8"),
        ("Condition Rating (percentage) / Poor", "3.4"),
    ]


def test_a_header_line_break_the_web_rendering_dropped_is_a_space():
    # R47194 v5 Table 3: the PDF prints "Amount" over "($ millions)"; the rendering glues them
    from extractors.readers.text_tables import pipe_table_to_table

    table = pipe_table_to_table(["| Fiscal Year | Amount($ millions) | Legislation ", "| 2018 | 225 | P.L. 115-141 "], None)
    assert table.rows[0] == ("Fiscal Year", "Amount ($ millions)", "Legislation")
    assert table.rows[1] == ("2018", "225", "P.L. 115-141")


def test_a_spanning_label_at_the_end_of_a_short_header_row_spans_the_missing_cells():
    # R48694 v10 Table 2 (the corpus rendering): "FY2025-FY2026 Request" spans "Dollar Change" and
    # "Percentage Change"; the rendering printed it once and dropped the row's last cell
    from extractors.readers.text_tables import pipe_table_to_table

    lines = [
        "|  |  |  |  | FY2025-FY2026 Request ",
        "| Department/Agency | FY2024 | FY2025 | FY2026 (Request) | Dollar Change | Percentage Change ",
        "| Department of Agriculture | 3,278 | 3,336 | 2,493 | -843 | -25.3% ",
    ]
    cells, _ = tables_to_cells([pipe_table_to_table(lines, "Table 2.")], [])
    assert [c["column"] for c in cells][-2:] == ["FY2025-FY2026 Request / Dollar Change", "FY2025-FY2026 Request / Percentage Change"]
    assert [c["column"] for c in cells][:3] == ["FY2024", "FY2025", "FY2026 (Request)"]


def test_upper_labels_over_every_column_the_stub_too_in_web_markdown():
    # R48917 v2 Table 2 (the corpus rendering): two chambers' labels over three columns each
    from extractors.readers.text_tables import pipe_table_to_table

    lines = [
        "| House Committee Directives | Senate Committee Directives ",
        "| Committee | Type of Instruction | Amount | Committee | Type of Instruction | Amount ",
        "| Homeland Security | Increase deficit | +$70 | Homeland Security and Governmental Affairs | Increase deficit | +$70 ",
    ]
    cells, _ = tables_to_cells([pipe_table_to_table(lines, "Table 2.")], [])
    assert [c["column"] for c in cells] == [
        "House Committee Directives / Type of Instruction", "House Committee Directives / Amount",
        "Senate Committee Directives / Committee", "Senate Committee Directives / Type of Instruction",
        "Senate Committee Directives / Amount",
    ]
