"""Stores on object storage (flows.store.remote): `--data-dir s3://bucket/prefix` against a local
S3-compatible endpoint (moto's server on 127.0.0.1), with s3fs as the client, as a user's bucket.

The remote store holds what a local data folder holds: originals by sha256, one folder per edition
with its manifest last, diffs, histories and a catalog that lists each edition once; a second
machine (a new mirror) reads the same editions; a push a crash cut short is finished by the next
run; a damaged remote unit is refused, never half taken.
"""
from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pandas as pd
import pytest
import s3fs

from flows.store.publish import edition_folders
from flows.store.raw_store import sha256_of
from flows.store.remote import RemoteStore, push_unit
from schemas import DATASETS
from tests.processes import environment_without_prefect_url, start_crsdata
from tests.test_crash_safety import assert_store_consistent

SAMPLES = Path(__file__).resolve().parents[1] / "raw" / "samples"
EDITIONS = [SAMPLES / "IF10753.6.pdf", SAMPLES / "IF10753.7.pdf"]


def crsdata(*args: str, cwd: Path, mirrors: Path | None = None) -> tuple[int, str]:
    env = environment_without_prefect_url(**({"CRSDATA_MIRRORS": str(mirrors)} if mirrors else {}))
    process = start_crsdata(*args, cwd=cwd, env=env)
    output, _ = process.communicate(timeout=900)
    return process.returncode, output


def remote_editions(fs, root: str) -> dict[str, dict]:
    """REPORT/EDITION -> manifest of every remote folder that has one, each file checked against it."""
    fs.invalidate_cache()
    editions = {}
    for path in fs.glob(f"{root}/processed/*/*/manifest.json"):
        folder = PurePosixPath(path).parent
        manifest = json.loads(fs.cat_file(path))
        for name, entry in manifest["files"].items():
            assert sha256_of(fs.cat_file(f"{folder}/{name}")) == entry["sha256"], (folder, name)
        editions[f"{folder.parent.name}/{folder.name}"] = manifest
    return editions


def remote_catalog(fs, root: str) -> pd.DataFrame:
    with fs.open(f"{root}/processed/catalog.csv") as handle:
        return pd.read_csv(handle)


def datasets_of(folders: list[Path]) -> dict[tuple[str, str, str], str]:
    return {(f.parent.name, f.name, name): (f / f"{name}.csv").read_text(encoding="utf-8") for f in folders for name in DATASETS}


def test_a_run_into_s3_publishes_what_a_local_run_does(tmp_path, s3_bucket):
    url = f"s3://{s3_bucket}/store"
    code, output = crsdata("run", *map(str, EDITIONS), "--data-dir", url, cwd=tmp_path)
    assert code == 0, output
    assert "Summary: 2 published, 0 unchanged, 0 failed" in output, output
    fs, root = s3fs.S3FileSystem(), f"{s3_bucket}/store"
    editions = remote_editions(fs, root)
    assert sorted(editions) == ["IF10753/2026-04-20.v6", "IF10753/2026-04-23.v7"]
    catalog = remote_catalog(fs, root)
    assert sorted(catalog["path"]) == sorted(editions) and catalog["source_sha256"].is_unique
    assert fs.exists(f"{root}/processed/IF10753/diffs/2026-04-20.v6__2026-04-23.v7/manifest.json")
    assert fs.exists(f"{root}/processed/IF10753/history/history_manifest.json")
    for path in EDITIONS:  # the originals, by sha256, with their metadata beside them
        sha = sha256_of(path.read_bytes())
        assert fs.cat_file(f"{root}/raw/objects/{sha[:2]}/{sha}") == path.read_bytes()
        assert json.loads(fs.cat_file(f"{root}/raw/objects/{sha[:2]}/{sha}.json"))["name"] == path.name

    again_code, again = crsdata("run", *map(str, EDITIONS), "--data-dir", url, cwd=tmp_path)
    assert again_code == 0 and "Summary: 0 published, 2 unchanged, 0 failed" in again, again
    assert "Processing" not in again  # decided from the remote catalog, before any extraction

    local = tmp_path / "local"
    local_code, local_output = crsdata("run", *map(str, EDITIONS), "--data-dir", str(local), cwd=tmp_path)
    assert local_code == 0, local_output
    other_machine = tmp_path / "other-mirrors"  # a second machine: its own mirror, filled from the store
    code, listed = crsdata("catalog", "--data-dir", url, "--format", "csv", cwd=tmp_path, mirrors=other_machine)
    assert code == 0, listed
    assert "IF10753,2026-04-23.v7" in listed and "IF10753,2026-04-20.v6" in listed
    (mirror,) = other_machine.iterdir()
    assert_store_consistent(mirror)
    assert datasets_of(edition_folders(mirror / "processed")) == datasets_of(edition_folders(local / "processed"))


def test_a_push_cut_short_is_finished_by_the_next_run(tmp_path, s3_bucket):
    url, root = f"s3://{s3_bucket}/store", f"{s3_bucket}/store"
    code, output = crsdata("run", str(EDITIONS[0]), "--data-dir", url, cwd=tmp_path)
    assert code == 0, output
    fs = s3fs.S3FileSystem()
    # As if the run died after the edition's files went up and before its manifest did:
    fs.rm_file(f"{root}/processed/IF10753/2026-04-20.v6/manifest.json")
    fs.rm_file(f"{root}/processed/catalog.csv")
    fs.rm_file(f"{root}/processed/catalog.parquet")
    assert remote_editions(fs, root) == {}  # a folder without its manifest is not an edition

    code, output = crsdata("run", str(EDITIONS[0]), "--data-dir", url, cwd=tmp_path)
    assert code == 0, output
    assert "Summary: 0 published, 1 unchanged, 0 failed" in output, output  # published before, in the mirror
    assert sorted(remote_editions(fs, root)) == ["IF10753/2026-04-20.v6"]
    assert list(remote_catalog(fs, root)["path"]) == ["IF10753/2026-04-20.v6"]


def test_a_damaged_remote_edition_is_refused_and_nothing_partial_is_kept(tmp_path, s3_bucket):
    url, root = f"s3://{s3_bucket}/store", f"{s3_bucket}/store"
    code, output = crsdata("run", str(EDITIONS[0]), "--data-dir", url, cwd=tmp_path)
    assert code == 0, output
    fs = s3fs.S3FileSystem()
    fs.pipe_file(f"{root}/processed/IF10753/2026-04-20.v6/figures.csv", b"tampered\n")
    other_machine = tmp_path / "other-mirrors"
    code, output = crsdata("catalog", "--data-dir", url, cwd=tmp_path, mirrors=other_machine)
    assert code == 1
    assert output.strip() == f"Error: {url}/processed/IF10753/2026-04-20.v6: figures.csv does not match its manifest (a damaged or unfinished upload)"
    (mirror,) = other_machine.iterdir()
    assert edition_folders(mirror / "processed") == []
    assert list((mirror / "processed" / ".staging").iterdir()) == []


def test_a_unit_is_sent_files_first_and_manifest_last(tmp_path, s3_bucket, monkeypatch):
    folder = tmp_path / "processed" / "IF10753" / "2026-04-20.v6"
    folder.mkdir(parents=True)
    for name in ("figures.csv", "manifest.json", "sections.csv", "datapackage.json"):
        (folder / name).write_text(name)
    store = RemoteStore(f"s3://{s3_bucket}/store", tmp_path)
    sent = []
    original = store.fs.put_file

    def recording_put(local, remote, **kwargs):
        sent.append(Path(local).name)
        return original(local, remote, **kwargs)

    monkeypatch.setattr(store.fs, "put_file", recording_put)
    push_unit(store, PurePosixPath("IF10753/2026-04-20.v6"), folder)
    assert sent[-1] == "manifest.json" and sorted(sent[:-1]) == ["datapackage.json", "figures.csv", "sections.csv"]


@pytest.mark.parametrize("url, reason", [
    ("s3://key:secret@bucket/store", "credentials in a store URL are refused; use the environment (e.g. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"),
    ("nosuchscheme://bucket/store", None),
])
def test_an_unusable_store_url_is_one_error_line(tmp_path, url, reason, s3_endpoint):
    code, output = crsdata("catalog", "--data-dir", url, cwd=tmp_path)
    assert code == 1 and output.count("\n") == 1 and output.startswith("Error: "), output
    assert "secret" not in output
    if reason:
        assert output.strip() == f"Error: bucket/store: {reason}"


def test_a_missing_bucket_is_one_error_line_before_any_work(tmp_path, s3_endpoint):
    code, output = crsdata("run", str(EDITIONS[0]), "--data-dir", "s3://no-such-bucket-here/store", cwd=tmp_path)
    assert code == 1
    assert output.strip() == "Error: s3://no-such-bucket-here/store: no such bucket or folder: no-such-bucket-here"


def test_a_poll_publishes_into_s3(tmp_path, s3_bucket):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / EDITIONS[0].name).write_bytes(EDITIONS[0].read_bytes())
    code, output = crsdata("poll", "--inbox", str(inbox), "--data-dir", f"s3://{s3_bucket}/store", cwd=tmp_path)
    assert code == 0, output
    fs, root = s3fs.S3FileSystem(), f"{s3_bucket}/store"
    assert sorted(remote_editions(fs, root)) == ["IF10753/2026-04-20.v6"]
    assert list(remote_catalog(fs, root)["path"]) == ["IF10753/2026-04-20.v6"]
