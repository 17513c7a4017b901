"""dates extractor: gold expectations for the seed, real corpus regressions, schema, determinism."""
from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from extractors.facts.dates import cover_to_dates, sections_to_dates
from extractors.section_text import ExtractionContext
from schemas import dates as dates_schema
from tests.corpus_paths import MARKDOWN_DIR
from tests.seed_sections import SEED_CONTEXT, markdown_to_sections, lines_to_section, seed_cover_date_text, seed_sections

CONTEXT = ExtractionContext(report_date=date(2024, 11, 5))


@pytest.fixture(scope="module")
def seed_rows() -> list[dict]:
    # as the pipeline does it: the cover's date line, then the section text
    return cover_to_dates(seed_cover_date_text(), SEED_CONTEXT) + sections_to_dates(seed_sections(), SEED_CONTEXT)


def dates_in(text: str) -> list[dict]:
    return sections_to_dates([lines_to_section("s001", "", [text])], CONTEXT)


def find_gold(rows: list[dict], item: dict) -> dict | None:
    for row in rows:
        if item["text"] in row["text"] and row["start"] == item["start"]:
            return row
    return None


def check_gold_item(rows: list[dict], item: dict) -> None:
    row = find_gold(rows, item)
    assert row is not None, f"{item['text']!r} not found"
    assert row["granularity"] == item["granularity"]
    if "end" in item:
        assert row["end"] == item["end"]
    if item["granularity"] == "day":
        assert row["end"] == row["start"]
    if "report's own date" in item.get("note", ""):
        assert row["inferred_year"] is True


def test_gold_must_dates(seed_rows, gold):
    for item in gold["dates"]["must"]:
        check_gold_item(seed_rows, item)


def test_gold_should_dates(seed_rows, gold):
    for item in gold["dates"]["should"]:
        check_gold_item(seed_rows, item)


def test_explicit_dates_are_not_inferred(seed_rows):
    explicit = [r for r in seed_rows if re.search(r"\d{4}", r["text"])]
    assert explicit and not any(r["inferred_year"] for r in explicit)


def test_seed_rows_have_provenance(seed_rows):
    sections = {s.section_id: s.text for s in seed_sections()} | {"cover": seed_cover_date_text()}
    assert any(row["section_id"] == "cover" for row in seed_rows)
    for row in seed_rows:
        assert sections[row["section_id"]][row["char_start"]:row["char_end"]] == row["text"]
        assert row["text"] in row["sentence"]
        assert row["method"].startswith("rule:")


def test_disclaimer_yields_no_dates(seed_rows):
    assert not any("Disclaimer" in s.heading for s in seed_sections())
    assert all("Congressional Research Service" not in r["sentence"] for r in seed_rows)


def test_seed_rows_validate(seed_rows):
    frame = dates_schema.Schema.validate(pd.DataFrame(seed_rows, columns=dates_schema.COLUMNS))
    assert len(frame) == len(seed_rows)


def test_schema_rejects_end_before_start(seed_rows):
    frame = pd.DataFrame(seed_rows, columns=dates_schema.COLUMNS)
    frame.loc[0, "end"] = "1900-01-01"
    with pytest.raises(Exception):
        dates_schema.Schema.validate(frame)


def test_schema_rejects_unknown_granularity(seed_rows):
    frame = pd.DataFrame(seed_rows, columns=dates_schema.COLUMNS)
    frame.loc[0, "granularity"] = "era"
    with pytest.raises(Exception):
        dates_schema.Schema.validate(frame)


def test_deterministic(seed_rows):
    again = cover_to_dates(seed_cover_date_text(), SEED_CONTEXT) + sections_to_dates(seed_sections(), SEED_CONTEXT)
    assert again == seed_rows


@pytest.mark.parametrize("text, expected", [
    ("funds for FY2025-FY2026 were", ("FY2025-FY2026", "2024-10-01", "2026-09-30", "fiscal year range")),
    ("in the first quarter of 2025, exports", ("first quarter of 2025", "2025-01-01", "2025-03-31", "quarter")),
    ("in the first quarter of FY2025, outlays", ("first quarter of FY2025", "2024-10-01", "2024-12-31", "quarter")),
    ("GDP grew in Q3 2024 by", ("Q3 2024", "2024-07-01", "2024-09-30", "quarter")),
    ("talks resumed in summer 2024.", ("summer 2024", "2024-06-01", "2024-08-31", "season")),
    ("prices fell in the 1990s.", ("the 1990s", "1990-01-01", "1999-12-31", "decade")),
    ("since the mid-2010s, trade", ("the mid-2010s", "2014-01-01", "2016-12-31", "decade part")),
    ("the late 1980s saw", ("the late 1980s", "1987-01-01", "1989-12-31", "decade part")),
    ("colony (1910-1945) and", ("1910-1945", "1910-01-01", "1945-12-31", "year range")),
    ("Between 1999 and 2024 (latest data available), U.S.", ("1999 and 2024", "1999-01-01", "2024-12-31", "year range")),
    ("held on September 9-11, 2024, in", ("September 9-11, 2024", "2024-09-09", "2024-09-11", "day range")),
    ("filed (Mar. 3, 2022) in", ("Mar. 3, 2022", "2022-03-03", "2022-03-03", "day")),
    ("Publication Date: 04/16/2026", ("04/16/2026", "2026-04-16", "2026-04-16", "day")),
    ("signed Sept. 5, 2024, and", ("Sept. 5, 2024", "2024-09-05", "2024-09-05", "day")),
    ("on 5 June 2024 the", ("5 June 2024", "2024-06-05", "2024-06-05", "day")),
    ("a leap day, February 29, 2024, when", ("February 29, 2024", "2024-02-29", "2024-02-29", "day")),
    ("by the 21st of (June 1st, 2025) then", ("June 1st, 2025", "2025-06-01", "2025-06-01", "day")),
])
def test_expression_kinds(text, expected):
    rows = [(r["text"], r["start"], r["end"], r["granularity"]) for r in dates_in(text)]
    assert expected in rows


@pytest.mark.parametrize("text", [
    "It cost $2024 in fees.",
    "a total of 2,024 cases",
    "under P.L. 118-31 and §2024 of title 10",
    "deployed 2000 troops to the region",
    "see 42 U.S.C. 2000 for details",
    "H.R. 2024 passed the House",
    "a rate of 2024% was",
    "February 30, 2024 is not a day",
])
def test_not_dates(text):
    assert dates_in(text) == []


def test_two_listed_years_are_not_a_range():
    rows = dates_in("in 2023 and 2024, exports rose")
    assert [(r["text"], r["granularity"]) for r in rows] == [("2023", "year"), ("2024", "year")]


def test_yearless_date_needs_a_report_date():
    section = lines_to_section("s001", "", ["The vote is on November 11."])
    assert sections_to_dates([section], ExtractionContext(report_date=None)) == []
    assert sections_to_dates([section], CONTEXT)[0]["start"] == "2024-11-11"


def test_bare_month_needs_a_preposition():
    # "May" as a verb, a month name inside a name: never dates without a year or day
    assert dates_in("Congress May act. The August Wilson Theater.") == []
    assert [r["text"] for r in dates_in("In August, Kishida announced")] == ["August"]


# Regressions from reading the output on the corpus markdown renderings.
def corpus_rows(name_part: str) -> list[dict]:
    path = next(MARKDOWN_DIR.glob(f"*{name_part}*.md"))
    return sections_to_dates(markdown_to_sections(path.read_text(encoding="utf-8")), CONTEXT)


def test_mexico_trade_dates():
    rows = corpus_rows("IF11175")
    by_text = {(r["text"], r["start"], r["granularity"]) for r in rows}
    assert ("July 1, 2020", "2020-07-01", "day") in by_text
    assert ("February 24, 2026", "2026-02-24", "day") in by_text
    assert ("the late 1980s", "1987-01-01", "decade part") in by_text
    # "the 119 Congress" (a superscript lost) is not a year
    assert not any(r["text"] == "119" for r in rows)
    assert dates_schema.Schema.validate(pd.DataFrame(rows, columns=dates_schema.COLUMNS)).shape[0] == len(rows)


def test_energy_star_fiscal_years():
    rows = corpus_rows("IF10753v7")
    fiscal = {r["text"]: (r["start"], r["end"]) for r in rows if r["granularity"] == "fiscal year"}
    assert fiscal.get("FY2007") == ("2006-10-01", "2007-09-30")
    # public law numbers "P.L. 119-74" never become years
    assert not any(r["text"] in ("119", "74") or "119-74" in r["text"] for r in rows)


def test_recurring_day_is_not_given_the_report_year():
    # RL34498: "the 12 months ending on August 31 of the preceding year" became 2024-08-31
    assert dates_in("the average CPI-U in the 12 months ending on August 31 of the preceding year") == []
    assert dates_in("due in April of each year") == []


# ---------------------------------------------------------------- the document's own date, year ranges


def test_cover_date_line_is_a_dates_row_with_section_cover():
    from extractors.facts.dates import cover_to_dates

    rows = cover_to_dates("Updated November 5, 2024", CONTEXT)
    assert [(r["text"], r["start"], r["end"], r["granularity"], r["section_id"]) for r in rows] == [
        ("November 5, 2024", "2024-11-05", "2024-11-05", "day", "cover")
    ]
    assert rows[0]["sentence"] == "Updated November 5, 2024"
    assert "Updated November 5, 2024"[rows[0]["char_start"]:rows[0]["char_end"]] == "November 5, 2024"
    assert cover_to_dates(None, CONTEXT) == [] and cover_to_dates("  ", CONTEXT) == []


def test_year_range_after_a_possessive_is_a_range():
    # IF10199 v49 (tests/fixtures/corpus/html): "the legacies of Japan's 1910-1945 colonization"
    rows = dates_in("Tensions persist over the legacies of Japan's 1910-1945 colonization of the Korean Peninsula.")
    assert [(r["text"], r["start"], r["end"], r["granularity"]) for r in rows] == [
        ("1910-1945", "1910-01-01", "1945-12-31", "year range")
    ]


@pytest.mark.parametrize("text", ["See pp. 1910-1945 of the record.", "Sections 1910-1945 of title 7 apply."])
def test_page_and_section_number_ranges_are_not_years(text):
    assert dates_in(text) == []


def test_fiscal_year_range_with_both_prefixes():
    rows = dates_in("Funding for FY2024-FY2026 rose.")
    assert [(r["text"], r["start"], r["end"], r["granularity"]) for r in rows] == [
        ("FY2024-FY2026", "2023-10-01", "2026-09-30", "fiscal year range")
    ]


def test_the_pipeline_publishes_every_gold_must_date_including_the_cover(gold):
    from flows.pipeline.extract import extract_edition
    from flows.store.raw_store import sha256_of
    from tests.corpus_paths import SEED_PATH

    data = SEED_PATH.read_bytes()
    edition = extract_edition(data, sha256_of(data), SEED_PATH.name, report_id_override="IF10199", nlp_model=None, max_pages=10)
    rows = edition.datasets["dates"].to_dict(orient="records")
    for item in gold["dates"]["must"]:
        check_gold_item(rows, item)
    cover = [r for r in rows if r["section_id"] == "cover"]
    assert [(r["text"], r["start"]) for r in cover] == [("November 5, 2024", "2024-11-05")]
