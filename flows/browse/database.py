"""`crsdata db`: every published edition in one SQLite database, processed/crsdata.db (sqlite-utils).

The edition folders stay the source of truth: the database is derived from them and can always be
rebuilt. One table per dataset (report_id and edition first, then the dataset's columns), `editions`
(the catalog), `changes` (every published diff), FTS5 on section text, figure sentences and table
captions, and views `latest_<dataset>` holding each report's newest edition only.

Incremental: `_loaded_editions` records the manifest sha256 of every edition loaded, so a re-run loads
nothing; a new edition is loaded in one transaction (a reader never sees half of it); an edition
re-published with --force (a different manifest) is replaced; an edition folder that disappeared is
dropped. A first build or --rebuild writes a new file beside the old one and renames it into place.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlite_utils

from extractors.diff.comparable_text import frame_to_records
from flows.errors import CrsdataError
from flows.store.locking import exclusive_lock
from flows.store.publish import CATALOG_COLUMNS, catalog_frame, check_path_part, published_manifests
from flows.store.raw_store import file_sha256
from schemas import DATASETS, dataset_module
from schemas import changes as changes_schema

DATABASE_NAME = "crsdata.db"
# PRAGMA user_version of the layout below: a database of another layout is rebuilt, not patched.
DATABASE_LAYOUT = 1
LOCK_NAME = ".crsdata.db.lock"
EDITION_KEY = ("report_id", "edition")
LOADED_EDITIONS = "_loaded_editions"
LOADED_DIFFS = "_loaded_diffs"
LOADED_HISTORY = "_loaded_history"
HISTORY_TABLES = {"figure_history": "figure_history.parquet", "cell_history": "cell_history.parquet"}
FTS_COLUMNS = {"sections": ("heading", "text"), "figures": ("sentence",), "tables": ("caption",)}
CHANGES_KEY = ("report_id", "from_edition", "to_edition")
# pandera dtype (as str()) -> the Python type sqlite-utils maps to a column type
COLUMN_TYPES = {"string[pyarrow]": str, "str": str, "int64": int, "Int64": int, "float64": float, "bool": bool, "boolean": bool}
# The latest edition of a report: newest date, then highest version, as flows.changes.diffs.report_editions orders them.
LATEST_EDITIONS_SQL = """
SELECT * FROM editions AS e WHERE e.edition = (
  SELECT n.edition FROM editions AS n WHERE n.report_id = e.report_id
  ORDER BY n.date DESC, COALESCE(n.version, 0) DESC, n.edition DESC LIMIT 1
)"""
# The catalog's columns, as flows.store.publish defines them (so a new catalog column cannot be missed here).
CATALOG_TYPES = {column: int if column in ("version", "rows", "rows_rejected") else str for column in CATALOG_COLUMNS}


class DatabaseError(CrsdataError):
    """The browse database could not be built or updated."""


@dataclass(frozen=True)
class PublishedEdition:
    report_id: str
    edition: str
    folder: Path
    manifest_sha256: str     # changes when an edition is re-published with --force


@dataclass(frozen=True)
class PublishedDiff:
    report_id: str
    from_edition: str
    to_edition: str
    folder: Path
    manifest_sha256: str


@dataclass
class DatabaseReport:
    path: Path
    loaded: list[str] = field(default_factory=list)     # "IF10199/2026-10-01.v49", new or replaced
    removed: list[str] = field(default_factory=list)
    diffs_loaded: int = 0
    unchanged: int = 0
    rebuilt: bool = False


def is_edition_name(value: str, what: str = "edition") -> bool:
    try:
        check_path_part(value, what)
    except CrsdataError:
        return False
    return True


def published_editions(processed: Path) -> list[PublishedEdition]:
    """Edition folders with a manifest whose names are a valid report id and edition key
    (staging folders, `.retired-*` and anything half-written are not editions)."""
    editions = []
    for manifest in published_manifests(processed):
        folder = Path(manifest["_path"])
        report_id, edition = folder.parent.name, folder.name
        if not (is_edition_name(report_id, "report id") and is_edition_name(edition)):
            continue
        if (manifest.get("report_id"), manifest.get("edition")) != (report_id, edition):
            continue
        editions.append(PublishedEdition(report_id, edition, folder, file_sha256(folder / "manifest.json")))
    return editions


def published_diffs(processed: Path) -> list[PublishedDiff]:
    diffs = []
    for path in sorted(processed.glob("*/diffs/*/manifest.json")):
        folder = path.parent
        report_id, (from_edition, _, to_edition) = folder.parent.parent.name, folder.name.partition("__")
        if is_edition_name(report_id, "report id") and is_edition_name(from_edition) and is_edition_name(to_edition):
            diffs.append(PublishedDiff(report_id, from_edition, to_edition, folder, file_sha256(path)))
    return diffs


def edition_key(report_id: str, edition: str) -> str:
    return f"{report_id}/{edition}"


def schema_module(name: str):
    """schemas/<name>.py of a dataset, or of changes (the diffs' rows)."""
    return changes_schema if name == "changes" else dataset_module(name)


def dataset_columns(name: str) -> dict[str, type]:
    """Columns of a dataset table as published, with report_id and edition first."""
    module = schema_module(name)
    columns = {column: COLUMN_TYPES[str(spec.dtype)] for column, spec in module.Schema.to_schema().columns.items()}
    first = dict.fromkeys(CHANGES_KEY if name == "changes" else EDITION_KEY, str)
    return {**first, **{c: t for c, t in columns.items() if c not in first}}


def frame_with_key(frame: pd.DataFrame, key: dict[str, str], columns: dict[str, type]) -> pd.DataFrame:
    """The dataset's rows with the key columns first (documents already carries report_id/edition)."""
    rest = frame.drop(columns=[c for c in key if c in frame.columns])
    keyed = pd.concat([pd.DataFrame({c: [v] * len(frame) for c, v in key.items()}, index=frame.index), rest], axis=1)
    return keyed.reindex(columns=list(columns))


def edition_frame(edition: PublishedEdition, name: str) -> pd.DataFrame:
    key = {"report_id": edition.report_id, "edition": edition.edition}
    return frame_with_key(pd.read_parquet(edition.folder / f"{name}.parquet"), key, dataset_columns(name))


def edition_frames(edition: PublishedEdition) -> dict[str, pd.DataFrame]:
    return {name: edition_frame(edition, name) for name in DATASETS}


def diff_frame(diff: PublishedDiff) -> pd.DataFrame:
    key = {"report_id": diff.report_id, "from_edition": diff.from_edition, "to_edition": diff.to_edition}
    return frame_with_key(pd.read_parquet(diff.folder / "changes.parquet"), key, dataset_columns("changes"))


# ---------------------------------------------------------------- schema

def create_schema(db: sqlite_utils.Database) -> None:
    """Tables, foreign keys, FTS and views; run on an empty database."""
    db["editions"].create(CATALOG_TYPES, pk=EDITION_KEY)
    for name in DATASETS:
        db[name].create(dataset_columns(name), foreign_keys=[(EDITION_KEY, "editions", EDITION_KEY)])
        db[name].create_index(EDITION_KEY)
    db["changes"].create(
        dataset_columns("changes"),
        foreign_keys=[(("report_id", "from_edition"), "editions", EDITION_KEY), (("report_id", "to_edition"), "editions", EDITION_KEY)],
    )
    db["changes"].create_index(CHANGES_KEY)
    for name, columns in FTS_COLUMNS.items():
        db[name].enable_fts(list(columns), fts_version="FTS5", create_triggers=True, tokenize="porter")
    db[LOADED_EDITIONS].create({"report_id": str, "edition": str, "manifest_sha256": str}, pk=EDITION_KEY)
    db[LOADED_DIFFS].create({"report_id": str, "from_edition": str, "to_edition": str, "manifest_sha256": str}, pk=CHANGES_KEY)
    db[LOADED_HISTORY].create({"path": str, "sha256": str}, pk="path")
    db.create_view("latest_editions", LATEST_EDITIONS_SQL)
    for name in DATASETS:
        db.create_view(
            f"latest_{name}",
            f"SELECT t.* FROM [{name}] AS t JOIN latest_editions AS l ON t.report_id = l.report_id AND t.edition = l.edition",
        )


def open_database(path: Path) -> sqlite_utils.Database:
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA foreign_keys = ON")
    if "editions" not in db.table_names():
        with db.atomic():
            create_schema(db)
        db.execute(f"PRAGMA user_version = {DATABASE_LAYOUT}")
    return db


def database_layout(path: Path) -> int | None:
    """The layout version of an existing database file; None when it is not a readable SQLite file."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        return None


# ---------------------------------------------------------------- loading

def loaded_state(db: sqlite_utils.Database, table: str, key: tuple[str, ...]) -> dict[tuple, str]:
    return {tuple(row[k] for k in key): row["manifest_sha256"] for row in db[table].rows}


def delete_edition_rows(db: sqlite_utils.Database, report_id: str, edition: str) -> None:
    for name in DATASETS:
        db[name].delete_where("report_id = ? AND edition = ?", [report_id, edition])
    db[LOADED_EDITIONS].delete_where("report_id = ? AND edition = ?", [report_id, edition])


def load_edition(db: sqlite_utils.Database, edition: PublishedEdition, catalog_row: dict) -> None:
    """One transaction: the edition's old rows out (when replaced), its catalog row and every dataset in."""
    frames = edition_frames(edition)
    with db.atomic():
        delete_edition_rows(db, edition.report_id, edition.edition)
        db["editions"].upsert(catalog_row, pk=EDITION_KEY)
        for name, frame in frames.items():
            db[name].insert_all(frame_to_records(frame), batch_size=500)
        db[LOADED_EDITIONS].insert({"report_id": edition.report_id, "edition": edition.edition, "manifest_sha256": edition.manifest_sha256})


def remove_edition(db: sqlite_utils.Database, report_id: str, edition: str) -> None:
    with db.atomic():
        db["changes"].delete_where("report_id = ? AND (from_edition = ? OR to_edition = ?)", [report_id, edition, edition])
        db[LOADED_DIFFS].delete_where("report_id = ? AND (from_edition = ? OR to_edition = ?)", [report_id, edition, edition])
        delete_edition_rows(db, report_id, edition)
        db["editions"].delete_where("report_id = ? AND edition = ?", [report_id, edition])


def load_diff(db: sqlite_utils.Database, diff: PublishedDiff) -> None:
    where = "report_id = ? AND from_edition = ? AND to_edition = ?"
    key = [diff.report_id, diff.from_edition, diff.to_edition]
    frame = diff_frame(diff)
    with db.atomic():
        db["changes"].delete_where(where, key)
        db[LOADED_DIFFS].delete_where(where, key)
        db["changes"].insert_all(frame_to_records(frame), batch_size=500)
        db[LOADED_DIFFS].insert(dict(zip(CHANGES_KEY, key), manifest_sha256=diff.manifest_sha256))


def history_files(processed: Path, file_name: str) -> list[Path]:
    return sorted(p for p in processed.glob(f"*/history/{file_name}") if is_edition_name(p.parent.parent.name, "report id"))


def load_history(db: sqlite_utils.Database, processed: Path) -> bool:
    """figure_history / cell_history: replaced wholesale when any history file changed; absent is fine."""
    wanted = {str(p.relative_to(processed)): file_sha256(p) for name in HISTORY_TABLES.values() for p in history_files(processed, name)}
    if wanted == {row["path"]: row["sha256"] for row in db[LOADED_HISTORY].rows}:
        return False
    with db.atomic():
        for table, file_name in HISTORY_TABLES.items():
            db[table].drop(ignore=True)
            frames = [pd.read_parquet(p) for p in history_files(processed, file_name)]
            frames = [f for f in frames if len(f)]
            if frames:
                history = pd.concat(frames, ignore_index=True)
                db[table].insert_all(frame_to_records(history), batch_size=500, alter=True)
                indexed = [c for c in ("report_id", "fact_id", "edition") if c in history.columns]
                if indexed:
                    db[table].create_index(indexed)
        db[LOADED_HISTORY].delete_where()
        db[LOADED_HISTORY].insert_all([{"path": p, "sha256": s} for p, s in wanted.items()])
    return True


def update_database(db: sqlite_utils.Database, processed: Path, report: DatabaseReport) -> DatabaseReport:
    editions = published_editions(processed)
    catalog = {(r["report_id"], r["edition"]): r for r in frame_to_records(catalog_frame(processed))}
    loaded = loaded_state(db, LOADED_EDITIONS, EDITION_KEY)
    published = {(e.report_id, e.edition) for e in editions}
    for report_id, edition in sorted(set(loaded) - published):
        remove_edition(db, report_id, edition)
        report.removed.append(edition_key(report_id, edition))
    for edition in editions:
        if loaded.get((edition.report_id, edition.edition)) == edition.manifest_sha256:
            report.unchanged += 1
            continue
        load_edition(db, edition, catalog[(edition.report_id, edition.edition)])
        report.loaded.append(edition_key(edition.report_id, edition.edition))
    loaded_diffs = loaded_state(db, LOADED_DIFFS, CHANGES_KEY)
    for diff in published_diffs(processed):
        both_loaded = {(diff.report_id, diff.from_edition), (diff.report_id, diff.to_edition)} <= published
        if both_loaded and loaded_diffs.get((diff.report_id, diff.from_edition, diff.to_edition)) != diff.manifest_sha256:
            load_diff(db, diff)
            report.diffs_loaded += 1
    load_history(db, processed)
    return report


def refresh_database(processed: Path, *, rebuild: bool = False) -> DatabaseReport:
    """Bring processed/crsdata.db up to date with the published folders (caller holds the lock)."""
    path = processed / DATABASE_NAME
    if path.exists() and not rebuild and database_layout(path) == DATABASE_LAYOUT:
        db = open_database(path)
        try:
            return update_database(db, processed, DatabaseReport(path))
        finally:
            db.close()
    # A new file, renamed into place only when complete: a reader sees the old database or the new one.
    staging = processed / f".{DATABASE_NAME}.building-{os.getpid()}"
    staging.unlink(missing_ok=True)
    try:
        db = open_database(staging)
        try:
            report = update_database(db, processed, DatabaseReport(path, rebuilt=True))
        finally:
            db.close()
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return report


def describe_refresh(report: DatabaseReport, archive) -> str:
    """One line for the terminal: what the refresh loaded (new editions only, unless rebuilt)."""
    loaded = f" ({', '.join(report.loaded)})" if report.loaded else ""
    diffs_read = sum("__" in key for key in archive.added)
    return (
        f"Browse data: {'built' if report.rebuilt else 'updated'} {report.path.name}: {len(report.loaded)} edition(s) loaded{loaded}, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged, {report.diffs_loaded} diff(s); {archive.folder.name}/: "
        f"{len(archive.written)} Parquet file(s) rewritten, {len(archive.added) - diffs_read} edition(s) and {diffs_read} diff(s) read"
    )


def refresh_browse_data(processed: Path, *, rebuild: bool = False):
    """The database and the Parquet archive, under the lock every crsdata process takes to write them."""
    from flows.store.archive_parquet import refresh_archive

    processed = Path(processed)
    if not processed.is_dir():
        raise DatabaseError(str(processed), "no such data folder; run 'crsdata run' first")
    with exclusive_lock(processed / LOCK_NAME):
        try:
            report = refresh_database(processed, rebuild=rebuild)
            archive = refresh_archive(processed, rebuild=rebuild)
        except (OSError, ValueError, KeyError, sqlite3.Error) as exc:
            raise DatabaseError(str(processed / DATABASE_NAME), f"{type(exc).__name__}: {exc}") from exc
    return report, archive
