"""Publishing: one immutable folder per report edition, plus the catalog.

An edition is written to a temporary folder beside its final place, then renamed into place in one
step; a published folder is never modified. The catalog is rebuilt from the manifests.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from extractors.identity import is_valid_report_id
from flows import __version__
from flows.errors import CrsdataError, NotFoundError
from flows.raw_store import file_sha256
from schemas import DATASETS, SCHEMA_VERSION, dataset_module
from schemas.rejected_rows import rows_rejected

CATALOG_COLUMNS = [
    "report_id", "edition", "version", "date", "title", "product_type", "path", "source_sha256", "rows", "rows_rejected",
    "published_at",
]
EDITION_CHARS = set("0123456789abcdefv.-")
FRICTIONLESS_TYPES = {"int64": "integer", "Int64": "integer", "float64": "number", "bool": "boolean", "boolean": "boolean"}


@dataclass(frozen=True)
class PublishResult:
    status: str           # "published", "unchanged", "republished"
    report_id: str
    edition: str
    path: Path
    rows: int


def check_path_part(value: str, what: str) -> str:
    """Identifiers that become folder names: no separators, no '..', only the expected shape."""
    ok = is_valid_report_id(value) if what == "report id" else (bool(value) and set(value) <= EDITION_CHARS and ".." not in value and value[0].isdigit())
    if not ok or "/" in value or "\\" in value:
        raise CrsdataError(value, f"invalid {what}: not usable as a folder name")
    return value


def edition_dir(processed: Path, report_id: str, edition: str) -> Path:
    return processed / check_path_part(report_id, "report id") / check_path_part(edition, "edition")


def read_manifest(folder: Path) -> dict | None:
    path = folder / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None


def published_manifests(processed: Path) -> list[dict]:
    manifests = []
    for path in sorted(processed.glob("*/*/manifest.json")):
        manifest = json.loads(path.read_text())
        manifest["_path"] = str(path.parent)
        manifests.append(manifest)
    return manifests


def published_sources(processed: Path) -> set[str]:
    return {m["source_sha256"] for m in published_manifests(processed)}


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


def publish_edition(processed: Path, extracted, *, force: bool = False) -> PublishResult:
    identity = extracted.identity
    edition, existing = resolve_edition(processed, identity.report_id, identity.edition, extracted.source_sha256)
    final = edition_dir(processed, identity.report_id, edition)
    rows = sum(len(f) for f in extracted.datasets.values())
    if existing is not None and not force:
        return PublishResult("unchanged", identity.report_id, edition, final, rows)
    frames = dict(extracted.datasets)
    frames["documents"] = frames["documents"].assign(edition=edition)
    manifest_base = {
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
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{edition}-", dir=final.parent))
    try:
        write_edition_files(staging, frames, manifest_base)
        datapackage = datapackage_for(identity.report_id, edition, identity.title, frames)
        (staging / "datapackage.json").write_text(json.dumps(datapackage, indent=2))
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a published edition is for everyone to read
        if existing is not None:
            # --force: swap the rebuilt folder in; the old one is removed only after the swap.
            retired = final.with_name(f".retired-{edition}-{os.getpid()}")
            os.rename(final, retired)
            os.rename(staging, final)
            shutil.rmtree(retired)
        else:
            os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    write_catalog(processed)
    return PublishResult("republished" if existing else "published", identity.report_id, edition, final, rows)


def catalog_frame(processed: Path) -> pd.DataFrame:
    rows = []
    for manifest in published_manifests(processed):
        rows.append(
            {
                "report_id": manifest["report_id"],
                "edition": manifest["edition"],
                "version": manifest.get("version"),
                "date": manifest["date"],
                "title": manifest["title"],
                "product_type": manifest.get("product_type"),
                "path": str(Path(manifest["_path"]).relative_to(processed)),
                "source_sha256": manifest["source_sha256"],
                "rows": sum(n for name, n in manifest.get("rows", {}).items() if name != "rejected_rows"),
                "rows_rejected": manifest.get("rows_rejected", 0),
                "published_at": manifest["created_at"],
            }
        )
    frame = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
    frame["version"] = frame["version"].astype("Int64")
    return frame.sort_values(["report_id", "date", "edition"], kind="stable").reset_index(drop=True)


def write_catalog(processed: Path) -> pd.DataFrame:
    frame = catalog_frame(processed)
    for suffix, writer in ((".csv", lambda f, p: f.to_csv(p, index=False)), (".parquet", lambda f, p: f.to_parquet(p, index=False))):
        fd, tmp = tempfile.mkstemp(dir=processed, prefix=".catalog-", suffix=suffix)
        os.close(fd)
        try:
            writer(frame, tmp)
            os.replace(tmp, processed / f"catalog{suffix}")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return frame


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
