"""Edition diffs on the real corpus pairs, published by the real pipeline (CLI, Prefect flow).

IF10199 2024-11-05 (seed text) -> 2026-10-01.v49 (HTML): substantive changes, renamed headings.
R48905 v1 -> v2 (PDF): typography only ("7 U.S.C §2202" -> "7 U.S.C. §2202"): the diff is near-empty.
IF10753 v6 -> v7 (PDF): appropriations sentences and amounts changed, table rows reflowed.
"""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from extractors.diff.editions import EditionData
from extractors.diff.table_changes import caption_to_stem, tables_to_changes
from extractors.diff.figure_changes import figures_to_changes
from extractors.diff.section_changes import match_sections, section_text_changes
from extractors.diff.comparable_text import text_to_comparable, text_to_sentences, word_diff_excerpt
from flows.cli import cli
from flows.changes.diffs import diff_after_publish, diff_editions, diff_flow, publish_diff
from flows.store.raw_store import file_sha256
from schemas import changes as changes_schema
from tests.corpus_paths import HTML_PATH, PDF_DIR, SEED_PATH

PAIRS = {
    "IF10199": ("2024-11-05", "2026-10-01.v49"),
    "R48905": ("2026-04-14.v1", "2026-04-14.v2"),
    "IF10753": ("2026-04-20.v6", "2026-04-23.v7"),
}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    """One data dir with the three pairs published by `crsdata run`, then each pair's diff published
    the way the run flow will: diff_after_publish(new edition)."""
    data_dir = tmp_path_factory.mktemp("diffs")
    seed = invoke("run", str(SEED_PATH), "--report-id", "IF10199", "--data-dir", str(data_dir))
    assert seed.exit_code == 0, seed.output
    others = [HTML_PATH] + [PDF_DIR / name for name in ("R48905.1.pdf", "R48905.2.pdf", "IF10753.6.pdf", "IF10753.7.pdf")]
    run = invoke("run", *map(str, others), "--data-dir", str(data_dir))
    assert run.exit_code == 0, run.output
    root = data_dir / "processed"
    for report_id, (_, new) in PAIRS.items():
        assert diff_after_publish(root, report_id, new) is not None
    return root


def diff_folder(processed, report_id):
    old, new = PAIRS[report_id]
    return processed / report_id / "diffs" / f"{old}__{new}"


def changes_of(processed, report_id) -> pd.DataFrame:
    return pd.read_csv(diff_folder(processed, report_id) / "changes.csv", dtype=str)


def summary_of(processed, report_id) -> str:
    return (diff_folder(processed, report_id) / "summary.md").read_text(encoding="utf-8")


def rows(frame: pd.DataFrame, **equal) -> pd.DataFrame:
    mask = pd.Series(True, index=frame.index)
    for column, value in equal.items():
        mask &= frame[column] == value
    return frame[mask]


# ---------------------------------------------------------------- IF10199: a real rewrite

def test_if10199_changed_figures_are_one_changed_row_each(processed):
    changes = changes_of(processed, "IF10199")
    figures = rows(changes, dataset="figures")
    troops = figures[figures["old"].fillna("").str.contains("50,000") | figures["new"].fillna("").str.contains("55,000")]
    assert len(troops) == 1, troops
    assert troops.iloc[0]["change"] == "changed"
    assert troops.iloc[0]["old"] == "over 50,000" and troops.iloc[0]["new"] == "about 55,000"
    assert "troops" in troops.iloc[0]["key"]
    okinawa = figures[figures["old"].fillna("").str.contains("25%") & figures["new"].fillna("").str.contains("70%")]
    assert len(okinawa) == 1 and okinawa.iloc[0]["change"] == "changed"
    assert "Okinawa" in okinawa.iloc[0]["old_context"] and "Okinawa" in okinawa.iloc[0]["new_context"]
    # the 70% is not also reported as a new figure, nor the 25% as a dropped one
    assert not ((figures["change"] == "added") & (figures["new"].fillna("").str.contains("70%"))).any()
    assert not ((figures["change"] == "removed") & (figures["old"].fillna("").str.contains("25%"))).any()


def test_if10199_unchanged_defense_target_is_no_change(processed):
    figures = rows(changes_of(processed, "IF10199"), dataset="figures")
    mentions_target = figures["old"].fillna("").eq("2%") | figures["new"].fillna("").eq("2%")
    assert not mentions_target.any(), figures[mentions_target]


def test_if10199_metadata_table_year_and_renamed_headings(processed):
    changes = changes_of(processed, "IF10199")
    date = rows(changes, dataset="documents", field="date")
    assert list(zip(date["old"], date["new"])) == [("2024-11-05", "2026-10-01")]
    year = rows(changes, dataset="tables", field="year")
    assert list(zip(year["old"], year["new"])) == [("2023", "2025")]
    assert "Trade Partners" in year.iloc[0]["key"]
    # the new edition prints Figure 1 as an image: said once, not as 12 dropped cells
    assert rows(changes, dataset="table_cells").empty
    assert rows(changes, dataset="trade_flows").empty
    renamed = rows(changes, dataset="sections", field="heading")
    assert ("Japan Expands Its Defense Posture", "Japan Strengthens Its Defense Posture") in set(zip(renamed["old"], renamed["new"]))
    # a renamed section is matched, so it is neither removed nor added as a whole
    whole = rows(changes, dataset="sections", field="section")
    assert not whole["old"].fillna("").str.contains("Defense Posture").any()
    assert not whole["new"].fillna("").str.contains("Defense Posture").any()
    # the HTML edition prints no authors: that is not four authors removed
    assert rows(changes, dataset="authors").empty


def test_if10199_entities_added_and_dropped_are_absent_from_the_other_text(processed):
    changes = changes_of(processed, "IF10199")
    entities = rows(changes, dataset="entities")
    added, dropped = set(rows(entities, change="added")["key"]), set(rows(entities, change="removed")["key"])
    assert {"Strait of Hormuz", "Iran"} <= added
    assert {"Fumio Kishida", "Inflation Reduction Act"} <= dropped
    # Japan and the United States are in both editions
    assert not ({"Japan", "United States"} & (added | dropped))


def test_if10199_summary_puts_metadata_then_figures_then_sections(processed):
    summary = summary_of(processed, "IF10199")
    assert "over 50,000 -> about 55,000" in summary
    assert "About 25% -> About 70%" in summary
    assert "date: 2024-11-05 -> 2026-10-01" in summary
    assert "renamed: Japan Expands Its Defense Posture -> Japan Strengthens Its Defense Posture" in summary
    positions = [summary.index(h) for h in ("## Metadata", "## Figures", "## Tables", "## Entities", "## Sections")]
    assert positions == sorted(positions)
    # word-level excerpt of the troops sentence: old words struck, new words bold
    assert re.search(r"~~numbering over 50,000~~ \*\*about 55,000 on active duty\*\*", summary)


# ---------------------------------------------------------------- R48905: typography only

def test_r48905_typography_is_not_change(processed):
    changes = changes_of(processed, "R48905")
    # v1 and v2 share one date; only the version number differs
    assert list(zip(changes["dataset"], changes["field"], changes["old"], changes["new"])) == [("documents", "version", "1", "2")]
    summary = summary_of(processed, "R48905")
    assert "no text changed" in summary and "U.S.C" not in summary


# ---------------------------------------------------------------- IF10753: amounts and sentences

def test_if10753_new_amount_changed_sentences_and_date(processed):
    changes = changes_of(processed, "IF10753")
    assert list(zip(*rows(changes, dataset="documents", field="date")[["old", "new"]].values.T)) == [("2026-04-20", "2026-04-23")]
    figures = rows(changes, dataset="figures")
    amount = figures[figures["new"].fillna("").str.contains(r"\$33,024,000", regex=True)]
    assert len(amount) == 1 and "P.L. 119-74" in amount.iloc[0]["new_context"]
    # contexts are whole sentences, not the fragment a splitter left after "H.Rept." ("-215 recommended ...")
    contexts = pd.concat([figures["old_context"], figures["new_context"]]).dropna()
    assert not contexts.str.match(r"^[-\d]").any(), list(contexts)
    sentences = rows(changes, dataset="sections")
    assert set(sentences["section"]) == {"Federal Appropriations"}
    assert sentences["new_context"].fillna("").str.contains("33,024,000").any()
    assert sentences["old_context"].fillna("").str.contains("joint explanatory statement").any()


def test_if10753_reflowed_table_is_no_table_change(processed):
    changes = changes_of(processed, "IF10753")
    assert rows(changes, dataset="table_cells").empty
    assert rows(changes, dataset="tables").empty
    assert "no table or table cell changed" in summary_of(processed, "IF10753")
    # the unchanged figures ($58 million, about 87%, $36 million) are not reported
    figures = rows(changes, dataset="figures")
    for text in ("$58 million", "about 87%", "$36 million"):
        assert not (figures["old"].fillna("").str.contains(re.escape(text)) | figures["new"].fillna("").str.contains(re.escape(text))).any(), text


# ---------------------------------------------------------------- publishing

def test_published_diff_folder_is_complete_valid_and_immutable(processed):
    folder = diff_folder(processed, "IF10753")
    assert sorted(p.name for p in folder.iterdir()) == ["changes.csv", "changes.parquet", "manifest.json", "summary.md"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["from_edition"], manifest["to_edition"]) == PAIRS["IF10753"]
    for name, entry in manifest["files"].items():
        assert file_sha256(folder / name) == entry["sha256"]
    frame = pd.read_parquet(folder / "changes.parquet")
    assert tuple(frame.columns) == changes_schema.COLUMNS
    assert manifest["files"]["changes.csv"]["rows"] == len(frame) == manifest["rows"]
    changes_schema.Schema.validate(pd.read_csv(folder / "changes.csv"))
    old_manifest = read_editions_manifest(processed, "IF10753", manifest["from_edition"])
    assert manifest["from_source_sha256"] == old_manifest["source_sha256"]
    before = {p.name: file_sha256(p) for p in folder.iterdir()}
    again = publish_diff(processed, diff_editions(processed, "IF10753"))
    assert again == folder
    assert {p.name: file_sha256(p) for p in folder.iterdir()} == before
    assert not list(folder.parent.glob(".staging-*"))


def read_editions_manifest(processed, report_id, edition):
    return json.loads((processed / report_id / edition / "manifest.json").read_text())


def test_diff_after_publish_needs_an_earlier_edition(processed):
    assert diff_after_publish(processed, "IF10753", "2026-04-20.v6") is None
    assert diff_after_publish(processed, "IF10753", "2026-04-23.v7") == diff_folder(processed, "IF10753")


def test_schema_rejects_an_added_row_with_an_old_value():
    bad = pd.DataFrame([{c: None for c in changes_schema.COLUMNS} | {"dataset": "figures", "change": "added", "key": "x", "old": "1", "new": "2"}])
    with pytest.raises(Exception):
        changes_schema.Schema.validate(bad)


# ---------------------------------------------------------------- command line and flow

def test_cli_formats(processed):
    data_dir = str(processed.parent)
    table = invoke("diff", "IF10753", "--data-dir", data_dir)
    assert table.exit_code == 0, table.output
    assert "$33,024,000" in table.output and "Published:" in table.output
    markdown = invoke("diff", "IF10753", "--format", "markdown", "--data-dir", data_dir)
    assert markdown.output.strip() == summary_of(processed, "IF10753").strip()
    as_json = json.loads(invoke("diff", "IF10199", "--from", "2024-11-05", "--to", "2026-10-01.v49", "--format", "json", "--data-dir", data_dir).output)
    assert (as_json["from"], as_json["to"]) == PAIRS["IF10199"]
    assert len(as_json["changes"]) == len(changes_of(processed, "IF10199"))
    html = invoke("diff", "R48905", "--format", "html", "--data-dir", data_dir)
    assert html.output.startswith("<!doctype html>") and "<table" in html.output


def test_cli_errors_are_one_line(processed):
    data_dir = str(processed.parent)
    unknown = invoke("diff", "IF10753", "--from", "2020-01-01", "--data-dir", data_dir)
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == "Error: IF10753 2020-01-01: no such edition (published: 2026-04-20.v6, 2026-04-23.v7)"
    same = invoke("diff", "IF10753", "--from", "2026-04-23.v7", "--data-dir", data_dir)
    assert same.exit_code == 1 and same.stderr.startswith("Error: IF10753 2026-04-23.v7: ") and len(same.stderr.strip().splitlines()) == 1
    missing = invoke("diff", "IF99999", "--data-dir", data_dir)
    assert missing.exit_code == 1 and missing.stderr.strip() == "Error: IF99999: no published edition; run 'crsdata run' on it first"


def test_diff_flow_returns_the_published_folder(processed):
    assert diff_flow(str(processed), "R48905") == str(diff_folder(processed, "R48905"))


# ---------------------------------------------------------------- pure matching on real sentences

@pytest.mark.parametrize(
    "a, b",
    [
        ("7 U.S.C §2202.", "7 U.S.C. §2202."),  # R48905 v1 -> v2
        ("P rovides centralized coordination of USDA’s budget", "Provides centralized coordination of USDA's budget"),
        ("all 50 states, Washington DC, Puerto Rico, Guam, and", "all 50 states, Washington, DC; Puerto Rico; Guam; and"),
        ("in both inflation-\nadjusted and nominal dollars ( Table 2 ).", "in both inflation-adjusted and nominal\ndollars (Table 2)."),
        ("“equal to the fiscal year 2024 enacted level.”", '"equal to the fiscal year 2024 enacted level."'),
    ],
)
def test_typography_compares_equal(a, b):
    assert text_to_comparable(a) == text_to_comparable(b)


@pytest.mark.parametrize("a, b", [("$4.3", "$43"), ("$32 million", "$33 million"), ("about 25%", "about 25")])
def test_numbers_stay_different(a, b):
    assert text_to_comparable(a) != text_to_comparable(b)


def test_sentences_do_not_end_at_bill_abbreviations():
    text = "H.Rept. 119-215 recommended $32 million in total funding. S.Rept. 119-46 recommended $36 million in total funding."
    assert text_to_sentences(text) == [
        "H.Rept. 119-215 recommended $32 million in total funding.",
        "S.Rept. 119-46 recommended $36 million in total funding.",
    ]
    assert len(text_to_sentences("In the FY2024 National Defense Authorization Act (P.L. 118-31, §1317), Congress required a report.")) == 1


def test_caption_stem_ignores_number_and_year():
    assert caption_to_stem("Figure 1. Top U.S. Trade Partners, 2023") == caption_to_stem("Figure 1. Top U.S. Trade Partners, 2025")
    assert caption_to_stem("Table 2. ENERGY STAR Appropriations, FY2016-FY2025") == caption_to_stem("Table 3. ENERGY STAR Appropriations, FY2017-FY2026")


def test_word_diff_excerpt_marks_only_the_changed_words():
    old = "The treaty grants the United States the right to base U.S. troops\u2014currently numbering over 50,000\u2014and military assets on Japan's territory."
    new = "The treaty grants the United States the right to base U.S. troops\u2014currently about 55,000 on active duty\u2014and military assets on Japan's territory."
    excerpt = word_diff_excerpt(old, new)
    assert "~~numbering over 50,000~~ **about 55,000 on active duty**" in excerpt
    assert "~~" not in excerpt.replace("~~numbering over 50,000~~", "")


def edition(edition_key: str, sections: list[tuple[str, str, str]], figures: list[dict]) -> EditionData:
    section_frame = pd.DataFrame(
        [{"section_id": sid, "order": n, "heading": h, "level": 1, "text": t, "boilerplate": False} for n, (sid, h, t) in enumerate(sections, 1)]
    )
    return EditionData(edition_key, {"edition": edition_key}, {"sections": section_frame, "figures": pd.DataFrame(figures)})


def figure(text, kind, value, unit, subject, section_id, sentence, qualifier=None):
    return {"text": text, "kind": kind, "value": value, "value_high": None, "unit": unit, "qualifier": qualifier,
            "year": None, "subject": subject, "section_id": section_id, "sentence": sentence}


def test_same_value_with_reworded_sentence_and_renamed_section_is_no_change():
    """IF10199: the 2% target sits in a renamed section, in a rewritten sentence, with another subject."""
    old_sentence = ('In 2022, the government released security documents that declare Japan\'s intention to develop a "counterstrike" '
                    "missile capability to attack enemy missile launch sites and outline plans to double Japan's security-related "
                    "spending to 2% of its gross domestic product by 2027.")
    new_sentence = ("In 2022, the Japanese government released plans to raise the country's defense spending to 2% of its GDP by FY2027 "
                    'and declared it would develop a "counterstrike" capability.')
    old = edition("a", [("s004", "Japan Expands Its Defense Posture", old_sentence)],
                  [figure("2%", "percent", 2.0, "percent", "its gross domestic product", "s004", old_sentence)])
    new = edition("b", [("s004", "Japan Strengthens Its Defense Posture", new_sentence)],
                  [figure("2%", "percent", 2.0, "percent", "its GDP", "s004", new_sentence)])
    section_map = match_sections(old.content_sections(), new.content_sections())
    assert section_map == {"s004": "s004"}
    assert figures_to_changes(old, new, section_map) == []


def test_same_value_in_an_unrelated_sentence_is_not_a_match():
    """IF10199: 'The U.S. share was 15%' (China section) and the new 15% tariff (trade section) differ."""
    old_sentence, new_sentence = "(The U.S. share was 15%.)", "Under the agreement the United States imposed a 15% tariff on most imports from Japan."
    old = edition("a", [("s006", "China and Taiwan", old_sentence), ("s009", "Economic and Trade Issues", "Japan is a top source of investment.")],
                  [figure("15%", "percent", 15.0, "percent", "U.S. share", "s006", old_sentence)])
    new = edition("b", [("s007", "China", "Relations are tense."), ("s009", "Economic and Trade Issues", new_sentence)],
                  [figure("15%", "percent", 15.0, "percent", None, "s009", new_sentence)])
    rows_ = figures_to_changes(old, new, match_sections(old.content_sections(), new.content_sections()))
    assert sorted(r["change"] for r in rows_) == ["added", "removed"]


def test_moved_sentence_is_not_a_change():
    moved = "Japan pays roughly $2 billion per year to defray the cost of stationing U.S. military personnel in Japan."
    old_text = f"The alliance is strong. {moved}"
    new_text = "The alliance is strong."
    elsewhere = text_to_comparable(f"The alliance is strong. Costs: {moved}")
    old_all = text_to_comparable(old_text)
    assert section_text_changes(old_text, new_text, "Alliance", old_all, elsewhere) == []
    removed = section_text_changes(old_text, new_text, "Alliance", old_all, text_to_comparable(new_text))
    assert [(r["change"], r["old"]) for r in removed] == [("removed", moved)]


def funding_edition(edition_key: str, caption: str, years_and_values: list[tuple[str, str]]) -> EditionData:
    tables = pd.DataFrame([{"table_id": "t02", "caption": caption, "kind": "table"}])
    cells = pd.DataFrame([
        {"table_id": "t02", "row": year, "column": "EPA Funding", "value": value, "number": float(value.strip("$"))}
        for year, value in years_and_values
    ])
    return EditionData(edition_key, {"edition": edition_key}, {"tables": tables, "table_cells": cells})


def test_moved_year_window_compares_rows_by_their_own_year():
    """IF10753 Table 2 rows are years: when the window moves, overlapping years keep their values
    (no change), the first year leaves and a new one arrives; the caption's years are one row."""
    old = funding_edition("a", "Table 2. ENERGY STAR Program Funding, FY2022-FY2024", [("2022", "$33.9"), ("2023", "$33.0"), ("2024", "$32.1")])
    new = funding_edition("b", "Table 2. ENERGY STAR Program Funding, FY2023-FY2025", [("2023", "$33.0"), ("2024", "$32.1"), ("2025", "$33.0")])
    rows_, _, _ = tables_to_changes(old, new)
    summary = sorted((r["dataset"], r["change"], r["field"], r["old"], r["new"]) for r in rows_)
    assert summary == [
        ("table_cells", "added", "value", None, "$33.0"),
        ("table_cells", "removed", "value", "$33.9", None),
        ("tables", "changed", "year", "FY2022, FY2024", "FY2023, FY2025"),
    ]
