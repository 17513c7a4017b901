"""The browse database and the Parquet archive, built by real `crsdata run`s on the corpus.

Two runs share one data folder: the IF10199 seed and v49 HTML first, then two editions of IF10753
(PDF), so the second run shows the database and archive growing by the new editions only.
"""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlite_utils
from click.testing import CliRunner

from extractors.diff.comparable_text import frame_to_records
from flows.browse.database import EDITIONS_NAMED, HISTORY_TABLES, DatabaseReport, describe_refresh
from flows.store.archive_parquet import CONTENTS_KEY, ArchiveReport
from flows.cli import cli
from schemas import DATASETS, dataset_module
from tests.corpus_paths import HTML_PATH, PDF_DIR, SEED_PATH

FIRST_EDITIONS = {"IF10199/2024-11-05", "IF10199/2026-10-01.v49"}
SECOND_EDITIONS = {"IF10753/2026-04-20.v6", "IF10753/2026-04-23.v7"}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def table_rows(db_path, table: str) -> list[tuple]:
    """Every row of a table without its rowid, sorted: what a rebuild must reproduce."""
    with sqlite3.connect(db_path) as conn:
        return sorted(conn.execute(f"select * from [{table}]").fetchall(), key=repr)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("browse-db")
    processed = data_dir / "processed"
    first = invoke("run", str(SEED_PATH), str(HTML_PATH), "--report-id", "IF10199", "--data-dir", str(data_dir))
    assert first.exit_code == 0, first.output
    db_path = processed / "crsdata.db"
    before = {
        "inode": db_path.stat().st_ino,
        "figures": sqlite3.connect(db_path).execute("select rowid, * from figures order by rowid").fetchall(),
        "loaded": table_rows(db_path, "_loaded_editions"),
    }
    second = invoke("run", str(PDF_DIR / "IF10753.6.pdf"), str(PDF_DIR / "IF10753.7.pdf"), "--data-dir", str(data_dir))
    assert second.exit_code == 0, second.output
    return {"data_dir": data_dir, "processed": processed, "db": db_path, "first": first, "second": second, "before": before}


def browse_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Browse data: ")]
    assert len(lines) == 1, output
    return lines[0]


def loaded_keys(line: str) -> set[str]:
    match = re.search(r"edition\(s\) loaded \(([^)]*)\)", line)
    return set(match.group(1).split(", ")) if match else set()


def test_first_run_builds_the_database_and_loads_its_editions(store):
    line = browse_line(store["first"].output)
    assert line.startswith("Browse data: built crsdata.db")
    assert loaded_keys(line) == FIRST_EDITIONS


def test_second_run_loads_only_the_new_editions_in_place(store):
    line = browse_line(store["second"].output)
    assert line.startswith("Browse data: updated crsdata.db")
    assert loaded_keys(line) == SECOND_EDITIONS
    assert "2 unchanged" in line
    # the archive read only the new editions and the new diff from their folders
    assert "2 edition(s) and 1 diff(s) read" in line
    assert store["db"].stat().st_ino == store["before"]["inode"]  # updated, not replaced
    with sqlite3.connect(store["db"]) as conn:
        kept = conn.execute("select rowid, * from figures where report_id = 'IF10199' order by rowid").fetchall()
    assert kept == store["before"]["figures"]
    assert set(store["before"]["loaded"]) <= set(table_rows(store["db"], "_loaded_editions"))


def test_rerun_loads_nothing(store):
    result = invoke("db", "--data-dir", str(store["data_dir"]))
    assert result.exit_code == 0, result.output
    assert "0 edition(s) loaded, 0 removed, 4 unchanged, 0 diff(s)" in result.output
    assert "0 Parquet file(s) rewritten, 0 edition(s) and 0 diff(s) read" in result.output


def test_every_dataset_table_holds_every_edition_with_report_and_edition_first(store):
    db = sqlite_utils.Database(store["db"])
    catalog = pd.read_csv(store["processed"] / "catalog.csv")
    assert {(r.report_id, r.edition) for r in catalog.itertuples()} == {tuple(k.split("/")) for k in FIRST_EDITIONS | SECOND_EDITIONS}
    assert [row["edition"] for row in db["editions"].rows_where(order_by="report_id, date")] == list(catalog["edition"])
    for name in DATASETS:
        columns = [c.name for c in db[name].columns]
        assert columns[:2] == ["report_id", "edition"]
        assert columns[2:] == [c for c in dataset_module(name).COLUMNS if c not in ("report_id", "edition")]
        for row in catalog.itertuples():
            manifest = json.loads((store["processed"] / row.path / "manifest.json").read_text())
            count = db[name].count_where("report_id = ? and edition = ?", [row.report_id, row.edition])
            assert count == manifest["rows"][name], (name, row.path)
    assert list(db.query("PRAGMA foreign_key_check")) == []
    assert {fk.other_table for fk in db["figures"].foreign_keys} == {"editions"}


def test_figures_rows_equal_the_edition_csv(store):
    folder = store["processed"] / "IF10199" / "2026-10-01.v49"
    published = pd.read_csv(folder / "figures.csv")
    with sqlite3.connect(store["db"]) as conn:
        loaded = pd.read_sql("select * from figures where report_id = 'IF10199' and edition = '2026-10-01.v49' order by rowid", conn)
    assert len(published) > 0
    assert frame_to_records(loaded.drop(columns=["report_id", "edition"])) == frame_to_records(published)


def test_latest_views_hold_each_reports_newest_edition(store):
    db = sqlite_utils.Database(store["db"])
    assert {(r["report_id"], r["edition"]) for r in db["latest_editions"].rows} == {("IF10199", "2026-10-01.v49"), ("IF10753", "2026-04-23.v7")}
    for name in DATASETS:
        editions = {(r["report_id"], r["edition"]) for r in db.query(f"select distinct report_id, edition from latest_{name}")}
        assert editions <= {("IF10199", "2026-10-01.v49"), ("IF10753", "2026-04-23.v7")}
    newest = pd.read_csv(store["processed"] / "IF10753" / "2026-04-23.v7" / "sections.csv")
    assert db["latest_sections"].count == len(newest) + len(pd.read_csv(store["processed"] / "IF10199" / "2026-10-01.v49" / "sections.csv"))


def test_changes_hold_every_published_diff(store):
    db = sqlite_utils.Database(store["db"])
    folders = sorted(store["processed"].glob("*/diffs/*"))
    assert [f.name for f in folders] == ["2024-11-05__2026-10-01.v49", "2026-04-20.v6__2026-04-23.v7"]
    for folder in folders:
        from_edition, to_edition = folder.name.split("__")
        count = db["changes"].count_where("report_id = ? and from_edition = ? and to_edition = ?", [folder.parent.parent.name, from_edition, to_edition])
        assert count == len(pd.read_parquet(folder / "changes.parquet")) > 0


def test_full_text_search_finds_a_section_sentence(store):
    db = sqlite_utils.Database(store["db"])
    sections = pd.read_csv(store["processed"] / "IF10199" / "2024-11-05" / "sections.csv")
    text = sections.loc[sections["text"].str.contains("Okinawa", na=False), "text"].iloc[0]
    sentence = next(s for s in re.split(r"(?<=\.)\s+", text) if "Okinawa" in s)
    found = list(db["sections"].search(f'"{sentence.rstrip(".")}"', columns=["report_id", "edition", "text"]))
    assert ("IF10199", "2024-11-05") in {(r["report_id"], r["edition"]) for r in found}
    assert all(sentence in r["text"] for r in found)
    assert {r["report_id"] for r in db["figures"].search("Okinawa")} == {"IF10199"}


def test_duckdb_and_pandas_read_the_archive_with_the_database_counts(store):
    db = sqlite_utils.Database(store["db"])
    for name in (*DATASETS, "changes"):
        path = store["processed"] / "all" / f"{name}.parquet"
        assert duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0] == db[name].count, name
        frame = pd.read_parquet(path)
        assert len(frame) == db[name].count
        assert list(frame.columns[:2]) == ["report_id", "edition" if name != "changes" else "from_edition"]
    by_edition = duckdb.sql(f"select report_id || '/' || edition, count(*) from '{store['processed'] / 'all' / 'figures.parquet'}' group by 1").fetchall()
    assert dict(by_edition) == {f"{r['report_id']}/{r['edition']}": r["n"] for r in db.query("select report_id, edition, count(*) as n from figures group by 1, 2")}


def test_rebuild_gives_the_same_rows(store, tmp_path):
    """The runs loaded each report as it was published (refresh_report); a rebuild from the folders
    at once must hold the same rows, the fact history included."""
    data_dir = tmp_path / "copy"
    shutil.copytree(store["data_dir"], data_dir)
    db_path = data_dir / "processed" / "crsdata.db"
    tables = [*DATASETS, "editions", "changes", *HISTORY_TABLES]
    before = {t: table_rows(db_path, t) for t in tables}
    archive_before = pd.read_parquet(data_dir / "processed" / "all" / "figures.parquet")
    inode = db_path.stat().st_ino
    result = invoke("db", "--data-dir", str(data_dir), "--rebuild")
    assert result.exit_code == 0, result.output
    assert loaded_keys(browse_line(result.output)) == FIRST_EDITIONS | SECOND_EDITIONS
    assert db_path.stat().st_ino != inode  # a new file renamed into place
    assert {t: table_rows(db_path, t) for t in tables} == before
    archive_after = pd.read_parquet(data_dir / "processed" / "all" / "figures.parquet")
    key = ["report_id", "edition", "section_id", "char_start"]
    pd.testing.assert_frame_equal(
        archive_after.sort_values(key).reset_index(drop=True), archive_before.sort_values(key).reset_index(drop=True)
    )


def test_folders_without_a_manifest_are_never_loaded(store, tmp_path):
    data_dir = tmp_path / "copy"
    shutil.copytree(store["data_dir"], data_dir)
    processed = data_dir / "processed"
    source = processed / "IF10753" / "2026-04-23.v7"
    half_written = processed / "IF10753" / "2026-05-01.v8"
    shutil.copytree(source, half_written)
    (half_written / "manifest.json").unlink()
    staging = processed / "IF10753" / ".staging-2026-05-02.v9-abc"
    shutil.copytree(source, staging)  # has a manifest, but a staging name is not an edition
    result = invoke("db", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert "0 edition(s) loaded" in result.output
    db = sqlite_utils.Database(processed / "crsdata.db")
    assert db["editions"].count_where("report_id = 'IF10753'") == 2
    assert db["figures"].count_where("edition not in (select edition from editions)") == 0
    assert CONTENTS_KEY in pq.read_schema(processed / "all" / "figures.parquet").metadata
    contents = json.loads(pq.read_schema(processed / "all" / "figures.parquet").metadata[CONTENTS_KEY])
    assert set(contents) == FIRST_EDITIONS | SECOND_EDITIONS


def test_republished_edition_is_replaced_and_a_removed_one_dropped(store, tmp_path):
    data_dir = tmp_path / "copy"
    shutil.copytree(store["data_dir"], data_dir)
    processed = data_dir / "processed"
    db_path = processed / "crsdata.db"
    before = table_rows(db_path, "figures")
    result = invoke("run", str(SEED_PATH), "--report-id", "IF10199", "--force", "--data-dir", str(data_dir))
    assert "republished" in result.output
    assert loaded_keys(browse_line(result.output)) == {"IF10199/2024-11-05"}
    assert table_rows(db_path, "figures") == before  # replaced, not duplicated
    shutil.rmtree(processed / "IF10753" / "2026-04-20.v6")
    result = invoke("db", "--data-dir", str(data_dir))
    assert "1 removed" in result.output
    db = sqlite_utils.Database(db_path)
    assert db["figures"].count_where("edition = '2026-04-20.v6'") == 0
    assert db["changes"].count_where("from_edition = '2026-04-20.v6'") == 0
    assert "IF10753/2026-04-20.v6" not in json.loads(pq.read_schema(processed / "all" / "figures.parquet").metadata[CONTENTS_KEY])
    assert duckdb.sql(f"select count(*) from '{processed / 'all' / 'figures.parquet'}'").fetchall()[0][0] == db["figures"].count


def test_history_files_are_loaded_when_present(store, tmp_path):
    data_dir = tmp_path / "copy"
    shutil.copytree(store["data_dir"], data_dir)
    processed = data_dir / "processed"
    # The runs built every report's fact history (flows.changes.history); the database holds all of it.
    for table, file_name in (("figure_history", "figure_history.parquet"), ("cell_history", "cell_history.parquet")):
        files = sorted(processed.glob(f"*/history/{file_name}"))
        assert files, file_name
        invoke("db", "--data-dir", str(data_dir))
        expected = sum(len(pd.read_parquet(p)) for p in files)
        assert sqlite_utils.Database(processed / "crsdata.db")[table].count == expected
    for path in (processed / "IF10199" / "history").glob("*.parquet"):
        path.unlink()
    invoke("db", "--data-dir", str(data_dir))
    db = sqlite_utils.Database(processed / "crsdata.db")
    left = sum(len(pd.read_parquet(p)) for p in processed.glob("*/history/figure_history.parquet"))
    assert db["figure_history"].count == left
    assert db.execute("select count(*) from figure_history where report_id = 'IF10199'").fetchone()[0] == 0


def test_missing_data_folder_is_one_error_line(tmp_path):
    result = CliRunner().invoke(cli, ["db", "--data-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {tmp_path / 'nowhere' / 'processed'}: no such data folder; run 'crsdata run' first"]


def test_concurrent_refreshes_take_turns(store, tmp_path):
    data_dir = tmp_path / "copy"
    shutil.copytree(store["data_dir"], data_dir)
    (data_dir / "processed" / "crsdata.db").unlink()
    shutil.rmtree(data_dir / "processed" / "all")
    command = [sys.executable, "-m", "flows.cli", "db", "--data-dir", str(data_dir)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=300)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    lines = sorted(browse_line(output) for output in outputs)
    # the lock makes one build everything and the other find it all done
    assert lines[0].startswith("Browse data: built crsdata.db: 4 edition(s) loaded")
    assert lines[1].startswith("Browse data: updated crsdata.db: 0 edition(s) loaded, 0 removed, 4 unchanged")
    assert sqlite_utils.Database(data_dir / "processed" / "crsdata.db")["editions"].count == 4


def test_refresh_line_names_the_first_editions_and_counts_the_rest(tmp_path):
    loaded = [f"IF1{n:04d}/2026-04-0{n % 9 + 1}.v1" for n in range(EDITIONS_NAMED + 72)]
    report = DatabaseReport(tmp_path / "crsdata.db", loaded=loaded, rebuilt=True)
    line = describe_refresh(report, ArchiveReport(tmp_path / "all"))
    assert f"{len(loaded)} edition(s) loaded ({', '.join(loaded[:EDITIONS_NAMED])} and 72 more)," in line
    assert loaded[EDITIONS_NAMED] not in line
    few = describe_refresh(DatabaseReport(tmp_path / "crsdata.db", loaded=loaded[:2]), ArchiveReport(tmp_path / "all"))
    assert f"2 edition(s) loaded ({loaded[0]}, {loaded[1]})," in few
