"""Acronym definitions against the gold file and the variants CRS writes, on real corpus text."""
from __future__ import annotations

import pandas as pd
import pytest

from extractors.facts.acronyms import sections_to_acronyms, text_to_definitions
from extractors.section_text import SectionText
from schemas.acronyms import COLUMNS, Schema
from tests.corpus_paths import MARKDOWN_DIR
from tests.seed_sections import markdown_to_sections, seed_sections


@pytest.fixture(scope="module")
def seed_rows():
    return sections_to_acronyms(seed_sections())  # spaCy's sentences, as the pipeline gives them


def pairs(rows):
    return {(r["short"], r["long"]) for r in rows}


def test_every_gold_must_acronym_is_found(gold, seed_rows):
    missing = [(a["short"], a["long"]) for a in gold["acronyms"]["must"] if (a["short"], a["long"]) not in pairs(seed_rows)]
    assert missing == []


def test_gold_should_acronyms_are_found(gold, seed_rows):
    missing = [(a["short"], a["long"]) for a in gold["acronyms"]["should"] if (a["short"], a["long"]) not in pairs(seed_rows)]
    assert missing == []


def test_no_seed_acronym_outside_the_gold_lists(gold, seed_rows):
    # the seed defines exactly these; anything else would be a wrong row
    expected = {a["short"] for a in gold["acronyms"]["must"] + gold["acronyms"]["should"]}
    assert {r["short"] for r in seed_rows} == expected


def test_rows_validate_and_carry_provenance_of_the_definition(seed_rows):
    frame = Schema.validate(pd.DataFrame(seed_rows, columns=list(COLUMNS)))
    assert len(frame) == len(seed_rows)
    sections = {s.section_id: s for s in seed_sections()}
    for row in seed_rows:
        defined = sections[row["section_id"]].text[row["char_start"]:row["char_end"]]
        assert row["long"] in defined and row["short"] in defined
        assert row["short"] in row["sentence"]


def test_one_row_per_short_form_first_definition_wins():
    text = ("The Department of Justice (DOJ) and the Federal Trade Commission (FTC) share the work. "
            "Later the Department of Justice (DOJ) sued.")
    section = SectionText("s1", "", text, ((0, len(text)),))
    rows = sections_to_acronyms([section])
    assert [r["short"] for r in rows] == ["DOJ", "FTC"]
    assert rows[0]["char_start"] == text.index("Department")


@pytest.mark.parametrize("text, expected", [
    ("Japan's Liberal Democratic Party's (LDP's) dominance", ("LDP", "Liberal Democratic Party")),
    ("an increasingly assertive People's Republic of China (PRC, or China) and", ("PRC", "People's Republic of China")),
    ("the International Emergency Economic Powers Act (IEEPA, 50 U.S.C. §§1701 et seq.)", ("IEEPA", "International Emergency Economic Powers Act")),
    ("its military (known as the Self-Defense Forces, or SDF) more capable", ("SDF", "Self-Defense Forces")),
    ("participate in the Quadrilateral Security Dialogue (“the Quad”), and", ("Quad", "Quadrilateral Security Dialogue")),
    ("funding for research and development (R&D) in", ("R&D", "research and development")),
])
def test_crs_definition_variants(text, expected):
    assert [d[:2] for d in text_to_definitions(text)] == [expected]


@pytest.mark.parametrize("text", [
    "the first-ever summit (1895-1945) roughly",
    "as Smith noted (2019), the rule",
    "Senator Smith (D-CA) said",
    "the Trade Act of 1974 (P.L. 93-618) authorizes",
    "the total (U.S. $ billions) in",
])
def test_parentheses_that_are_not_definitions(text):
    assert text_to_definitions(text) == []


def test_corpus_reports_definitions_are_initials_of_their_long_forms():
    """USMCA/NAFTA in IF11175 and DOJ/FTC/APA in LSB11418, read from the real markdown."""
    found = {}
    for name in ("IF11175v11-u-s-mexico-trade-relations.md", "LSB11418v1-recent-developments-in-hart-scott-rodino-merger-.md"):
        sections = markdown_to_sections((MARKDOWN_DIR / name).read_text(encoding="utf-8"))
        found.update({r["short"]: r["long"] for r in sections_to_acronyms(sections)})
    assert found["USMCA"] == "U.S.-Mexico-Canada Agreement"
    assert found["NAFTA"] == "North American Free Trade Agreement"
    assert found["DOJ"] == "Department of Justice"
    assert found["FTC"] == "Federal Trade Commission"
    assert found["APA"] == "Administrative Procedure Act"
