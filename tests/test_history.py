"""Fact histories on the real corpus editions, built by the real pipeline (`crsdata run`, Prefect flow).

IF10199 2024-11-05 (seed text) -> 2026-10-01.v49 (HTML): troops, Okinawa's share, the 2% target.
IF10753 v6 -> v7 (PDF): the ENERGY STAR funding table unchanged, a new appropriation in the text.
R48905 v1 -> v2 (PDF): typography only, every fact the same.
"""
from __future__ import annotations

import json
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest
from click.testing import CliRunner

from extractors.diff.editions import EditionData
from extractors.facts.fact_identity import editions_to_figure_history
from flows.cli import cli
from flows.changes.diffs import load_edition
from flows.changes.history import MANIFEST_NAME, history_dir, read_history, write_history
from flows.browse.history_view import history_to_chart, select_facts
from flows.store.raw_store import file_sha256
from schemas import cell_history, figure_history
from tests.corpus_paths import HTML_PATH, PDF_DIR, SEED_PATH

HISTORY_FILES = ("figure_history.csv", "figure_history.parquet", "cell_history.csv", "cell_history.parquet")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def run_ok(*args: str) -> None:
    result = invoke("run", *args)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output, result.output


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    """Every edition published in date order: each run adds the next edition of each report."""
    data_dir = tmp_path_factory.mktemp("history-in-order")
    run_ok(str(SEED_PATH), "--report-id", "IF10199", "--data-dir", str(data_dir))
    run_ok(str(PDF_DIR / "IF10753.6.pdf"), str(PDF_DIR / "R48905.1.pdf"), "--data-dir", str(data_dir))
    run_ok(str(HTML_PATH), str(PDF_DIR / "IF10753.7.pdf"), str(PDF_DIR / "R48905.2.pdf"), "--data-dir", str(data_dir))
    return data_dir / "processed"


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    """IF10199 and IF10753 published newest first: each older edition is a backfill."""
    data_dir = tmp_path_factory.mktemp("history-backfilled")
    run_ok(str(HTML_PATH), str(PDF_DIR / "IF10753.7.pdf"), "--data-dir", str(data_dir))
    run_ok(str(SEED_PATH), "--report-id", "IF10199", "--data-dir", str(data_dir))
    run_ok(str(PDF_DIR / "IF10753.6.pdf"), "--data-dir", str(data_dir))
    return data_dir / "processed"


def figures(processed, report_id) -> pd.DataFrame:
    return pd.read_parquet(history_dir(processed, report_id) / "figure_history.parquet")


def cells(processed, report_id) -> pd.DataFrame:
    return pd.read_parquet(history_dir(processed, report_id) / "cell_history.parquet")


def timeline(frame: pd.DataFrame, fact_id: str) -> list[tuple]:
    rows = frame[frame["fact_id"] == fact_id]
    return list(zip(rows["edition"], rows["status"], rows["text"]))


def facts_printing(frame: pd.DataFrame, *texts: str) -> set[str]:
    hit = pd.Series(False, index=frame.index)
    for text in texts:
        hit |= frame["text"].fillna("").str.contains(text, regex=False)
    return set(frame.loc[hit, "fact_id"])


# ---------------------------------------------------------------- IF10199

def test_troops_figure_is_one_fact_from_over_50000_to_about_55000(processed):
    history = figures(processed, "IF10199")
    troops = facts_printing(history, "50,000", "55,000")
    assert len(troops) == 1, history[history["fact_id"].isin(troops)]
    fact_id = troops.pop()
    assert timeline(history, fact_id) == [("2024-11-05", "new", "over 50,000"), ("2026-10-01.v49", "changed", "about 55,000")]
    rows = history[history["fact_id"] == fact_id]
    assert list(rows["value"]) == [50000.0, 55000.0] and list(rows["qualifier"]) == ["over", "about"]
    assert "troops" in rows.iloc[0]["label"] and "55,000" in rows.iloc[1]["sentence"]


def test_okinawa_share_is_one_fact_from_about_25_to_about_70_percent(processed):
    history = figures(processed, "IF10199")
    in_okinawa = history[history["sentence"].fillna("").str.contains("Okinawa")]
    share = facts_printing(in_okinawa, "25%") & facts_printing(in_okinawa, "70%")
    assert len(share) == 1
    steps = timeline(history, share.pop())
    assert [(edition, status) for edition, status, _ in steps] == [("2024-11-05", "new"), ("2026-10-01.v49", "changed")]
    assert [text.lower() for _, _, text in steps] == ["about 25%", "about 70%"]


def test_two_percent_of_gdp_target_is_one_fact_marked_same(processed):
    history = figures(processed, "IF10199")
    two_percent = history[(history["value"] == 2.0) & (history["unit"] == "percent")]
    target = set(two_percent.loc[two_percent["sentence"].fillna("").str.contains("gross domestic product"), "fact_id"])
    assert len(target) == 1, two_percent
    rows = history[history["fact_id"] == target.pop()]
    assert list(zip(rows["edition"], rows["status"], rows["text"])) == [("2024-11-05", "new", "2%"), ("2026-10-01.v49", "same", "2%")]
    # reworded in v49 ("2% of its GDP by FY2027") and still the same fact
    assert "GDP" in rows.iloc[1]["sentence"] and "gross domestic product" not in rows.iloc[1]["sentence"]


def test_a_figure_printed_once_where_there_were_two_is_one_fact(processed):
    """The seed prints "sixth-largest U.S. trade partner" twice, v49 once: the diff sees no change
    (the words are still printed), the history keeps one fact and drops the other."""
    history = figures(processed, "IF10199")
    sixth = facts_printing(history[history["edition"] == "2024-11-05"], "sixth-largest")
    assert len(sixth) == 2
    statuses = sorted(timeline(history, fact_id)[-1][1] for fact_id in sixth)
    assert statuses == ["dropped", "same"]


def test_a_figure_the_extractor_missed_is_carried_as_the_same_fact(processed):
    """Real v6 and v7 of IF10753, v7's "$58 million annually" row taken out as if the extractor had
    missed it: the fact goes on, marked same, in the v7 sentence that still prints it."""
    v6, v7 = (load_edition(processed / "IF10753" / key) for key in ("2026-04-20.v6", "2026-04-23.v7"))
    frames = dict(v7.frames)
    frames["figures"] = frames["figures"][frames["figures"]["text"] != "$58 million annually"]
    missed = EditionData(v7.edition, v7.manifest, frames)
    history = pd.DataFrame(editions_to_figure_history("IF10753", [v6, missed]))
    fact = history.loc[(history["edition"] == "2026-04-20.v6") & (history["text"] == "$58 million annually"), "fact_id"].item()
    rows = history[history["fact_id"] == fact]
    assert list(zip(rows["edition"], rows["status"], rows["text"])) == [("2026-04-20.v6", "new", "$58 million annually"), ("2026-04-23.v7", "same", "$58 million annually")]
    assert rows.iloc[1]["sentence"] in [sentence for _, sentence in v7.sentences()]
    assert history[history["edition"] == "2026-04-23.v7"]["fact_id"].is_unique


def test_a_dropped_fact_gets_one_dropped_row_then_nothing(processed):
    history = figures(processed, "IF10199")
    dropped = history[history["status"] == "dropped"]
    assert len(dropped) > 0
    assert dropped["text"].isna().all() and dropped["value"].isna().all()
    for fact_id in dropped["fact_id"]:
        assert [status for _, status, _ in timeline(history, fact_id)][-1] == "dropped"
    # Figure 1 is an image in the HTML edition: its 12 cells are dropped there, none of them changed
    table = cells(processed, "IF10199")
    assert set(table.loc[table["edition"] == "2026-10-01.v49", "status"]) == {"dropped"}
    assert len(table[table["edition"] == "2024-11-05"]) == len(table[table["edition"] == "2026-10-01.v49"]) > 0


# ---------------------------------------------------------------- IF10753, R48905

def test_if10753_funding_table_cells_are_the_same_facts_with_the_same_values(processed):
    table = cells(processed, "IF10753")
    funding = table[table["caption"].fillna("").str.contains("ENERGY STAR Program Funding")]
    published = pd.read_parquet(processed / "IF10753" / "2026-04-20.v6" / "table_cells.parquet")
    assert funding["fact_id"].nunique() == published["caption"].fillna("").str.contains("ENERGY STAR Program Funding").sum() > 0
    for fact_id, rows in funding.groupby("fact_id"):
        assert list(rows["edition"]) == ["2026-04-20.v6", "2026-04-23.v7"]
        assert list(rows["status"]) == ["new", "same"]
        assert rows["text"].nunique() == 1 and rows["value"].nunique() == 1


def test_if10753_appropriation_of_33024000_is_new_in_v7(processed):
    history = figures(processed, "IF10753")
    new = facts_printing(history, "$33,024,000")
    assert len(new) == 1
    assert timeline(history, new.pop()) == [("2026-04-23.v7", "new", "not less than $33,024,000")]


def test_r48905_typography_only_every_fact_is_same(processed):
    for history in (figures(processed, "R48905"), cells(processed, "R48905")):
        first, second = history[history["edition"] == "2026-04-14.v1"], history[history["edition"] == "2026-04-14.v2"]
        assert len(first) > 0 and set(first["status"]) == {"new"}
        assert set(second["status"]) == {"same"}
        assert set(second["fact_id"]) == set(first["fact_id"])


# ---------------------------------------------------------------- files, order, determinism

def test_history_files_are_valid_with_ids_first(processed):
    for report_id in ("IF10199", "IF10753", "R48905"):
        folder = history_dir(processed, report_id)
        for name, module in (("figure_history", figure_history), ("cell_history", cell_history)):
            frame = pd.read_csv(folder / f"{name}.csv", dtype={"version": "Int64", "year": "Int64"}, keep_default_na=False, na_values=[""])
            assert list(frame.columns[:3]) == ["report_id", "fact_id", "edition"]
            assert tuple(frame.columns) == module.COLUMNS
            module.Schema.validate(pd.read_parquet(folder / f"{name}.parquet"))
            assert set(frame["report_id"]) <= {report_id}
        manifest = json.loads((folder / MANIFEST_NAME).read_text())
        published = sorted(p.parent.name for p in (processed / report_id).glob("*/manifest.json"))
        assert sorted(e["edition"] for e in manifest["editions"]) == published
        assert {name: entry["sha256"] for name, entry in manifest["files"].items()} == {name: file_sha256(folder / name) for name in HISTORY_FILES}


def test_backfilling_an_older_edition_gives_the_same_history(processed, backfilled):
    for report_id in ("IF10199", "IF10753"):
        for name in HISTORY_FILES:
            in_order = (history_dir(processed, report_id) / name).read_bytes()
            assert (history_dir(backfilled, report_id) / name).read_bytes() == in_order, f"{report_id} {name}"


def test_rebuilding_gives_identical_files(processed):
    folder = history_dir(processed, "IF10199")
    before = {name: file_sha256(folder / name) for name in HISTORY_FILES + (MANIFEST_NAME,)}
    write_history(processed, "IF10199")
    assert {name: file_sha256(folder / name) for name in before} == before
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_missing_history_is_rebuilt_when_read(processed, tmp_path):
    copy = tmp_path / "processed"
    shutil.copytree(processed, copy)
    shutil.rmtree(history_dir(copy, "IF10753"))
    history = read_history(copy, "IF10753")
    assert list(history.editions["edition"]) == ["2026-04-20.v6", "2026-04-23.v7"]
    for name in HISTORY_FILES:
        assert (history_dir(copy, "IF10753") / name).read_bytes() == (history_dir(processed, "IF10753") / name).read_bytes()


def test_concurrent_rebuilds_leave_whole_identical_files(processed, tmp_path):
    """Two processes rebuilding one report's history at once (two runs publishing editions of the
    same report): every file is whole and the same as one rebuild gives, no temp file is left."""
    copy = tmp_path / "processed"
    shutil.copytree(processed, copy)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        folders = list(pool.map(write_history, [copy] * 4, ["IF10753"] * 4))
    assert {str(f) for f in folders} == {str(history_dir(copy, "IF10753"))}
    for name in HISTORY_FILES:
        assert (history_dir(copy, "IF10753") / name).read_bytes() == (history_dir(processed, "IF10753") / name).read_bytes()
    assert not [p for p in history_dir(copy, "IF10753").iterdir() if p.name.startswith(".")]


# ---------------------------------------------------------------- crsdata history

def test_cli_search_troops_prints_the_timeline_newest_last(processed):
    result = invoke("history", "IF10199", "--search", "troops", "--data-dir", str(processed.parent))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "U.S. troops" in out and "over 50,000" in out and "about 55,000" in out
    assert out.index("over 50,000") < out.index("about 55,000")
    assert "Okinawa" not in out  # only the facts that match
    line = next(line for line in out.splitlines() if "about 55,000" in line)
    assert "2026-10-01.v49" in line and "changed" in line


def test_cli_editions_lists_new_changed_dropped_per_edition(processed):
    result = invoke("history", "IF10199", "--editions", "--data-dir", str(processed.parent))
    assert result.exit_code == 0, result.output
    header, *lines = [line.split() for line in result.output.splitlines()[1:]]
    assert [line[0] for line in lines] == ["2024-11-05", "2026-10-01.v49"]
    history, table = figures(processed, "IF10199"), cells(processed, "IF10199")
    for line in lines:
        counts = dict(zip(header, line))
        for status in ("new", "same", "changed", "dropped"):
            assert int(counts[f"fig_{status}"]) == ((history["edition"] == line[0]) & (history["status"] == status)).sum()
            assert int(counts[f"cell_{status}"]) == ((table["edition"] == line[0]) & (table["status"] == status)).sum()


def test_cli_changed_only_json_and_csv(processed, tmp_path):
    result = invoke("history", "IF10199", "--changed-only", "--format", "json", "--data-dir", str(processed.parent))
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    by_fact: dict[str, list[str]] = {}
    for row in rows:
        by_fact.setdefault(row["fact_id"], []).append(row["status"])
    assert by_fact and all("changed" in statuses for statuses in by_fact.values())
    assert any(row["text"] == "about 55,000" for row in rows)
    target = tmp_path / "cells.csv"
    result = invoke("history", "IF10753", "--dataset", "table_cells", "--format", "csv", "--to", str(target), "--data-dir", str(processed.parent))
    assert result.exit_code == 0, result.output
    assert pd.read_csv(target)["fact_id"].nunique() == cells(processed, "IF10753")["fact_id"].nunique()


def test_cli_png_draws_one_chart_per_fact_whose_value_moved(processed, tmp_path):
    history = read_history(processed, "IF10199")
    chart = history_to_chart(history, "figures", select_facts(history.frames["figures"], "figures"))
    titles = [ax.get_title() for ax in chart.axes]
    # troops and Okinawa's share moved; "more than half" -> "roughly half" is a new qualifier, not a new value
    assert len(titles) == 2 and any("troops" in t for t in titles), titles
    labels = [text.get_text() for text in chart.axes[0].texts]
    assert any("2024-11-05" in label for label in labels) and any("2026-10-01.v49" in label for label in labels)
    target = tmp_path / "if10199.png"
    result = invoke("history", "IF10199", "--format", "png", "--to", str(target), "--data-dir", str(processed.parent))
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    searched = history_to_chart(history, "figures", select_facts(history.frames["figures"], "figures", search="troops"))
    assert len(searched.axes) == 1


def test_cli_errors_are_one_line(processed):
    unknown = invoke("history", "IF99999", "--data-dir", str(processed.parent))
    assert unknown.exit_code == 1 and unknown.output.strip() == "Error: IF99999: no published edition; run 'crsdata run' on it first"
    nothing = invoke("history", "R48905", "--format", "png", "--data-dir", str(processed.parent))
    assert nothing.exit_code == 1 and nothing.output.startswith("Error: R48905: ") and len(nothing.output.strip().splitlines()) == 1


@pytest.mark.parametrize("module", [figure_history, cell_history], ids=["figure_history", "cell_history"])
def test_every_history_column_is_described(module):
    columns = module.Schema.to_schema().columns
    assert list(module.COLUMNS) == list(columns)
    assert [c for c, spec in columns.items() if not (spec.description or "").strip()] == []
    assert (module.__doc__ or "").strip()


def test_a_signed_change_is_a_valid_history_value(processed):
    """figures allows a negative value for a change printed with a minus sign ("(-6%)" in R48694's
    text, whose history rebuild once failed on it); the history of such a figure validates too."""
    from flows.changes.history import records_to_history_frame

    v6 = load_edition(processed / "IF10753" / "2026-04-20.v6")
    frames = dict(v6.frames)
    first = frames["figures"].index[0]
    frames["figures"] = frames["figures"].assign(value=frames["figures"]["value"].where(frames["figures"].index != first, -6.0))
    signed = EditionData(v6.edition, v6.manifest, frames)
    history = records_to_history_frame("IF10753", editions_to_figure_history("IF10753", [signed]), "figures")
    assert -6.0 in set(history["value"])
