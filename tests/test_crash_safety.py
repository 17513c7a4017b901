"""Crashes and concurrent runs on one data folder: kill -9 at several moments, three runs at once.

The runs here are real `crsdata` processes on their data folder's own Prefect server (no
PREFECT_API_URL), as a user starts them. Whenever a kill lands, the same things must hold: no temp
folder catalogued, every catalogued edition complete, no process left, and the next run publishes
everything.
"""
from __future__ import annotations

import json
import shutil
import signal

import pandas as pd
import pytest

from flows.store.publish import edition_folders
from flows.store.raw_store import file_sha256
from tests.corpus_paths import PDF_DIR
from tests.processes import read_until, start_crsdata, wait_until_gone

DOCUMENTS = ["IN12682.2.pdf", "IF10753.6.pdf", "IF10753.7.pdf", "IF13199v1-section-122-of-the-trade-act-of-1974.pdf"]


def inputs(tmp_path):
    folder = tmp_path / "inputs"
    folder.mkdir(exist_ok=True)
    for name in DOCUMENTS:
        shutil.copy(PDF_DIR / name, folder / name)
    return folder


def assert_store_consistent(data_dir) -> pd.DataFrame:
    processed = data_dir / "processed"
    catalog = pd.read_csv(processed / "catalog.csv") if (processed / "catalog.csv").exists() else pd.DataFrame(columns=["path"])
    for path in catalog["path"]:
        parts = path.split("/")
        assert len(parts) == 2 and not any(p.startswith(".") for p in parts), path
    on_disk = {f"{f.parent.name}/{f.name}" for f in edition_folders(processed)}
    assert set(catalog["path"]) == on_disk
    for folder in edition_folders(processed):
        manifest = json.loads((folder / "manifest.json").read_text())
        for name, entry in manifest["files"].items():
            assert file_sha256(folder / name) == entry["sha256"], (folder, name)
        assert (folder / "datapackage.json").is_file()
    assert len(catalog) == len(set(zip(catalog.get("report_id", []), catalog.get("edition", []))))
    return catalog


@pytest.mark.parametrize("kill_after", ["Processing", "published"])
def test_kill_9_leaves_a_consistent_store_and_no_process(tmp_path, kill_after):
    data_dir = tmp_path / "data"
    folder = inputs(tmp_path)
    run = start_crsdata("run", str(folder), "--data-dir", str(data_dir), "--workers", "2", cwd=tmp_path)
    try:
        read_until(run, kill_after, timeout=240)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(30)
    left = wait_until_gone(data_dir, timeout=30)
    assert left == [], f"processes left after kill -9: {left}"
    assert_store_consistent(data_dir)

    again = start_crsdata("run", str(folder), "--data-dir", str(data_dir), cwd=tmp_path)
    output, _ = again.communicate(timeout=600)
    assert again.returncode == 0, output
    assert "Traceback" not in output
    catalog = assert_store_consistent(data_dir)
    assert len(catalog) == len(DOCUMENTS)
    assert not any((data_dir / "processed" / ".staging").iterdir())
    assert wait_until_gone(data_dir, timeout=30) == []


def test_three_concurrent_runs_publish_each_edition_once(tmp_path):
    data_dir = tmp_path / "data"
    folder = inputs(tmp_path)
    runs = [start_crsdata("run", str(folder), "--data-dir", str(data_dir), cwd=tmp_path) for _ in range(3)]
    outputs = [run.communicate(timeout=900)[0] for run in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output
        assert "Traceback" not in output and "Error" not in output, output
    catalog = assert_store_consistent(data_dir)
    assert len(catalog) == len(DOCUMENTS)
    published = sum(line.lstrip().startswith("published ") for output in outputs for line in output.splitlines())
    assert published == len(DOCUMENTS), outputs
    # One Prefect server served all three: the folder's history is in one database.
    assert (data_dir / ".prefect" / "prefect.db").is_file()
    assert wait_until_gone(data_dir, timeout=30) == []


def test_runs_lists_the_folders_history_with_each_runs_summary(tmp_path):
    data_dir = tmp_path / "data"
    home = tmp_path / "home"
    home.mkdir()
    from tests.processes import environment_without_prefect_url

    env = environment_without_prefect_url(HOME=str(home))
    run = start_crsdata("run", str(PDF_DIR / "IN12682.2.pdf"), "--data-dir", str(data_dir), cwd=tmp_path, env=env)
    output, _ = run.communicate(timeout=600)
    assert run.returncode == 0, output
    listing = start_crsdata("runs", "--data-dir", str(data_dir), cwd=tmp_path, env=env)
    shown, _ = listing.communicate(timeout=300)
    assert listing.returncode == 0, shown
    assert "Completed" in shown and "crsdata-run" in shown and "1 published" in shown, shown
    assert not (home / ".prefect" / "prefect.db").exists()  # nothing in the user's shared Prefect home
    assert wait_until_gone(data_dir, timeout=30) == []


def test_an_unusable_prefect_folder_is_one_error_line(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / ".prefect").write_text("not a folder")
    run = start_crsdata("run", str(PDF_DIR / "IN12682.2.pdf"), "--data-dir", str(data_dir), cwd=tmp_path)
    output, _ = run.communicate(timeout=600)
    assert run.returncode == 1
    errors = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and ".prefect" in errors[0] and "cannot write" in errors[0], output
    assert "Traceback" not in output
