"""Publishing on its own: staging never shows, --force swaps atomically, concurrent publishers lose
no catalog row, leftovers of a crash are repaired. Editions come from the real pipeline on corpus files."""
from __future__ import annotations

import json
import multiprocessing
import shutil

import pandas as pd
import pytest

from flows.pipeline.extract import extract_edition
from flows.store.publish import (
    catalog_frame, edition_folders, publish_edition, read_manifest, repair_store, sort_editions, write_catalog_frame,
)
from flows.store.raw_store import sha256_of
from tests.corpus_paths import MARKDOWN_DIR, PDF_DIR

SOURCES = [
    PDF_DIR / "IN12682.2.pdf",
    MARKDOWN_DIR / "IF10753v6-energy-star-program.md",
    MARKDOWN_DIR / "IF10753v7-energy-star-program.md",
    MARKDOWN_DIR / "IF13199v1-section-122-of-the-trade-act-of-1974.md",
]


@pytest.fixture(scope="module")
def editions():
    out = []
    for path in SOURCES:
        data = path.read_bytes()
        out.append(extract_edition(data, sha256_of(data), path.name, report_id_override=None, nlp_model=None, max_pages=400))
    return out


def test_a_second_publisher_of_the_same_edition_says_unchanged(tmp_path, editions):
    first = publish_edition(tmp_path, editions[0])
    second = publish_edition(tmp_path, editions[0])
    assert (first.status, second.status) == ("published", "unchanged")
    assert len(catalog_frame(tmp_path)) == 1


def test_force_swaps_the_rebuilt_edition_in_and_keeps_nothing_of_the_old(tmp_path, editions):
    first = publish_edition(tmp_path, editions[1])
    old_created = read_manifest(first.path)["created_at"]
    (first.path / "stray.txt").write_text("only in the old folder")
    again = publish_edition(tmp_path, editions[1], force=True)
    assert again.status == "republished" and again.path == first.path
    assert not (again.path / "stray.txt").exists()
    assert read_manifest(again.path)["created_at"] >= old_created
    assert list((tmp_path / ".staging").iterdir()) == []
    assert len(catalog_frame(tmp_path)) == 1


def publish_in_child(processed, extracted, queue):
    queue.put(publish_edition(processed, extracted).status)


def test_concurrent_publishers_lose_no_catalog_row(tmp_path, editions):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=publish_in_child, args=(tmp_path, e, queue)) for e in editions * 2]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    statuses = sorted(queue.get(timeout=10) for _ in children)
    assert statuses == ["published"] * len(editions) + ["unchanged"] * len(editions)
    catalog = pd.read_csv(tmp_path / "catalog.csv")
    assert len(catalog) == len(editions) == len(set(zip(catalog["report_id"], catalog["edition"])))


def test_staging_and_retired_folders_are_never_editions_and_are_repaired(tmp_path, editions):
    published = publish_edition(tmp_path, editions[2])
    # What a crash can leave: a finished staging folder of a dead process, a swap cut short.
    dead_staging = tmp_path / ".staging" / "999999999-2026-01-01.v1-abc"
    shutil.copytree(published.path, dead_staging)
    report_dir = published.path.parent
    retired = report_dir / f".retired-{published.path.name}"
    published.path.rename(retired)
    assert [f.name for f in edition_folders(tmp_path)] == []
    assert catalog_frame(tmp_path).empty  # the catalog file lists a folder that is not there: rebuilt
    done = repair_store(tmp_path)
    assert not dead_staging.exists()
    assert published.path.is_dir() and not retired.exists()
    assert any("restored" in d for d in done)
    assert list(catalog_frame(tmp_path)["edition"]) == [published.edition]


def test_a_catalog_missing_a_row_is_rebuilt_from_the_manifests(tmp_path, editions):
    for extracted in editions[:2]:
        publish_edition(tmp_path, extracted)
    full = catalog_frame(tmp_path)
    write_catalog_frame(tmp_path, full.iloc[:1])
    assert len(catalog_frame(tmp_path)) == 2
    repair_store(tmp_path)
    assert len(pd.read_csv(tmp_path / "catalog.csv")) == 2


def test_edition_order_uses_the_version_number():
    frame = pd.DataFrame({"report_id": ["IF1"] * 3, "date": ["2026-04-16"] * 3, "version": pd.array([11, 9, None], dtype="Int64"),
                          "edition": ["2026-04-16.v11", "2026-04-16.v9", "2026-04-16"]})
    assert list(sort_editions(frame)["edition"]) == ["2026-04-16", "2026-04-16.v9", "2026-04-16.v11"]


def test_manifest_is_written_after_every_other_file(tmp_path, editions):
    published = publish_edition(tmp_path, editions[3])
    manifest = published.path / "manifest.json"
    newest = max(p.stat().st_mtime_ns for p in published.path.iterdir() if p != manifest)
    assert manifest.stat().st_mtime_ns >= newest
    assert set(json.loads(manifest.read_text())["files"]) <= {p.name for p in published.path.iterdir()}
