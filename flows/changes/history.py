"""Fact histories: every figure and table cell of a report across all its published editions.

``processed/<REPORT_ID>/history/`` holds figure_history.csv/.parquet and cell_history.csv/.parquet
(one row per fact per edition: schemas/figure_history.py, schemas/cell_history.py) and
history_manifest.json (the editions it was built from, the files' sha256; not "manifest.json",
which marks an edition folder for ``published_manifests``).

The whole history is rebuilt from the report's editions whenever one is published, a backfilled
older edition too, so it never depends on the order editions arrived in; it holds no timestamp,
so the same editions always give byte-identical files. Each file is written beside its final
place and renamed into it, under the report's history lock, the manifest last.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pandas as pd
from pandera.errors import SchemaErrors

from extractors.facts.fact_identity import editions_to_cell_history, editions_to_figure_history
from flows import __version__
from flows.changes.diffs import load_edition, report_editions
from flows.errors import ValidationFailedError
from flows.store.locking import exclusive_lock
from flows.store.publish import check_path_part
from flows.store.raw_store import file_sha256, write_atomically
from schemas import cell_history, figure_history

HISTORY_FOLDER = "history"
MANIFEST_NAME = "history_manifest.json"
# the history datasets, by the per-edition dataset they follow (not in schemas.DATASETS: they
# span editions and are never part of an edition folder)
HISTORY_DATASETS: dict[str, ModuleType] = {"figures": figure_history, "table_cells": cell_history}
BUILDERS = {"figures": editions_to_figure_history, "table_cells": editions_to_cell_history}


@dataclass(frozen=True)
class History:
    """A report's fact histories: its editions (oldest first) and one frame per dataset."""

    report_id: str
    editions: pd.DataFrame          # report_editions(): edition, date, version, path, ... oldest first
    frames: dict[str, pd.DataFrame]  # "figures" -> figure_history, "table_cells" -> cell_history


def history_name(dataset: str) -> str:
    """'figures' -> 'figure_history': the file and browse-database table name."""
    return HISTORY_DATASETS[dataset].__name__.rsplit(".", 1)[-1]


def history_dir(processed: Path, report_id: str) -> Path:
    return Path(processed) / check_path_part(report_id, "report id") / HISTORY_FOLDER


def records_to_history_frame(report_id: str, records: list[dict], dataset: str) -> pd.DataFrame:
    module = HISTORY_DATASETS[dataset]
    frame = pd.DataFrame.from_records(records, columns=list(module.COLUMNS))
    try:
        return module.Schema.validate(frame, lazy=True)[list(module.COLUMNS)]
    except SchemaErrors as exc:
        first = exc.failure_cases.iloc[0]
        raise ValidationFailedError(f"{report_id} {history_name(dataset)}", f"{len(exc.failure_cases)} failing checks, first: {first['check']} on {first['column']}") from exc


def build_history(processed: Path, report_id: str) -> History:
    """The report's histories computed from its published editions (nothing is written). Each
    history reads the editions one after the other: two are in memory at a time."""
    processed = Path(processed)
    report_id = report_id.upper()
    editions = report_editions(processed, report_id)
    frames = {}
    for dataset, build in BUILDERS.items():
        loaded = (load_edition(processed / path) for path in editions["path"])
        frames[dataset] = records_to_history_frame(report_id, build(report_id, loaded), dataset)
    return History(report_id, editions, frames)


def frame_to_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    if suffix == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def editions_signature(editions: pd.DataFrame) -> list[dict]:
    """What a history was built from: each edition with the sha256 of its source."""
    return [{"edition": e, "source_sha256": s} for e, s in zip(editions["edition"], editions["source_sha256"])]


def write_history(processed: Path, report_id: str) -> Path:
    """Rebuild the report's history from all its published editions and publish it."""
    processed = Path(processed)
    report_id = report_id.upper()
    folder = history_dir(processed, report_id)
    with exclusive_lock(processed / report_id / ".history.lock"):
        history = build_history(processed, report_id)
        files = {}
        for dataset, frame in history.frames.items():
            for suffix in ("csv", "parquet"):
                path = folder / f"{history_name(dataset)}.{suffix}"
                write_atomically(path, frame_to_bytes(frame, suffix))
                path.chmod(0o644)  # mkstemp makes it private; a published history is for everyone to read
                files[path.name] = {"sha256": file_sha256(path), "rows": len(frame), "dataset": history_name(dataset)}
        manifest = {
            "report_id": report_id,
            "editions": editions_signature(history.editions),
            "pipeline_version": __version__,
            "files": files,
        }
        write_atomically(folder / MANIFEST_NAME, json.dumps(manifest, indent=2).encode("utf-8"))
        (folder / MANIFEST_NAME).chmod(0o644)
    return folder


def is_current(processed: Path, report_id: str, editions: pd.DataFrame) -> bool:
    """The published history was built from exactly the editions published now."""
    path = history_dir(processed, report_id) / MANIFEST_NAME
    if not path.exists():
        return False
    manifest = json.loads(path.read_text())
    return manifest.get("editions") == editions_signature(editions) and all((path.parent / name).exists() for name in manifest.get("files", {}))


def published_history_files(processed: Path) -> dict[str, list[Path]]:
    """Every report's published history Parquet files by table name ('figure_history',
    'cell_history'), for loading them all in one place (the browse database)."""
    names = [history_name(dataset) for dataset in HISTORY_DATASETS]
    return {name: sorted(Path(processed).glob(f"*/{HISTORY_FOLDER}/{name}.parquet")) for name in names}


def read_history(processed: Path, report_id: str) -> History:
    """The published history, rebuilt first when it is missing or older than the editions
    (published before histories existed, or a rebuild failed)."""
    processed = Path(processed)
    report_id = report_id.upper()
    editions = report_editions(processed, report_id)
    if not is_current(processed, report_id, editions):
        write_history(processed, report_id)
        editions = report_editions(processed, report_id)
    folder = history_dir(processed, report_id)
    frames = {dataset: pd.read_parquet(folder / f"{history_name(dataset)}.parquet") for dataset in HISTORY_DATASETS}
    return History(report_id, editions, frames)
