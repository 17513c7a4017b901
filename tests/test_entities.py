"""Entities and entity counts on the seed (gold file) and on other real CRS reports.

Each corpus test below pins a wrong row found by reading the output as an analyst would.
"""
from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest

from extractors.facts.acronyms import sections_to_acronyms
from extractors.facts.entities import KEPT_LABELS, LongForm, Mention, entities_to_counts, link_short_forms, sections_to_entities
from extractors.facts.law_patterns import text_to_law_spans
from extractors.facts.nlp import doc_to_sentence_spans, load_pipeline, model_name_to_use, texts_to_docs
from extractors.section_text import SectionText
from extractors.sections import blocks_to_sections, content_sections
from extractors.readers.text import text_to_document
from schemas import entities as entities_schema
from schemas import entity_counts as counts_schema
from tests.corpus_paths import MARKDOWN_DIR, SEED_PATH
from tests.seed_sections import markdown_to_sections

# "**Mark E. Manyin, Coordinator**, Specialist in Asian Affairs": author blocks, not section text.
AUTHOR_LINE_RE = re.compile(r"^\*\*[^*\n]+\*\*,[^\n]*$", re.M)
NUMERIC_LABELS = {"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL"}


def sections_to_rows(sections: list[SectionText]) -> tuple[list[SectionText], list[dict]]:
    docs = texts_to_docs(load_pipeline(), [s.text for s in sections])
    sections = [replace(s, sentences=doc_to_sentence_spans(d)) for s, d in zip(sections, docs)]
    return sections, sections_to_entities(sections, docs, sections_to_acronyms(sections), model_name_to_use())


def seed_text_sections() -> list[SectionText]:
    return markdown_to_sections(AUTHOR_LINE_RE.sub("", SEED_PATH.read_text(encoding="utf-8")))


def report_sections(markdown_name: str) -> list[SectionText]:
    """A corpus markdown report through the project's own reader and sectioner."""
    document = text_to_document((MARKDOWN_DIR / markdown_name).read_text(encoding="utf-8"))
    return [SectionText(s.section_id, s.heading, s.text, ((0, len(s.text)),))
            for s in content_sections(blocks_to_sections(document.blocks))]


@pytest.fixture(scope="module")
def seed():
    return sections_to_rows(seed_text_sections())


@pytest.fixture(scope="module")
def seed_rows(seed):
    return seed[1]


def has(rows, text, label):
    return any((r["text"] == text or r["norm"] == text) and r["label"] == label for r in rows)


def test_gold_must_entities(gold, seed_rows):
    missing = [(e["text"], e["label"]) for e in gold["entities"]["must"] if not has(seed_rows, e["text"], e["label"])]
    assert missing == []


def test_gold_should_entities(gold, seed_rows):
    missing = [(e["text"], e["label"]) for e in gold["entities"]["should"] if not has(seed_rows, e["text"], e["label"])]
    # "Bureau of Economic Analysis" is only in Figure 1's source note, which is not section text
    assert missing == [("Bureau of Economic Analysis", "ORG")]


def test_gold_must_not_entities(gold, seed_rows):
    for rule in gold["entities"]["must_not"]:
        match = re.match(r"^'(?P<text>[^']+)'(?: as an? (?P<label>[A-Z_]+))?", rule)
        assert match, rule
        bad = [r for r in seed_rows if match["text"] in r["text"]
               and (match["label"] is None or r["label"] == match["label"])]
        assert bad == [], rule


def test_rows_validate_against_the_schema_in_published_order(seed_rows):
    frame = entities_schema.Schema.validate(pd.DataFrame(seed_rows, columns=list(entities_schema.COLUMNS)))
    assert len(frame) == len(seed_rows) > 150


def test_no_junk_rows(seed_rows):
    for row in seed_rows:
        assert row["label"] in KEPT_LABELS and row["label"] not in NUMERIC_LABELS
        assert "\n" not in row["text"] and not re.search(r"[#*<>]", row["text"])
        assert re.search(r"[A-Za-z]", row["text"]), row
        assert not re.match(r"(?i)the\s", row["norm"]) and not row["norm"].endswith(("'s", "’s")), row


def test_text_and_sentence_are_the_real_section_text(seed):
    sections, rows = seed
    by_id = {s.section_id: s for s in sections}
    for row in rows:
        section = by_id[row["section_id"]]
        assert section.text[row["char_start"]:row["char_end"]] == row["text"]
        assert row["text"] in row["sentence"] and row["sentence"] in section.text


def test_places_get_canonical_norms(seed_rows):
    norms = {(r["text"], r["label"]): r["norm"] for r in seed_rows}
    assert norms[("U.S.", "GPE")] == "United States"
    assert norms[("PRC", "GPE")] == "China"
    assert norms[("People's Republic of China", "GPE")] == "China"
    assert norms[("Okinawa", "GPE")] == "Okinawa"


def test_compound_adjectives_split_into_places(seed):
    sections, rows = seed
    overview = next(s for s in sections if "mutual defense treaty" in s.text)
    start = overview.text.index("U.S.-Japan mutual")
    at = {(r["char_start"], r["char_end"]): r for r in rows if r["section_id"] == overview.section_id}
    assert at[(start, start + 4)]["norm"] == "United States" and at[(start, start + 4)]["label"] == "GPE"
    assert at[(start + 5, start + 10)]["norm"] == "Japan"
    aukus = next(s for s in sections if "AUKUS" in s.text)
    uk = aukus.text.index("United Kingdom-U.S.")
    assert any(r["char_start"] == uk and r["norm"] == "United Kingdom" for r in rows)


def test_acronym_mentions_take_the_long_form_norm_and_label(seed_rows):
    ldp = [r for r in seed_rows if r["text"] in ("LDP", "LDP's")]
    assert len(ldp) >= 8
    assert {(r["norm"], r["label"]) for r in ldp} == {("Liberal Democratic Party", "ORG")}
    assert {(r["norm"], r["label"]) for r in seed_rows if r["text"] == "USFJ"} == {("U.S. Forces Japan", "ORG")}
    assert {r["norm"] for r in seed_rows if r["text"] == "CFIUS"} == {"Committee on Foreign Investment in the United States"}
    assert {r["norm"] for r in seed_rows if r["text"] == "IRA"} == {"Inflation Reduction Act"}
    # short forms of common nouns are not named entities
    assert not [r for r in seed_rows if r["text"] in ("EV", "GDP", "FTA", "FTAs")]


def test_surnames_join_the_full_name_and_label(seed_rows):
    assert {(r["norm"], r["label"]) for r in seed_rows if r["text"] == "Kishida"} == {("Fumio Kishida", "PERSON")}
    assert {(r["norm"], r["label"]) for r in seed_rows if r["text"] == "Yoon"} == {("Yoon Suk-yeol", "PERSON")}
    assert {r["label"] for r in seed_rows if r["text"] == "Biden"} == {"PERSON"}


def test_the_komeito_party_is_an_org_named_komeito(seed_rows):
    assert {(r["text"], r["label"]) for r in seed_rows if "Komeito" in r["text"]} == {("Komeito", "ORG")}


def test_counts_validate_and_add_up(seed_rows):
    counts = entities_to_counts(seed_rows)
    counts_schema.Schema.validate(pd.DataFrame(counts, columns=list(counts_schema.COLUMNS)))
    assert sum(c["mentions"] for c in counts) == len(seed_rows)
    assert (counts[0]["norm"], counts[0]["label"]) == ("Japan", "GPE")
    assert [c["mentions"] for c in counts] == sorted((c["mentions"] for c in counts), reverse=True)
    ldp = next(c for c in counts if c["norm"] == "Liberal Democratic Party")
    first = next(r for r in seed_rows if r["norm"] == "Liberal Democratic Party")
    assert ldp["first_section_id"] == first["section_id"]


def test_two_runs_give_identical_rows(seed_rows):
    _, again = sections_to_rows(seed_text_sections())
    assert again == seed_rows


def test_docs_must_belong_to_their_sections():
    sections = seed_text_sections()[:2]
    docs = texts_to_docs(load_pipeline(), [s.text for s in sections])
    with pytest.raises(ValueError):
        sections_to_entities(sections, docs[::-1], [], "m")


# --- laws -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, norm", [
    ("P.L. 118-31", "P.L. 118-31"), ("P.L.119-37", "P.L. 119-37"), ("H.R. 2638", "H.R. 2638"),
    ("S. 2692", "S. 2692"), ("H.Res. 971", "H.Res. 971"), ("S.Res. 547", "S.Res. 547"),
    ("H.Con.Res. 71", "H.Con.Res. 71"), ("S.Con.Res. 33", "S.Con.Res. 33"), ("H.J.Res. 7", "H.J.Res. 7"),
    ("50 U.S.C. §§1701 et seq.", "50 U.S.C. §§1701 et seq."), ("7 U.S.C. §2202", "7 U.S.C. §2202"),
    ("7 U.S.C §2202", "7 U.S.C. §2202"), ("19 U.S.C. §1862", "19 U.S.C. §1862"),
    ("Inflation Reduction Act", "Inflation Reduction Act"), ("Trade Act of 1974", "Trade Act of 1974"),
    ("FY2024 National Defense Authorization Act", "FY2024 National Defense Authorization Act"),
    ("Hart-Scott-Rodino Antitrust Improvements Act of 1976", "Hart-Scott-Rodino Antitrust Improvements Act of 1976"),
])
def test_law_rules(text, norm):
    sentence = f"Congress referred to {text}, in this report."
    spans = text_to_law_spans(sentence)
    assert [(sentence[s.start:s.end], s.norm) for s in spans] == [(text, norm)]


def test_section_232_citation_names_the_act():
    text = "Section 232 of the Trade Expansion Act of 1962 allows tariffs."
    assert [s.norm for s in text_to_law_spans(text)] == ["Trade Expansion Act of 1962"]


def test_act_names_do_not_run_across_sentences():
    text = "He met Harry S. Truman. Under the Tax Cuts and Jobs Act, rates fell."
    assert [s.norm for s in text_to_law_spans(text)] == ["Tax Cuts and Jobs Act"]


# --- other corpus reports: wrong rows found by reading the output -----------------------------

@pytest.fixture(scope="module")
def hsr_rows():
    return sections_to_rows(report_sections("LSB11418v1-recent-developments-in-hart-scott-rodino-merger-.md"))[1]


@pytest.fixture(scope="module")
def mexico_rows():
    return sections_to_rows(report_sections("IF11175v11-u-s-mexico-trade-relations.md"))[1]


def test_corpus_rows_validate(hsr_rows, mexico_rows):
    for rows in (hsr_rows, mexico_rows):
        entities_schema.Schema.validate(pd.DataFrame(rows, columns=list(entities_schema.COLUMNS)))


def test_lowercase_words_are_not_people(hsr_rows):
    # "...may substantially lessen competition": the model tagged "lessen" PERSON
    assert not [r for r in hsr_rows if r["text"] == "lessen"]


def test_titles_are_not_part_of_names(hsr_rows):
    # "Former Chair Khan, in a statement..." -> Khan, the full name from "Chair Lina Khan"
    khan = [r for r in hsr_rows if "Khan" in r["text"]]
    assert khan and {(r["norm"], r["label"]) for r in khan} == {("Lina Khan", "PERSON")}
    assert not [r for r in khan if r["text"].startswith("Chair")]


def test_generic_capitalised_nouns_are_not_orgs(hsr_rows):
    # "the Agencies" (DOJ and FTC together) was an ORG row six times
    assert not [r for r in hsr_rows if r["text"] in ("Agencies", "Administration")]


def test_act_with_its_acronym_inside_is_one_law(hsr_rows):
    names = {r["norm"] for r in hsr_rows if r["label"] == "LAW"}
    assert "Housing Acquisitions Review and Transparency (HART) Act" in names
    assert "Stopping Threats to Our Prices from Bad Mergers (STOP Bad Mergers) Act" in names
    assert not [r for r in hsr_rows if r["text"] in ("Bad Mergers", "Housing Acquisitions Review and Transparency")]


def test_plural_congresses_is_congress(hsr_rows):
    assert {(r["norm"], r["label"]) for r in hsr_rows if r["text"] == "Congresses"} == {("Congress", "ORG")}


def test_slash_joined_acronyms_become_their_laws(mexico_rows):
    # "the NAFTA/USMCA rules" was one ORG row
    assert not [r for r in mexico_rows if "/" in r["text"]]
    usmca = {(r["norm"], r["label"]) for r in mexico_rows if r["text"] == "USMCA"}
    assert usmca == {("U.S.-Mexico-Canada Agreement", "LAW")}


def test_common_noun_acronyms_are_not_entities(mexico_rows):
    # "U.S. FDI in Mexico" was an ORG; FDI is "foreign direct investment"
    assert not [r for r in mexico_rows if "FDI" in r["text"]]


@pytest.fixture(scope="module")
def kings_rows():
    return sections_to_rows(report_sections("IN12682v2-kings-and-queens-addressing-joint-meetings-of-co.md"))[1]


@pytest.fixture(scope="module")
def usda_rows():
    return sections_to_rows(report_sections("R48905v2-u-s-department-of-agriculture-usda-structure-and.md"))[1]


def test_regnal_names_are_not_merged_into_another_king(kings_rows):
    # "His Majesty King Hussein I" was normed to "King Abdullah II Bin Al Hussein", a different king.
    # (That sentence is a lettered note of Table 1, which the markdown reader now keeps with the table,
    # as the PDF prints it; what is left in the text must still keep each king to himself.)
    hussein = [r for r in kings_rows if "Hussein" in r["text"]]
    assert hussein and all(r["norm"] == r["text"] or r["norm"] == "Hussein" for r in hussein)
    assert not [r for r in kings_rows if r["label"] == "PERSON" and r["text"].endswith(("King", "Majesty"))]


def test_kingdom_of_names_are_whole(kings_rows):
    assert has(kings_rows, "Hashemite Kingdom of Jordan", "GPE")
    assert not [r for r in kings_rows if r["text"] == "Hashemite Kingdom"]
    assert {r["norm"] for r in kings_rows if r["text"].startswith("United Kingdom")} == {"United Kingdom"}


def test_cut_quoted_titles_are_dropped(kings_rows):
    # '"Joint Sessions and Meetings, Address to the Senate or the House, and Inauguration..."' was cut
    assert not [r for r in kings_rows if r["label"] == "WORK_OF_ART" and r["text"].startswith("Joint")]


def test_usda_report_rows_found_wrong_by_reading(usda_rows):
    entities_schema.Schema.validate(pd.DataFrame(usda_rows, columns=list(entities_schema.COLUMNS)))
    assert {r["label"] for r in usda_rows if r["text"] == "Alaska Natives"} == {"NORP"}
    assert {r["label"] for r in usda_rows if r["text"] == "Yates Building"} == {"FAC"}
    assert not [r for r in usda_rows if r["text"] == "Notes"]
    approps = "Agriculture, Rural Development, Food and Drug Administration, and Related Agency Appropriations Act, 2026"
    assert has(usda_rows, approps, "LAW")
    assert not [r for r in usda_rows if r["text"] == "Agriculture, Rural Development, Food and Drug Administration"]
    usda = {(r["norm"], r["label"]) for r in usda_rows if r["text"] == "USDA"}
    assert usda == {("Department of Agriculture", "ORG")}


def test_later_html_edition_names_the_new_premier_a_person():
    # IF10199 v49 (2026): "hosting current premier Sanae Takaichi" and four "Takaichi" were ORG rows
    from extractors.readers.html import html_to_document
    from tests.corpus_paths import HTML_PATH

    document = html_to_document(HTML_PATH.read_text(encoding="utf-8"))
    sections = [SectionText(s.section_id, s.heading, s.text, ((0, len(s.text)),))
                for s in content_sections(blocks_to_sections(document.blocks))]
    _, rows = sections_to_rows(sections)
    takaichi = {(r["norm"], r["label"]) for r in rows if "Takaichi" in r["text"]}
    assert takaichi == {("Sanae Takaichi", "PERSON")}
    assert {(r["norm"], r["label"]) for r in rows if r["text"] == "USFJ"} == {("U.S. Forces Japan", "ORG")}


def test_budget_resolution_report_rows_found_wrong_by_reading():
    # R48917: "2025).S.Con.Res. 33" gave a PERSON "Res"; "Table 2" was a LAW; the gazetteer
    # claimed "United States" inside "United States Postal Service"
    _, rows = sections_to_rows(report_sections("R48917v2-s-con-res-33-the-senate-adopted-fy2026-budget-re.md"))
    assert not [r for r in rows if r["text"] in ("Res", "Table 2", "Table 1")]
    assert {r["norm"] for r in rows if r["text"].startswith("S.Con.Res.")} == {"S.Con.Res. 33"}
    assert not [r for r in rows if r["text"] == "United States" and r["method"] == "rule:gazetteer"]


def test_farm_bill_primer_rows_found_wrong_by_reading():
    # IF12155: "through FY2026" was a GPE and the chart text "displaying Billions" an ORG
    _, rows = sections_to_rows(report_sections("IF12155v8-farm-bill-primer-trade-and-export-promotion-prog.md"))
    assert not [r for r in rows if re.fullmatch(r"FY\d{4}|Billions", r["text"])]
    assert has(rows, "7 U.S.C. §5641(b)", "LAW")


def test_a_short_form_takes_over_model_spans_in_its_own_section_only():
    """link_short_forms looks overlaps up per section: the same offsets in another section are not an overlap."""
    text = "The LDP won."
    sections = [SectionText("s001", "", text, ((0, len(text)),)), SectionText("s002", "", "Tokyo LDP.", ((0, 10),))]
    long_forms = {"LDP": LongForm("LDP", "Liberal Democratic Party", "Liberal Democratic Party", "ORG")}
    model_in_first = Mention(0, 4, 7, "ORG", "LDP", "en_core_web_sm")
    model_in_second = Mention(1, 0, 5, "GPE", "Tokyo", "en_core_web_sm")   # offsets overlap s001's LDP (4, 7)
    kept = link_short_forms([model_in_first, model_in_second], sections, long_forms)
    assert model_in_first not in kept and model_in_second in kept
    assert [(m.section, m.start, m.end, m.norm) for m in kept if m.method == "rule:acronym"] == [
        (0, 4, 7, "Liberal Democratic Party"), (1, 6, 9, "Liberal Democratic Party")]


def test_every_trade_country_is_a_ner_place_with_the_same_canonical_name():
    # one list: countries.py owns the names; the gazetteer derives its GPE entries from it
    from extractors.facts.countries import COUNTRIES, name_to_country
    from extractors.facts.entities import canonical_entry, is_place_alias
    from extractors.facts.gazetteer import NOT_FOR_RULER, entity_ruler_patterns
    ruler = {p["pattern"] for p in entity_ruler_patterns() if p["label"] == "GPE"}
    for canonical, aliases in COUNTRIES.items():
        for alias in (canonical, *aliases):
            assert name_to_country(alias) == canonical
            assert is_place_alias(alias) and canonical_entry(alias) == (canonical, "GPE"), alias
        if " " in canonical and canonical not in NOT_FOR_RULER:
            assert canonical in ruler
    assert all(canonical_entry(city) is None for city in ("Okinawa", "Tokyo", "Beijing", "Seoul"))


def test_usda_report_territories_and_countries_get_canonical_norms():
    # R48905: "the United States, Puerto Rico, the U.S. Virgin Islands, and select foreign countries"
    _, rows = sections_to_rows(report_sections("R48905v2-u-s-department-of-agriculture-usda-structure-and.md"))
    norms = {(r["text"], r["norm"], r["label"]) for r in rows}
    assert ("U.S. Virgin Islands", "U.S. Virgin Islands", "GPE") in norms
    assert ("Puerto Rico", "Puerto Rico", "GPE") in norms
    assert ("U.S.", "United States", "GPE") in norms
