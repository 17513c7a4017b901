"""End to end through the real Prefect flow: one run of good and bad documents, shared by the tests here."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from flows.cli import cli
from schemas import DATASETS
from tests.corpus_paths import CORPUS, FIXTURES, HTML_PATH, PDF_DIR, SEED_PATH

BAD = FIXTURES / "bad"
GOOD = [HTML_PATH, PDF_DIR / "IF10753.6.pdf", PDF_DIR / "IN12682.2.pdf", CORPUS / "markdown" / "IF13199v1-section-122-of-the-trade-act-of-1974.md"]
EXPECTED_ERRORS = {
    "empty.txt": "empty file",
    "encrypted.pdf": "encrypted PDF: save an unencrypted copy and try again",
    "scanned.pdf": "no text layer (scanned PDF?)",
    "truncated.pdf": "corrupt or truncated PDF",
    "random-bytes.pdf": "not a PDF: the file has a .pdf name but no %PDF header",
    "not-crs.html": "not a CRS product page",
    "no-report-number.txt": "no report number found in the document; pass --report-id",
    "missing.pdf": "no such file",
}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A data dir after one mixed run (good and bad documents) and one seed run."""
    data_dir = tmp_path_factory.mktemp("data")
    inputs = [str(p) for p in GOOD] + [str(BAD / name) for name in EXPECTED_ERRORS]
    mixed = invoke("run", *inputs, "--data-dir", str(data_dir), "--workers", "2")
    seed = invoke("run", str(SEED_PATH), "--report-id", "IF10199", "--data-dir", str(data_dir))
    return data_dir, mixed, seed


def test_bad_inputs_get_one_line_errors_and_a_failing_exit(store):
    _, mixed, _ = store
    assert mixed.exit_code == 1
    error_lines = [line for line in mixed.stderr.splitlines() if line.startswith("Error: ")]
    for name, reason in EXPECTED_ERRORS.items():
        lines = [line for line in error_lines if re.match(rf"Error: \S*{re.escape(name)}: ", line)]
        assert len(lines) == 1, (name, error_lines)
        assert reason in lines[0]
    assert "Summary: 4 published, 0 unchanged, 8 failed" in mixed.stdout


def test_good_documents_are_published_beside_the_bad_ones(store):
    data_dir, _, seed = store
    assert seed.exit_code == 0, seed.output
    catalog = pd.read_csv(data_dir / "processed" / "catalog.csv")
    assert sorted(zip(catalog["report_id"], catalog["edition"])) == [
        ("IF10199", "2024-11-05"),
        ("IF10199", "2026-10-01.v49"),
        ("IF10753", "2026-04-20.v6"),
        ("IF13199", "2026-04-09.v1"),
        ("IN12682", "2026-04-23.v2"),
    ]
    assert (catalog["rows"] > 0).all()
    parquet = pd.read_parquet(data_dir / "processed" / "catalog.parquet")
    assert parquet["edition"].tolist() == catalog["edition"].tolist()


def test_edition_folder_has_every_dataset_manifest_and_datapackage(store):
    data_dir, _, _ = store
    folder = data_dir / "processed" / "IF10199" / "2024-11-05"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["report_id"] == "IF10199" and manifest["edition"] == "2024-11-05"
    for name in DATASETS:
        csv = pd.read_csv(folder / f"{name}.csv")
        parquet = pd.read_parquet(folder / f"{name}.parquet")
        assert len(csv) == len(parquet) == manifest["files"][f"{name}.csv"]["rows"]
        assert list(csv.columns) == list(parquet.columns)
    package = json.loads((folder / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} == {f"{name}.csv" for name in DATASETS}
    for resource in package["resources"]:
        header = pd.read_csv(folder / resource["path"], nrows=0).columns.tolist()
        assert [f["name"] for f in resource["schema"]["fields"]] == header
        assert all(f["description"] for f in resource["schema"]["fields"])
    documents = pd.read_csv(folder / "documents.csv")
    assert documents.loc[0, "identity_source"] == "report-id option"
    assert documents.loc[0, "title"] == "U.S.-Japan Relations"


def test_a_new_edition_is_diffed_against_its_neighbour_automatically(store):
    data_dir, _, seed = store
    folder = data_dir / "processed" / "IF10199" / "diffs" / "2024-11-05__2026-10-01.v49"
    assert "IF10199/diffs/2024-11-05__2026-10-01.v49" in seed.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"]["changes.csv"]["rows"] > 0
    assert "over 50,000 -> about 55,000" in (folder / "summary.md").read_text(encoding="utf-8")


def test_nothing_is_left_half_written(store):
    data_dir, _, _ = store
    processed = data_dir / "processed"
    leftovers = [p for p in processed.rglob(".*") if p.name.startswith((".retired", ".catalog", ".tmp-"))]
    leftovers += list((processed / ".staging").iterdir())  # publications in progress live only there
    assert leftovers == []


def test_rerun_says_unchanged_without_touching_published_files(store):
    data_dir, _, _ = store
    folder = data_dir / "processed" / "IF10753" / "2026-04-20.v6"
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    again = invoke("run", str(PDF_DIR / "IF10753.6.pdf"), str(SEED_PATH), "--data-dir", str(data_dir))
    assert again.exit_code == 0, again.output
    assert "Summary: 0 published, 2 unchanged, 0 failed" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_same_edition_key_from_different_bytes_gets_a_hash_suffix(store, tmp_path):
    data_dir, _, _ = store
    altered = tmp_path / "IF10199-altered.txt"
    altered.write_text(SEED_PATH.read_text(encoding="utf-8") + "\nAn added closing paragraph with new facts.\n", encoding="utf-8")
    result = invoke("run", str(altered), "--report-id", "IF10199", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    editions = sorted(p.name for p in (data_dir / "processed" / "IF10199").iterdir())
    suffixed = [e for e in editions if e.startswith("2024-11-05.")]
    assert len(suffixed) == 1 and re.fullmatch(r"2024-11-05\.[0-9a-f]{8}", suffixed[0])
    assert "2024-11-05" in editions


def test_catalog_and_export(store, tmp_path):
    data_dir, _, _ = store
    listing = invoke("catalog", "--data-dir", str(data_dir))
    assert listing.exit_code == 0
    assert "IF10753" in listing.stdout and "2026-04-20.v6" in listing.stdout
    out = tmp_path / "out"
    exported = invoke("export", "IF10753", "--dataset", "sections", "--format", "parquet", "--to", str(out), "--data-dir", str(data_dir))
    assert exported.exit_code == 0, exported.output
    files = list(out.iterdir())
    assert [f.name for f in files] == ["IF10753_2026-04-20.v6_sections.parquet"]
    assert len(pd.read_parquet(files[0])) > 3


def test_export_of_an_unknown_report_is_one_line_error(store, tmp_path):
    data_dir, _, _ = store
    result = CliRunner().invoke(cli, ["export", "R99999", "--to", str(tmp_path), "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: R99999: no published edition; run 'crsdata run' on it first"


def test_invalid_report_id_option_is_refused_before_any_work(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(SEED_PATH), "--report-id", "../etc", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: ../etc: invalid report number (expected e.g. IF10199, R48694, 98-317)"
    assert not (tmp_path / "processed").exists()


def test_force_rebuilds_an_edition_in_place(store):
    data_dir, _, _ = store
    folder = data_dir / "processed" / "IN12682" / "2026-04-23.v2"
    old_created = json.loads((folder / "manifest.json").read_text())["created_at"]
    result = invoke("run", str(PDF_DIR / "IN12682.2.pdf"), "--force", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert "1 republished" in result.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["created_at"] >= old_created
    assert all((folder / name).exists() for name in manifest["files"])


def test_every_command_is_documented_in_the_readme():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"crsdata {name}" in readme, name
        help_text = CliRunner().invoke(cli, [name, "--help"]).output
        assert "Example:" in help_text, name


def test_invalid_rows_are_kept_aside_and_the_rest_of_the_edition_published(tmp_path, monkeypatch):
    import flows.pipeline.extract

    bad_authors = [
        {"name": "", "role": None, "coordinator": False, "order": 0},
        {"name": "Ann Author", "role": None, "coordinator": False, "order": 1},
    ]
    monkeypatch.setattr(flows.pipeline.extract, "blocks_to_authors", lambda blocks, header=None: bad_authors)
    result = invoke("run", str(CORPUS / "markdown" / "IF13199v1-section-122-of-the-trade-act-of-1974.md"), "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 row rejected" in result.stdout
    folder = next((tmp_path / "processed" / "IF13199").glob("2026-*"))
    assert list(pd.read_csv(folder / "authors.csv")["name"]) == ["Ann Author"]
    rejected = pd.read_csv(folder / "rejected_rows.csv")
    assert set(rejected["dataset"]) == {"authors"} and "name" in set(rejected["column"])
    assert json.loads((folder / "manifest.json").read_text())["rows_rejected"] == 1
    assert list((tmp_path / "processed" / "_validation_reports").glob("*.csv"))
