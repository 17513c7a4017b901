"""Each bug found on real CRS pages, with the page beside the test (cut from corpus PDFs)."""
from pathlib import Path

import pdfplumber

from extractors.identity import filename_to_identity_hints
from extractors.readers.pdf import pdf_to_document
from flows.store import raw_store
from flows.pipeline.workers import Job, extract_job

REGRESSIONS = Path(__file__).parent / "fixtures" / "regressions"


def run_job(path: Path):
    return extract_job(Job(raw_store.file_sha256(path), str(path), path.name, None, None, 400, 120))


def test_photo_page_with_only_narrow_lines_is_read_not_called_corrupt():
    # IN12682.2 page 2 is a photograph with a two-line caption: no line is as wide as body text,
    # which once made body_style index an empty list and the file be reported "corrupt".
    path = REGRESSIONS / "IN12682.2-page2-photo-only.pdf"
    with pdfplumber.open(path) as pdf:
        doc = pdf_to_document(pdf)
    assert doc.pages == 1
    result = run_job(path)
    assert "corrupt" not in result.outcome.reason and "internal error" not in result.outcome.reason


def test_underscore_number_in_a_file_name_is_not_a_version():
    # "IF12155_0.pdf" once gave version 0 and failed validation; only ".N" and "vN" are versions.
    assert filename_to_identity_hints("IF12155_0.pdf") == {"report_id": "IF12155"}
    assert filename_to_identity_hints("IF12155.0.pdf") == {"report_id": "IF12155"}
    result = run_job(REGRESSIONS / "IF12155-page1-only.pdf")
    assert result.outcome.status == "extracted", result.outcome.reason
    documents = result.extracted.datasets["documents"]
    assert documents.loc[0, "report_id"] == "IF12155"
    # page 1 alone has no footer identity line: the number comes from the file name, no version is made up
    assert documents.loc[0, "identity_source"] == "file name"
    assert documents["version"].isna().all()
    assert documents.loc[0, "edition"] == "2026-04-21"


def regression_pdf_tables(name: str):
    from extractors.readers.pdf_tables import merge_continued_tables, page_to_tables

    with pdfplumber.open(REGRESSIONS / name) as pdf:
        return merge_continued_tables([t for page in pdf.pages for _, t in page_to_tables(page) if t is not None])


def test_header_labels_set_too_close_to_part_and_regular_weight_qualifiers():
    # R47194 v5 page 11, Table 2: "Annual Average" and "Program Total" head two columns 4 pt apart
    # (one phrase by word spacing), and "(FY2022-FY2026)" under them is in regular weight: the
    # header was once read as two data rows; the web rendering has "Annual Average(FY2022-FY2026)"
    (table,) = regression_pdf_tables("R47194.5-page11-header-labels-set-close.pdf")
    assert table.header_rows == 1
    assert table.rows[0] == ("Program", "FY2022", "FY2023", "FY2024", "FY2025", "FY2026",
                             "Annual Average (FY2022-FY2026)", "Program Total (FY2022-FY2026)")
    assert table.rows[1][0] == "Total" and table.rows[1][-1] == "$43,265"


def test_a_row_wrapped_over_lines_without_rules_is_one_row():
    # IN12680 v1 page 1 and IN12317 v3 page 3: rows are not ruled apart and the second line of a
    # row fills every cell the first did ("Community" / "Bank Leverage", "Proposal" / "(12/25)",
    # "... the grace period for banks" / "to remain ..."): each cell wraps, since its next word
    # would not have fitted, so the line continues the row (the web rendering has one row)
    (capital,) = regression_pdf_tables("IN12680.1-pages1-2-table-of-long-descriptions.pdf")
    first = capital.rows[1]
    assert first[:2] == ("Community Bank Leverage Ratio (CBLR)", "Proposal (12/25)")
    assert first[2].startswith("Tier 1 capital/assets would be reduced from 9% to 8%, and the grace period for banks to remain")
    assert capital.rows[2][0] == "Stress Tests"
    (history,) = regression_pdf_tables("IN12317.3-page3-rows-wrapped-without-rules.pdf")
    row = next(r for r in history.rows if r[0].startswith("Continuing Appropriations"))
    assert row[0].endswith("Veterans Affairs, and Extensions Act, 2026 (P.L. 119-37)") and row[1] == "Pro rata FY2025"
    # dense single-line rows of numbers stay apart
    assert [r[1] for r in history.rows[1:5]] == ["$3 $4 $5", "$5", "$5", "$2.5"]


def test_a_line_starting_a_cell_empty_on_the_line_above_starts_a_row():
    # IF12255 v6 page 2, Table 1: "Senior Farmers' Market" follows a line holding only the statute
    # column's last words ("Act of 1973 (§4(a))"), whose next word would not have fitted: the
    # stub and value cells it starts were empty above, so it is a row of its own
    (table,) = regression_pdf_tables("IF12255.6-page2-wrapped-rows-without-rules.pdf")
    assert [r[0] for r in table.rows[5:7]] == [
        "Food Distribution Program on Indian Reservations (FDPIR)", "Senior Farmers\u2019 Market Nutrition Program (SFMNP)"]


def test_a_parenthesised_qualifier_under_a_value_goes_on_with_its_row():
    # RL34498 page 33 (Table 18 continued): "$166,800" and, 4 pt under it, "(for all filers except
    # married persons filing separately)" beside the stub's "For persons whose ..." are one row,
    # "Limitation on itemized deductions: For persons whose ..." (as in the web rendering)
    (table, *_) = regression_pdf_tables("RL34498-page33-qualifier-under-a-value.pdf")
    first = table.rows[0]
    assert first[0].startswith("Limitation on itemized deductions: For persons whose adjusted gross income (AGI)")
    assert first[0].endswith("were exempt from the limit.")
    assert first[1] == "$166,800 (for all filers except married persons filing separately)"


def test_a_notes_last_line_inside_the_left_column_keeps_the_lettered_notes_under_it():
    # IF12255.6 page 2: Table 1's full-width Source ends with a short line that fits in the left
    # column, so reading order gave it that column; the note stopped there, the short line became a
    # paragraph, and the lettered notes a.-c. under it ("$1 billion to $2 billion since FY2019") were
    # read as body text, with their figures and dates, and rejoined to the column's last paragraph.
    with pdfplumber.open(REGRESSIONS / "IF12255.6-pages1-2-note-last-line-in-left-column.pdf") as pdf:
        doc = pdf_to_document(pdf)
    (note,) = [b for b in doc.blocks if b.kind == "source_note" and b.text.startswith("Source: Funding for SNAP")]
    assert "(2022 data are the most recent available). a. TEFAP appropriation" in note.text
    assert note.text.endswith("c. GusNIP's mandatory funding is provided by a transfer from the Commodity Credit "
                              "Corporation; the transfer is authorized by the program's authorizing language. "
                              "Amount shown is the authorized transfer for FY2026.")
    assert not [b for b in doc.blocks if b.kind == "paragraph" and ("TEFAP appropriation" in b.text or "most recent available" in b.text)]
