"""figures extractor: gold expectations for the seed, real corpus regressions, schema, determinism."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from extractors.facts.figures import sections_to_figures
from extractors.section_text import ExtractionContext
from schemas import figures as figures_schema
from tests.corpus_paths import MARKDOWN_DIR, SEED_PATH
from tests.seed_sections import SEED_CONTEXT, markdown_to_sections, lines_to_section, seed_sections

CONTEXT = ExtractionContext(report_date=date(2024, 11, 5))


@pytest.fixture(scope="module")
def seed_rows() -> list[dict]:
    return sections_to_figures(seed_sections(), SEED_CONTEXT)


def figures_in(text: str) -> list[dict]:
    return sections_to_figures([lines_to_section("s001", "", [text])], CONTEXT)


def fold(text: str) -> str:
    return text.replace("’", "'").replace("\\$", "$")


def check_gold_item(rows: list[dict], item: dict) -> None:
    matches = [r for r in rows if fold(item["text"]).lower() in fold(r["text"]).lower()]
    assert matches, f"{item['text']!r} not found"
    row = matches[0]
    expected_value = item.get("value", item.get("value_low"))
    assert row["value"] == pytest.approx(expected_value), item["text"]
    if "value_high" in item:
        assert row["value_high"] == pytest.approx(item["value_high"])
    for key in ("unit", "qualifier", "per"):
        if key in item:
            assert row[key] == item[key], (item["text"], key, row[key])


def test_gold_must_figures(seed_rows, gold):
    for item in gold["figures"]["must"]:
        check_gold_item(seed_rows, item)


def test_gold_should_figures(seed_rows, gold):
    for item in gold["figures"]["should"]:
        check_gold_item(seed_rows, item)


def test_gold_must_not(seed_rows):
    # '###', '\$' escapes and '§1317' are markup or citations, the Disclaimer yields nothing
    for row in seed_rows:
        assert "#" not in row["text"] and "§" not in row["text"] and "\\" not in row["text"]
        assert "1317" not in row["text"] and "118" not in row["text"]
    raw = SEED_PATH.read_text(encoding="utf-8")
    disclaimer = raw[raw.index("## Disclaimer"):]
    unstripped = lines_to_section("s900", "Disclaimer", disclaimer.splitlines() + ["### Overview", "(P.L. 118-31, §1317)"])
    assert sections_to_figures([unstripped], SEED_CONTEXT) == []


def test_seed_subjects_and_years(seed_rows):
    by_text = {r["text"]: r for r in seed_rows}
    assert by_text["over 50,000"]["unit"] == "persons"
    assert by_text["over 50,000"]["subject"] == "U.S. troops"
    assert by_text["4th-largest"]["year"] == 2022
    assert by_text["4th-largest"]["subject"] == "steel producer"
    assert by_text["20%"]["year"] == 2023
    assert "Japan" in by_text["less than 1%"]["subject"] and "land area" in by_text["less than 1%"]["subject"]
    assert by_text["15%"]["subject"] == "U.S. share"
    # "In 2022, the government released documents ... to 2% of its GDP": 2022 dates the release
    assert by_text["2%"]["year"] is None


def test_seed_rows_have_provenance(seed_rows):
    sections = {s.section_id: s for s in seed_sections()}
    for row in seed_rows:
        assert sections[row["section_id"]].text[row["char_start"]:row["char_end"]] == row["text"]
        assert row["text"] in row["sentence"]


def test_no_figure_inside_a_date(seed_rows):
    # the seed's years and days ("November 11", "June 1, 2024", "1895-1945") are dates only
    assert not any(r["text"] in ("11", "1", "1895", "2024") for r in seed_rows)
    assert figures_in("by June 1, 2024, and in FY2024 and from 1910 to 1945") == []


def test_seed_rows_validate(seed_rows):
    frame = figures_schema.Schema.validate(pd.DataFrame(seed_rows, columns=figures_schema.COLUMNS))
    assert len(frame) == len(seed_rows)


@pytest.mark.parametrize("column, bad", [("unit", "furlongs"), ("kind", "vibe"), ("value_high", -5.0), ("qualifier", "kinda")])
def test_schema_rejects_bad_values(seed_rows, column, bad):
    frame = pd.DataFrame(seed_rows, columns=figures_schema.COLUMNS)
    frame.loc[0, column] = bad
    with pytest.raises(Exception):
        figures_schema.Schema.validate(frame)


def test_deterministic(seed_rows):
    assert sections_to_figures(seed_sections(), SEED_CONTEXT) == seed_rows


@pytest.mark.parametrize("text, expected", [
    ("saved $2.35 billion", ("$2.35 billion", "money", 2.35e9, None, "USD")),
    ("GDP was $1.8 trillion in 2025", ("$1.8 trillion", "money", 1.8e12, None, "USD")),
    ("worth $550 billion", ("$550 billion", "money", 5.5e11, None, "USD")),
    ("not less than $33,024,000 is", ("not less than $33,024,000", "money", 33024000.0, None, "USD")),
    ("costs $2-$3 billion", ("$2-$3 billion", "money", 2e9, 3e9, "USD")),
    ("a rate of 12.5% on", ("12.5%", "percent", 12.5, None, "percent")),
    ("about 70% of exports", ("about 70%", "percent", 70.0, None, "percent")),
    ("rose 25 percent", ("25 percent", "percent", 25.0, None, "percent")),
    ("up 0.5 percentage points", ("0.5 percentage points", "percent", 0.5, None, "percentage points")),
    ("sent 4,000 U.S. Marine Corps personnel to Guam", ("4,000 U.S. Marine Corps personnel", "count", 4000.0, None, "persons")),
    ("a population of 132 million people", ("132 million people", "count", 1.32e8, None, "persons")),
    ("joined the 11-nation pact", ("11-nation", "count", 11.0, None, "countries")),
    ("the world's 27th-largest producer", ("27th-largest", "rank", 27.0, None, "rank")),
    ("one-third of members", ("one-third", "fraction", 0.3333, None, "fraction")),
    ("for up to 150 days", ("up to 150 days", "other", 150.0, None, "days")),
])
def test_figure_kinds(text, expected):
    rows = [(r["text"], r["kind"], r["value"], r["value_high"], r["unit"]) for r in figures_in(text)]
    assert expected in rows


@pytest.mark.parametrize("text", [
    "§1317 of P.L. 118-31 and 50 U.S.C. §§1701 et seq.",
    "H.R. 2638 and S. 2692 were referred.",
    "Section 232 tariffs under Title II",
    "in the 119th Congress",
    "see Figure 1 and Table 2 on page 3",
    "On November 11, 2024 at 10:30",
    "The two countries also collaborate.",
])
def test_not_figures(text):
    assert figures_in(text) == []


# Regressions from reading the output on the corpus markdown renderings.
def test_article_number_followed_by_verb_is_not_a_count():
    # IF11175: "USMCA Article 34.7 states that signatories are to meet..." was a count of 34.7 states
    assert figures_in("USMCA Article 34.7 states that signatories are to meet on the sixth anniversary.") == []


def test_from_to_is_a_change_not_a_range():
    # IF11175: "imports increased from $15.6 billion to $45.1 billion" was one range row
    rows = figures_in("while imports increased from $15.6 billion to $45.1 billion.")
    assert [(r["value"], r["value_high"]) for r in rows] == [(15.6e9, None), (45.1e9, None)]


def test_scaled_decimals_are_exact():
    # IF11175: "$134.2 billion" came out as 134199999999.99998
    assert figures_in("increased from $134.2 billion in 2006")[0]["value"] == 134200000000.0


def test_year_is_the_one_the_figure_is_tied_to():
    # IF11175: "$337.9 billion" took 2006 from "$134.2 billion in 2006 to $337.9 billion in 2025"
    rows = figures_in("U.S. goods exports to Mexico increased from $134.2 billion in 2006 to $337.9 billion in 2025.")
    assert [r["year"] for r in rows] == [2006, 2025]
    # IF11175: a law's year ("Trade Act of 1974") is not the year of the tariff rate
    rows = figures_in("U.S. imports from Mexico are subject to a 10% tariff imposed under Section 122 of the Trade Act of 1974.")
    assert rows[0]["year"] is None


def test_not_less_than_is_its_own_qualifier():
    # IF10753: 'not less than $33,024,000' was qualified 'less than' (the opposite bound)
    assert figures_in('provided for EPA that "not less than $33,024,000 is to')[0]["qualifier"] == "not less than"


def test_preposition_before_number_word_is_not_a_qualifier():
    # IF12155: "carried out under two programs" had qualifier 'under'
    rows = figures_in("Export credit guarantees are carried out under two programs.")
    assert rows and rows[0]["qualifier"] is None


def test_words_before_a_counted_noun_must_be_modifiers():
    # 98-317: "All four types of hearings" was a count of 'types of hearings'
    assert figures_in("All four types of hearings share common characteristics.") == []


def test_subject_keeps_abbreviations():
    # IF12155: 'about 50% of U.S. agricultural exports' had subject 'U'
    row = figures_in("In 2025, about 50% of U.S. agricultural exports were destined for Mexico.")[0]
    assert row["subject"] == "U.S. agricultural exports" and row["year"] == 2025


def test_corpus_documents_validate():
    for path in sorted(MARKDOWN_DIR.glob("IF*.md")):
        rows = sections_to_figures(markdown_to_sections(path.read_text(encoding="utf-8")), CONTEXT)
        assert rows, path.name
        figures_schema.Schema.validate(pd.DataFrame(rows, columns=figures_schema.COLUMNS))


def test_approximate_count_in_an_aside_is_a_count_with_its_qualifier():
    # IF10199 v49 (the HTML edition): "base U.S. troops—currently about 55,000 on active duty—"
    from extractors.readers.html import html_to_document
    from tests.corpus_paths import HTML_PATH

    doc = html_to_document(HTML_PATH.read_bytes())
    paragraph = next(b.text for b in doc.blocks if "about 55,000" in b.text)
    rows = [r for r in figures_in(paragraph) if "55,000" in r["text"]]
    assert [(r["text"], r["kind"], r["value"], r["unit"], r["qualifier"], r["subject"]) for r in rows] == [
        ("about 55,000", "count", 55000.0, "persons", "about", "U.S. troops")
    ]


@pytest.mark.parametrize("text", ["Students (2024) were surveyed.", "The agencies—12 of them—agreed.", "Firms—about 20 percent of them—agreed."])
def test_an_aside_without_a_qualified_number_is_no_count(text):
    assert not [r for r in figures_in(text) if r["kind"] == "count"]


def test_a_change_printed_with_a_minus_sign_keeps_its_sign():
    # R48694 v10: "The largest proposed reduction, $2.6 billion (-74%), would have occurred in ..."
    text = (MARKDOWN_DIR / "R48694v10-federal-research-and-development-r-d-funding-fy2.md").read_text(encoding="utf-8")
    paragraph = next(line for line in text.splitlines() if "(-74%)" in line)
    rows = figures_in(paragraph)
    changes = [(r["text"], r["kind"], r["value"], r["unit"]) for r in rows if r["value"] < 0]
    assert changes == [("-74%", "percent", -74.0, "percent"), ("-57%", "percent", -57.0, "percent")]
    assert ("$2.6 billion", 2.6e9) in [(r["text"], r["value"]) for r in rows]
    frame = figures_schema.Schema.validate(pd.DataFrame(rows, columns=figures_schema.COLUMNS))
    assert len(frame) == len(rows)


@pytest.mark.parametrize("text", ["Spending in FY2025-74% of it went to grants.", "A score of -5 was recorded."])
def test_a_dash_that_is_no_minus_sign_gives_no_negative_figure(text):
    assert all(r["value"] >= 0 for r in figures_in(text))


def test_a_negative_value_needs_its_printed_minus_sign():
    import pandera.errors

    row = figures_in("a reduction of $260.0 million (-57%) from the FY2025 level")[-1]
    with pytest.raises(pandera.errors.SchemaError):
        figures_schema.Schema.validate(pd.DataFrame([{**row, "text": "57%"}], columns=figures_schema.COLUMNS))
