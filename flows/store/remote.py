"""Stores on object storage: a data folder named by an fsspec URL (``s3://bucket/prefix``).

The remote store is the truth; each machine works in a local mirror of it (a folder under
``$CRSDATA_MIRRORS``, default ``~/.cache/crsdata/mirrors/``), because the readers need local files
and publishing needs the atomic renames and kernel locks that object storage does not have. The
mirror is a cache: what is read comes from the remote store when it differs, what is made here is
sent there.

What moves is a *unit*, a folder that names its files in a manifest: an edition
(``<REPORT>/<EDITION>/manifest.json``), a diff (``<REPORT>/diffs/<A>__<B>/manifest.json``) and a
report's fact history (``<REPORT>/history/history_manifest.json``). A unit is sent files first,
manifest last, and a remote folder without a manifest is not a unit, so a reader of the remote
store never sees half an edition, however a crash cuts an upload short. A unit is fetched into the
mirror's staging folder and moved into place in one rename, its files checked against the sha256
its manifest names. Originals go the same way: bytes first, their ``<sha>.json`` last.

The remote catalog is derived like the local one: rebuilt from the remote manifests when it does
not list exactly the editions there (after a batch and at the end of every run).
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

import pandas as pd

from extractors.identity import is_valid_report_id
from flows.store import publish
from flows.store.locking import exclusive_lock
from flows.store.location import StoreError
from flows.store.raw_store import OBJECTS, StoredOriginal, file_sha256, object_path, sha256_of, write_atomically

EDITION_MANIFEST = "manifest.json"
HISTORY_MANIFEST = "history_manifest.json"
FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class RemoteStore:
    url: str
    mirror: Path

    @property
    def fs(self):
        return filesystem_for(self.url)

    @property
    def root(self) -> str:
        return self.url.split("://", 1)[1]

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    @property
    def processed(self) -> Path:
        return self.mirror / "processed"


@lru_cache(maxsize=8)
def filesystem_for(url: str):
    import fsspec

    fs, _ = fsspec.core.url_to_fs(url)
    return fs


def store_of(settings) -> RemoteStore | None:
    """The remote store of these settings (None for a local data folder), opened once per process."""
    return open_store(settings.store_url, settings.data_dir) if settings.store_url else None


@lru_cache(maxsize=8)
def open_store(url: str, mirror: Path) -> RemoteStore:
    """The store at `url`, checked to be reachable (its bucket exists) before any work starts."""
    store = RemoteStore(url, mirror)
    bucket = store.root.split("/", 1)[0]
    try:
        reachable = store.fs.exists(bucket)
    except Exception as exc:  # every backend has its own errors; one line says which
        raise StoreError(url, f"store not reachable ({type(exc).__name__}: {exc})") from None
    if not reachable:
        raise StoreError(url, f"no such bucket or folder: {bucket}")
    mirror.mkdir(parents=True, exist_ok=True)
    return store


def remote_bytes(store: RemoteStore, path: str) -> bytes | None:
    try:
        return store.fs.cat_file(path)
    except FileNotFoundError:
        return None


def put_bytes(store: RemoteStore, path: str, data: bytes) -> None:
    store.fs.pipe_file(path, data)


# ---------------------------------------------------------------- originals

def push_originals(store: RemoteStore, originals: list[StoredOriginal]) -> int:
    """Send originals the remote raw store lacks (bytes, then their metadata). Returns how many."""
    sent = 0
    for original in originals:
        meta_local = original.path.with_name(original.sha256 + ".json")
        relative = f"raw/{OBJECTS}/{original.sha256[:2]}/{original.sha256}"
        if store.fs.exists(store.path(relative + ".json")):
            continue
        store.fs.put_file(str(original.path), store.path(relative))
        put_bytes(store, store.path(relative + ".json"), meta_local.read_bytes())
        sent += 1
    return sent


def pull_originals(store: RemoteStore, sha256s: list[str]) -> None:
    """Fetch these originals into the mirror's raw store, each checked against its sha256."""
    raw_dir = store.mirror / "raw"
    for sha in sha256s:
        if not SHA256.match(sha):
            raise StoreError(sha, "not a sha256")
        target = object_path(raw_dir, sha)
        if target.exists() and target.with_name(sha + ".json").exists():
            continue
        relative = f"raw/{OBJECTS}/{sha[:2]}/{sha}"
        meta, data = remote_bytes(store, store.path(relative + ".json")), remote_bytes(store, store.path(relative))
        if meta is None or data is None:
            raise StoreError(sha, f"not in the raw store at {store.url}")
        if sha256_of(data) != sha:
            raise StoreError(sha, "the stored original does not match its sha256")
        write_atomically(target, data)
        write_atomically(target.with_name(sha + ".json"), meta)


# ---------------------------------------------------------------- units

def unit_manifest_name(relative: PurePosixPath) -> str | None:
    """The manifest file name of the unit at `relative` (REPORT/...), None when it is no unit."""
    parts = relative.parts
    if not parts or not is_valid_report_id(parts[0]):
        return None
    if len(parts) == 2 and publish.is_valid_edition(parts[1]):
        return EDITION_MANIFEST
    if len(parts) == 3 and parts[1] == "diffs":
        old, sep, new = parts[2].partition("__")
        return EDITION_MANIFEST if sep and publish.is_valid_edition(old) and publish.is_valid_edition(new) else None
    if parts[1:] == ("history",):
        return HISTORY_MANIFEST
    return None


def is_edition_unit(unit: PurePosixPath) -> bool:
    return len(unit.parts) == 2 and publish.is_valid_edition(unit.parts[1])


def manifest_paths_to_units(paths: list[str], base: str) -> dict[PurePosixPath, str]:
    """unit (REPORT/...) -> its manifest path, for listed paths that are unit manifests."""
    units = {}
    for path in paths:
        relative = PurePosixPath(path).relative_to(base)
        unit = relative.parent
        if unit_manifest_name(unit) == relative.name:
            units[unit] = path
    return units


def remote_units(store: RemoteStore, report_id: str | None = None) -> dict[PurePosixPath, str]:
    base = store.path("processed")
    where = f"{base}/{report_id}" if report_id else base
    store.fs.invalidate_cache()
    try:
        listed = store.fs.find(where)
    except FileNotFoundError:
        listed = []
    return manifest_paths_to_units(listed, base)


def local_units(processed: Path, report_id: str) -> dict[PurePosixPath, Path]:
    report_dir = processed / report_id
    units = {}
    for name in (EDITION_MANIFEST, HISTORY_MANIFEST):
        for manifest in report_dir.glob(f"**/{name}"):
            unit = PurePosixPath(manifest.parent.relative_to(processed).as_posix())
            if unit_manifest_name(unit) == name:
                units[unit] = manifest
    return units


def unit_files(folder: Path, manifest_name: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != manifest_name and FILE_NAME.match(p.name))


def push_unit(store: RemoteStore, unit: PurePosixPath, folder: Path) -> None:
    """Files first, manifest last; a replaced unit loses its old manifest first, so that no reader
    takes the old manifest for the new files."""
    name = unit_manifest_name(unit)
    remote = store.path("processed", str(unit))
    if store.fs.exists(f"{remote}/{name}"):
        store.fs.rm_file(f"{remote}/{name}")
    for path in unit_files(folder, name):
        store.fs.put_file(str(path), f"{remote}/{path.name}")
    store.fs.put_file(str(folder / name), f"{remote}/{name}")


def check_unit_files(folder: Path, manifest: dict, subject: str) -> None:
    for name, record in manifest.get("files", {}).items():
        path = folder / name
        if not FILE_NAME.match(name) or not path.is_file() or file_sha256(path) != record.get("sha256"):
            raise StoreError(subject, f"{name} does not match its manifest (a damaged or unfinished upload)")


def pull_unit(store: RemoteStore, unit: PurePosixPath, manifest_bytes: bytes) -> None:
    """Fetch a unit into staging, check it, move it into place in one rename (call under the publish lock)."""
    name = unit_manifest_name(unit)
    remote = store.path("processed", str(unit))
    staging = publish.new_staging_folder(store.processed, "pull")
    try:
        for path in store.fs.ls(remote, detail=False):
            file_name = PurePosixPath(path).name
            if file_name != name and FILE_NAME.match(file_name) and store.fs.isfile(path):
                store.fs.get_file(path, str(staging / file_name))
        (staging / name).write_bytes(manifest_bytes)
        check_unit_files(staging, json.loads(manifest_bytes), f"{store.url}/processed/{unit}")
        os.chmod(staging, 0o755)
        final = store.processed / str(unit)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            publish.replace_folder(staging, final)
        else:
            os.rename(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def sync_report(store: RemoteStore, report_id: str, *, prefer: str) -> dict[str, int]:
    """Make the mirror's and the remote store's units of one report agree. A unit on one side only
    is copied to the other (a unit only here is a push a crash cut short); a unit that differs is
    taken from the side `prefer` names ("remote" before work, "local" after publishing)."""
    report_id = publish.check_path_part(report_id, "report id")
    moved = {"pulled": 0, "pushed": 0}
    with exclusive_lock(store.processed / publish.PUBLISH_LOCK):
        remote = remote_units(store, report_id)
        local = local_units(store.processed, report_id)
        for unit in sorted(set(remote) | set(local)):
            here = local[unit].read_bytes() if unit in local else None
            there = remote_bytes(store, remote[unit]) if unit in remote else None
            if here == there:
                continue
            if there is not None and (here is None or prefer == "remote"):
                pull_unit(store, unit, there)
                moved["pulled"] += 1
            else:
                push_unit(store, unit, local[unit].parent)
                moved["pushed"] += 1
    return moved


def remote_report_ids(store: RemoteStore) -> list[str]:
    return sorted({unit.parts[0] for unit in remote_units(store)})


def pull_all(store: RemoteStore) -> int:
    """Bring the whole mirror up to date (the commands that read every edition). Returns units fetched."""
    pulled = sum(sync_report(store, report_id, prefer="remote")["pulled"] for report_id in remote_report_ids(store))
    publish.repair_store(store.processed)
    return pulled


# ---------------------------------------------------------------- the remote catalog

def remote_catalog(store: RemoteStore) -> pd.DataFrame | None:
    data = remote_bytes(store, store.path("processed", "catalog.parquet"))
    if data is None:
        return None
    import io

    frame = pd.read_parquet(io.BytesIO(data))
    return frame if list(frame.columns) == publish.CATALOG_COLUMNS else None


def published_sources(store: RemoteStore) -> set[str]:
    """The sources the remote store has published, by its catalog (a row a race lost only costs
    that document one extraction: publishing then finds its edition and says unchanged)."""
    frame = remote_catalog(store)
    return set() if frame is None else set(frame["source_sha256"])


def write_remote_catalog(store: RemoteStore) -> pd.DataFrame:
    """The remote catalog made to list exactly the remote editions: rows kept for editions still
    there, rows read from the manifests of editions it lacks."""
    editions = {str(unit): path for unit, path in remote_units(store).items() if is_edition_unit(unit)}
    current = remote_catalog(store)
    kept = [] if current is None else [r for r in current.to_dict("records") if r["path"] in editions]
    missing = sorted(set(editions) - {r["path"] for r in kept})
    manifests = store.fs.cat([editions[p] for p in missing]) if missing else {}
    root = PurePosixPath("/")
    rows = kept + [publish.manifest_to_catalog_row(root, root / p, json.loads(manifests[editions[p]])) for p in missing]
    frame = publish.rows_to_catalog(rows)
    if current is None or not frame.equals(current):
        put_bytes(store, store.path("processed", "catalog.csv"), frame.to_csv(index=False).encode())
        put_bytes(store, store.path("processed", "catalog.parquet"), frame.to_parquet(index=False))
    return frame
