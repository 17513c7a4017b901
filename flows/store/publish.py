"""Publishing: one immutable folder per report edition, plus the catalog.

An edition is written into ``processed/.staging/`` (never a place a reader looks), its manifest last,
then moved into ``processed/<REPORT_ID>/<EDITION>/`` in one rename; a rebuilt edition (``--force``) is
swapped in with one atomic exchange, so the path always holds a complete edition, old or new. Only a
folder whose names are a valid report id and edition and which holds a manifest is an edition.

Several processes may publish into one folder at once: the decision "is this edition published?", the
move into place and the catalog update happen under one lock, so a second publisher of the same
edition sees it and says ``unchanged``, and no catalog row is lost. The catalog is derived: it is
updated row by row, and rebuilt from the manifests when it does not list exactly the editions on
disk (after a crash between the move and the catalog write, say): by repair_store at the start of
every run, and by every reader until then.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from extractors.identity import is_valid_report_id
from flows import __version__
from flows.errors import CrsdataError, NotFoundError
from flows.outcome import Outcome
from flows.store.locking import exclusive_lock
from flows.pipeline.processes import pid_is_alive
from flows.store.raw_store import file_sha256, write_atomically
from schemas import DATASETS, SCHEMA_VERSION, dataset_module
from schemas.rejected_rows import rows_rejected

CATALOG_COLUMNS = [
    "report_id", "edition", "version", "date", "title", "product_type", "path", "source_sha256", "rows", "rows_rejected",
    "published_at",
]
EDITION_CHARS = set("0123456789abcdefv.-")
FRICTIONLESS_TYPES = {"int64": "integer", "Int64": "integer", "float64": "number", "bool": "boolean", "boolean": "boolean"}
STAGING = ".staging"
PUBLISH_LOCK = ".publish.lock"
RENAME_EXCHANGE = 2


def is_valid_edition(value: str) -> bool:
    return bool(value) and set(value) <= EDITION_CHARS and ".." not in value and value[0].isdigit()


def check_path_part(value: str, what: str) -> str:
    """Identifiers that become folder names: no separators, no '..', only the expected shape."""
    ok = is_valid_report_id(value) if what == "report id" else is_valid_edition(value)
    if not ok or "/" in value or "\\" in value:
        raise CrsdataError(value, f"invalid {what}: not usable as a folder name")
    return value


def edition_dir(processed: Path, report_id: str, edition: str) -> Path:
    return processed / check_path_part(report_id, "report id") / check_path_part(edition, "edition")


def read_manifest(folder: Path) -> dict | None:
    path = folder / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def edition_folders(processed: Path, report_id: str | None = None) -> list[Path]:
    """Every published edition folder (of one report, given its id): valid names and a manifest.
    Staging and retired folders, diffs/ and history/ never match."""
    folders = []
    if not processed.is_dir():
        return folders
    for report_dir in [processed / report_id] if report_id else sorted(processed.iterdir()):
        if not is_valid_report_id(report_dir.name) or not report_dir.is_dir():
            continue
        for folder in sorted(report_dir.iterdir()):
            if is_valid_edition(folder.name) and (folder / "manifest.json").is_file():
                folders.append(folder)
    return folders


def published_manifests(processed: Path, report_id: str | None = None) -> list[dict]:
    manifests = []
    for folder in edition_folders(processed, report_id):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["_path"] = str(folder)
        manifests.append(manifest)
    return manifests


def published_sources(processed: Path) -> set[str]:
    return set(catalog_frame(processed)["source_sha256"])


def frictionless_field(name: str, frame: pd.DataFrame, description: str) -> dict:
    dtype = str(frame[name].dtype)
    return {"name": name, "type": FRICTIONLESS_TYPES.get(dtype, "string"), "description": description}


def datapackage_for(report_id: str, edition: str, title: str, frames: dict[str, pd.DataFrame]) -> dict:
    resources = []
    for name, frame in frames.items():
        columns = dataset_module(name).Schema.to_schema().columns
        fields = [frictionless_field(col, frame, columns[col].description or "") for col in frame.columns]
        resources.append(
            {
                "name": name.replace("_", "-"),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": (dataset_module(name).__doc__ or "").strip(),
                "schema": {"fields": fields},
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": f"crs-{report_id.lower()}-{edition.replace('.', '-')}",
        "title": f"{title} ({report_id}, edition {edition})",
        "version": edition,
        "licenses": [{"name": "public-domain", "title": "U.S. Government work, not subject to copyright"}],
        "resources": resources,
    }


def write_edition_files(folder: Path, frames: dict[str, pd.DataFrame], manifest_base: dict) -> dict:
    files = {}
    for name in DATASETS:
        frame = frames[name]
        csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
        frame.to_csv(csv_path, index=False)
        frame.to_parquet(parquet_path, index=False)
        for path in (csv_path, parquet_path):
            files[path.name] = {"sha256": file_sha256(path), "rows": len(frame), "dataset": name}
    manifest = {**manifest_base, "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False))
    return manifest


def resolve_edition(processed: Path, report_id: str, edition: str, sha: str) -> tuple[str, dict | None]:
    """Same report and edition key but different bytes: append the first 8 hex of the sha."""
    existing = read_manifest(edition_dir(processed, report_id, edition))
    if existing is None or existing["source_sha256"] == sha:
        return edition, existing
    suffixed = f"{edition}.{sha[:8]}"
    return suffixed, read_manifest(edition_dir(processed, report_id, suffixed))


def edition_manifest_base(extracted, edition: str, frames: dict[str, pd.DataFrame]) -> dict:
    identity = extracted.identity
    return {
        "report_id": identity.report_id,
        "edition": edition,
        "version": identity.version,
        "date": identity.date.isoformat(),
        "title": identity.title,
        "product_type": identity.product_type,
        "source_sha256": extracted.source_sha256,
        "source_name": Path(extracted.source_name).name,
        "pipeline_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": {name: len(frame) for name, frame in frames.items()},
        "rows_rejected": rows_rejected(frames.get("rejected_rows")),
    }


def new_staging_folder(processed: Path, label: str) -> Path:
    """A private folder for one publication in progress, named after its owner so that the next run
    can tell a crashed publication's leftovers from a live one's."""
    root = processed / STAGING
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-{label}-", dir=root))


def stage_edition(processed: Path, extracted, edition: str) -> Path:
    frames = dict(extracted.datasets)
    frames["documents"] = frames["documents"].assign(edition=edition)
    staging = new_staging_folder(processed, edition)
    try:
        datapackage = datapackage_for(extracted.identity.report_id, edition, extracted.identity.title, frames)
        (staging / "datapackage.json").write_text(json.dumps(datapackage, indent=2))
        write_edition_files(staging, frames, edition_manifest_base(extracted, edition, frames))  # manifest last
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a published edition is for everyone to read
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def exchange_folders(a: Path, b: Path) -> None:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE): no moment without either."""
    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd = -100
    if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a))


def replace_folder(staging: Path, final: Path) -> None:
    """Put `staging` at `final` (which holds an edition); afterwards `staging` holds the old one."""
    try:
        exchange_folders(staging, final)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS):
            raise
        # A filesystem without RENAME_EXCHANGE: two renames; repair_store() finishes a swap cut short.
        retired = final.with_name(f".retired-{final.name}")
        os.rename(final, retired)
        os.rename(staging, final)
        os.rename(retired, staging)


def publish_edition(processed: Path, extracted, *, force: bool = False) -> Outcome:
    """The edition on disk: ``published``, ``republished`` (--force) or ``unchanged``, with its folder."""
    identity = extracted.identity

    def outcome(status: str, edition: str, path: Path) -> Outcome:
        return Outcome(extracted.source_name, status, report_id=identity.report_id, edition=edition, path=path)

    lock = processed / PUBLISH_LOCK
    with exclusive_lock(lock):
        edition, existing = resolve_edition(processed, identity.report_id, identity.edition, extracted.source_sha256)
    if existing is not None and not force:
        return outcome("unchanged", edition, edition_dir(processed, identity.report_id, edition))
    staging = stage_edition(processed, extracted, edition)
    try:
        with exclusive_lock(lock):
            # Decided again under the lock: another process may have published meanwhile.
            now_edition, existing = resolve_edition(processed, identity.report_id, identity.edition, extracted.source_sha256)
            final = edition_dir(processed, identity.report_id, now_edition)
            if existing is not None and not force:
                return outcome("unchanged", now_edition, final)
            if now_edition != edition:  # a different document took the key first: stage under the new key
                shutil.rmtree(staging, ignore_errors=True)
                edition, staging = now_edition, stage_edition(processed, extracted, now_edition)
            final.parent.mkdir(parents=True, exist_ok=True)
            if existing is not None:
                replace_folder(staging, final)
            else:
                os.rename(staging, final)
            update_catalog(processed, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outcome("republished" if existing else "published", edition, final)


# ---------------------------------------------------------------- catalog

def sort_editions(frame: pd.DataFrame) -> pd.DataFrame:
    """The one edition order: by report, date, version (unknown first), then edition key."""
    order = frame.assign(_version=frame["version"].fillna(0).astype(int))
    return order.sort_values(["report_id", "date", "_version", "edition"], kind="stable").drop(columns="_version").reset_index(drop=True)


def manifest_to_catalog_row(processed: Path, folder: Path, manifest: dict) -> dict:
    return {
        "report_id": manifest["report_id"],
        "edition": manifest["edition"],
        "version": manifest.get("version"),
        "date": manifest["date"],
        "title": manifest["title"],
        "product_type": manifest.get("product_type"),
        "path": str(folder.relative_to(processed)),
        "source_sha256": manifest["source_sha256"],
        "rows": sum(n for name, n in manifest.get("rows", {}).items() if name != "rejected_rows"),
        "rows_rejected": manifest.get("rows_rejected", 0),
        "published_at": manifest["created_at"],
    }


def rows_to_catalog(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
    frame["version"] = frame["version"].astype("Int64")
    return sort_editions(frame)


def rebuild_catalog_frame(processed: Path) -> pd.DataFrame:
    """The catalog from the manifests of every published edition (the source of truth)."""
    return rows_to_catalog([manifest_to_catalog_row(processed, Path(m["_path"]), m) for m in published_manifests(processed)])


def read_catalog_file(processed: Path) -> pd.DataFrame | None:
    try:
        frame = pd.read_parquet(processed / "catalog.parquet")
    except (OSError, ValueError):
        return None
    return frame if list(frame.columns) == CATALOG_COLUMNS else None


def catalog_matches_folders(frame: pd.DataFrame, processed: Path) -> bool:
    listed = sorted(zip(frame["report_id"], frame["edition"]))
    on_disk = sorted((folder.parent.name, folder.name) for folder in edition_folders(processed))
    return listed == on_disk


def catalog_frame(processed: Path) -> pd.DataFrame:
    """The catalog file when it lists exactly the editions on disk, else rebuilt from the manifests."""
    frame = read_catalog_file(processed)
    if frame is not None and catalog_matches_folders(frame, processed):
        return frame
    return rebuild_catalog_frame(processed)


def write_catalog_frame(processed: Path, frame: pd.DataFrame) -> None:
    processed.mkdir(parents=True, exist_ok=True)
    write_atomically(processed / "catalog.csv", frame.to_csv(index=False).encode())
    write_atomically(processed / "catalog.parquet", frame.to_parquet(index=False))


def update_catalog(processed: Path, folder: Path) -> pd.DataFrame:
    """Add or replace one edition's row. Call under the publish lock.

    The catalog file is taken as it is, not checked against every edition folder: that check grows
    with the archive and would be paid on every publish. A catalog a crash left short is rebuilt
    by repair_store (at the start of every run) and, meanwhile, by every reader (catalog_frame)."""
    current = read_catalog_file(processed)
    if current is None:
        current = rebuild_catalog_frame(processed)
    row = manifest_to_catalog_row(processed, folder, read_manifest(folder))
    keep = current[~((current["report_id"] == row["report_id"]) & (current["edition"] == row["edition"]))]
    frame = rows_to_catalog(keep.to_dict("records") + [row])
    write_catalog_frame(processed, frame)
    return frame


def write_catalog(processed: Path) -> pd.DataFrame:
    """Rebuild the catalog files from the manifests."""
    with exclusive_lock(processed / PUBLISH_LOCK):
        frame = rebuild_catalog_frame(processed)
        write_catalog_frame(processed, frame)
    return frame


# ---------------------------------------------------------------- repair after a crash

def staging_owner(folder: Path) -> int | None:
    """The pid in a staging folder's name (see new_staging_folder)."""
    owner = folder.name.split("-", 1)[0]
    return int(owner) if owner.isdigit() else None


def repair_store(processed: Path) -> list[str]:
    """What a crash can leave, put right: staging folders of dead publishers removed, a swap cut
    short finished, the catalog rebuilt when it does not match the folders. Returns what was done."""
    done: list[str] = []
    if not processed.is_dir():
        return done
    with exclusive_lock(processed / PUBLISH_LOCK):
        for folder in sorted((processed / STAGING).glob("*")):
            owner = staging_owner(folder)
            if owner is None or not pid_is_alive(owner):
                shutil.rmtree(folder, ignore_errors=True)
                done.append(f"removed unfinished publication {folder.name}")
        for retired in sorted(processed.glob("*/.retired-*")):
            final = retired.with_name(retired.name.removeprefix(".retired-"))
            if not final.exists():
                os.rename(retired, final)
                done.append(f"restored {final.relative_to(processed)}")
            else:
                shutil.rmtree(retired, ignore_errors=True)
        frame = read_catalog_file(processed)
        if frame is None or not catalog_matches_folders(frame, processed):
            if frame is not None or edition_folders(processed):
                write_catalog_frame(processed, rebuild_catalog_frame(processed))
                done.append("catalog rebuilt from the manifests")
    return done


def find_edition(processed: Path, report_id: str, edition: str = "latest") -> Path:
    report_id = check_path_part(report_id.upper(), "report id")
    catalog = catalog_frame(processed)
    mine = catalog[catalog["report_id"] == report_id]
    if mine.empty:
        raise NotFoundError(report_id, "no published edition; run 'crsdata run' on it first")
    if edition == "latest":
        return processed / mine.iloc[-1]["path"]
    match = mine[mine["edition"] == edition]
    if match.empty:
        choices = ", ".join(mine["edition"])
        raise NotFoundError(f"{report_id} {edition}", f"no such edition (published: {choices})")
    return processed / match.iloc[0]["path"]


def export_edition(processed: Path, report_id: str, edition: str, datasets: list[str], fmt: str, target: Path) -> list[Path]:
    source = find_edition(processed, report_id, edition)
    for name in datasets:
        if name not in DATASETS:
            raise NotFoundError(name, f"unknown dataset (choose from: {', '.join(DATASETS)})")
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in datasets or list(DATASETS):
        src = source / f"{name}.{fmt}"
        dst = target / f"{report_id}_{source.name}_{name}.{fmt}"
        shutil.copyfile(src, dst)
        copied.append(dst)
    return copied
