"""`crsdata db`: every published edition in one SQLite database, processed/crsdata.db (sqlite-utils).

The edition folders stay the source of truth: the database is derived from them and can always be
rebuilt. One table per dataset (report_id and edition first, then the dataset's columns), `editions`
(the catalog), `changes` (every published diff), FTS5 on section text, figure sentences and table
captions, and views `latest_<dataset>` holding each report's newest edition only.

Incremental: `_loaded_editions` records the manifest sha256 of every edition loaded, so a re-run loads
nothing; a new edition is loaded in one transaction (a reader never sees half of it); an edition
re-published with --force (a different manifest) is replaced; an edition folder that disappeared is
dropped; a report's fact history is replaced when its history file changes. `crsdata run` loads each
report right after publishing an edition of it (refresh_report), while its workers extract the next
documents, so its closing refresh has little left to do. `crsdata db` on a missing database, or
--rebuild, or a database of another layout, writes a new file beside the old one and renames it into place.
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
from flows.store.publish import (
    CATALOG_COLUMNS, catalog_frame, check_path_part, manifest_to_catalog_row, published_manifests, rows_to_catalog,
)
from flows.store.raw_store import file_sha256
from schemas import DATASETS, dataset_module
from schemas import cell_history, figure_history
from schemas import changes as changes_schema

DATABASE_NAME = "crsdata.db"
# PRAGMA user_version of the layout below: a database of another layout is rebuilt, not patched.
DATABASE_LAYOUT = 2   # 2: fact-history tables typed by their schemas
LOCK_NAME = ".crsdata.db.lock"
EDITION_KEY = ("report_id", "edition")
LOADED_EDITIONS = "_loaded_editions"
LOADED_DIFFS = "_loaded_diffs"
LOADED_HISTORY = "_loaded_history"
HISTORY_TABLES = {"figure_history": "figure_history.parquet", "cell_history": "cell_history.parquet"}
HISTORY_SCHEMAS = {"figure_history": figure_history, "cell_history": cell_history}
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


def published_editions(processed: Path, report_id: str | None = None) -> list[PublishedEdition]:
    """Edition folders (of one report, given its id) with a manifest whose names are a valid report id
    and edition key (staging folders, `.retired-*` and anything half-written are not editions)."""
    editions = []
    for manifest in published_manifests(processed, report_id):
        folder = Path(manifest["_path"])
        report_id, edition = folder.parent.name, folder.name
        if not (is_edition_name(report_id, "report id") and is_edition_name(edition)):
            continue
        if (manifest.get("report_id"), manifest.get("edition")) != (report_id, edition):
            continue
        editions.append(PublishedEdition(report_id, edition, folder, file_sha256(folder / "manifest.json")))
    return editions


def published_diffs(processed: Path, report_id: str | None = None) -> list[PublishedDiff]:
    diffs = []
    for path in sorted(processed.glob(f"{report_id or '*'}/diffs/*/manifest.json")):
        folder = path.parent
        report_id, (from_edition, _, to_edition) = folder.parent.parent.name, folder.name.partition("__")
        if is_edition_name(report_id, "report id") and is_edition_name(from_edition) and is_edition_name(to_edition):
            diffs.append(PublishedDiff(report_id, from_edition, to_edition, folder, file_sha256(path)))
    return diffs


def edition_key(report_id: str, edition: str) -> str:
    return f"{report_id}/{edition}"


def schema_module(name: str):
    """schemas/<name>.py of a dataset, of changes (the diffs' rows) or of a fact-history table."""
    return {"changes": changes_schema, **HISTORY_SCHEMAS}.get(name) or dataset_module(name)


def schema_columns(name: str) -> dict[str, type]:
    """A table's columns in its schema's order, with the Python type sqlite-utils maps to a column type."""
    return {column: COLUMN_TYPES[str(spec.dtype)] for column, spec in schema_module(name).Schema.to_schema().columns.items()}


def dataset_columns(name: str) -> dict[str, type]:
    """Columns of a dataset table as published, with report_id and edition first."""
    columns = schema_columns(name)
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
    """One transaction: the edition's old rows out (when replaced), its catalog row and every dataset in.
    The edition is read through the diffs' cache: a run has just read it there for the report's diffs
    and history (flows.changes.diffs.load_edition)."""
    from flows.changes.diffs import load_edition as read_edition

    datasets, key = read_edition(edition.folder).frames, {"report_id": edition.report_id, "edition": edition.edition}
    frames = {name: frame_with_key(datasets[name], key, dataset_columns(name)) for name in DATASETS if name in datasets}
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


def history_files(processed: Path, file_name: str, report_id: str | None = None) -> list[Path]:
    return sorted(p for p in processed.glob(f"{report_id or '*'}/history/{file_name}") if is_edition_name(p.parent.parent.name, "report id"))


def load_history(db: sqlite_utils.Database, processed: Path, report_id: str | None = None) -> bool:
    """figure_history / cell_history: a report's rows replaced when its history file changed, dropped
    when the file is gone (absent is fine); only that report's rows move, so the cost of a publish does
    not grow with the archive."""
    tables = {file_name: table for table, file_name in HISTORY_TABLES.items()}
    wanted = {str(p.relative_to(processed)): file_sha256(p) for name in tables for p in history_files(processed, name, report_id)}
    held = {row["path"]: row["sha256"] for row in db[LOADED_HISTORY].rows
            if report_id is None or row["path"].split("/")[0] == report_id}
    changed = sorted(path for path, sha in wanted.items() if held.get(path) != sha)
    gone = sorted(set(held) - set(wanted))
    if not changed and not gone:
        return False
    with db.atomic():
        for path in gone + changed:
            table = db[tables[Path(path).name]]
            if table.exists():
                table.delete_where("report_id = ?", [path.split("/")[0]])
            db[LOADED_HISTORY].delete_where("path = ?", [path])
        for path in changed:
            history, table = pd.read_parquet(processed / path), db[tables[Path(path).name]]
            if not table.exists():  # typed by its schema, not guessed from the first rows (a version of None made it text)
                table.create(schema_columns(table.name))
            if len(history):
                table.insert_all(frame_to_records(history), batch_size=500, alter=True)
                indexed = [c for c in ("report_id", "fact_id", "edition") if c in history.columns]
                if indexed:
                    table.create_index(indexed, if_not_exists=True)
            db[LOADED_HISTORY].insert({"path": path, "sha256": wanted[path]})
    return True


def catalog_rows(processed: Path, report_id: str | None = None) -> dict[tuple[str, str], dict]:
    """(report id, edition) -> its catalog row: the catalog's, or for one report from its manifests
    (reading the whole catalog on every publish would grow with the archive)."""
    frame = catalog_frame(processed) if report_id is None else rows_to_catalog(
        [manifest_to_catalog_row(processed, Path(m["_path"]), m) for m in published_manifests(processed, report_id)])
    return {(r["report_id"], r["edition"]): r for r in frame_to_records(frame)}


def update_database(db: sqlite_utils.Database, processed: Path, report: DatabaseReport,
                    report_id: str | None = None) -> DatabaseReport:
    """Bring the database up to date with the published folders: all of them, or one report's."""
    editions = published_editions(processed, report_id)
    catalog = catalog_rows(processed, report_id)
    loaded = {key: sha for key, sha in loaded_state(db, LOADED_EDITIONS, EDITION_KEY).items() if report_id in (None, key[0])}
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
    for diff in published_diffs(processed, report_id):
        both_loaded = {(diff.report_id, diff.from_edition), (diff.report_id, diff.to_edition)} <= published
        if both_loaded and loaded_diffs.get((diff.report_id, diff.from_edition, diff.to_edition)) != diff.manifest_sha256:
            load_diff(db, diff)
            report.diffs_loaded += 1
    load_history(db, processed, report_id)
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


def refresh_report(processed: Path, report_id: str) -> DatabaseReport:
    """One report's editions, diffs and history into processed/crsdata.db, right after an edition of it
    is published: `crsdata run` does this in the parent while the workers extract the next documents,
    and its closing refresh_browse_data then finds them loaded. A missing database is created in place
    (each edition goes in in one transaction, so a reader never sees half of one); one of another
    layout is left to the closing refresh, which rebuilds it."""
    path = processed / DATABASE_NAME
    with exclusive_lock(processed / LOCK_NAME):
        if path.exists() and database_layout(path) != DATABASE_LAYOUT:
            return DatabaseReport(path)
        db = open_database(path)
        try:
            return update_database(db, processed, DatabaseReport(path), report_id)
        except (OSError, ValueError, KeyError, sqlite3.Error) as exc:
            raise DatabaseError(str(path), f"{type(exc).__name__}: {exc}") from exc
        finally:
            db.close()


def loaded_snapshot(processed: Path) -> dict[str, dict[tuple, str]] | None:
    """What the database holds (editions and diffs, with their manifest sha256), to tell afterwards
    what a run loaded; None when there is no database of this layout."""
    path = processed / DATABASE_NAME
    if not path.exists() or database_layout(path) != DATABASE_LAYOUT:
        return None
    db = sqlite_utils.Database(path)
    try:
        return {"editions": loaded_state(db, LOADED_EDITIONS, EDITION_KEY), "diffs": loaded_state(db, LOADED_DIFFS, CHANGES_KEY)}
    finally:
        db.close()


def report_since(before: dict[str, dict[tuple, str]] | None, closing: DatabaseReport, processed: Path) -> DatabaseReport:
    """The database's changes since `before` (a loaded_snapshot): what a whole run did, whether its
    editions went in as they were published (refresh_report) or in the closing refresh."""
    after = loaded_snapshot(processed) or {"editions": {}, "diffs": {}}
    held = (before or {}).get("editions", {})
    editions = after["editions"]
    return DatabaseReport(
        closing.path,
        loaded=[edition_key(*key) for key in sorted(editions) if held.get(key) != editions[key]],
        removed=[edition_key(*key) for key in sorted(set(held) - set(editions))],
        diffs_loaded=sum((before or {}).get("diffs", {}).get(key) != sha for key, sha in after["diffs"].items()),
        unchanged=sum(held.get(key) == sha for key, sha in editions.items()),
        rebuilt=before is None or closing.rebuilt,
    )


# A whole corpus's rebuild named all 77 editions on one line; the first few say what kind they are.
EDITIONS_NAMED = 5


def describe_refresh(report: DatabaseReport, archive) -> str:
    """One line for the terminal: what the refresh loaded (new editions only, unless rebuilt),
    naming the first EDITIONS_NAMED of them."""
    more = len(report.loaded) - EDITIONS_NAMED
    named = ", ".join(report.loaded[:EDITIONS_NAMED]) + (f" and {more} more" if more > 0 else "")
    loaded = f" ({named})" if report.loaded else ""
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
