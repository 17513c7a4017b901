"""The `crs` source: a watch list of report numbers, checked against CRS's versioned PDF URLs.

CRS publishes every version of a product at
``<base>/crs_external_products/<TYPE>/PDF/<ID>/<ID>.<version>.pdf``. For a report we already hold,
ask for the next version numbers until the first 404. For a report we hold nothing of, look for the
newest version by probing from version 1 up (old versions may be gone, so misses before the first hit
are expected) and download only that one unless `backfill` is set. Probes are GETs of the first bytes
(`Net.exists`): congress.gov answers a bare HEAD on these URLs with a 403 bot challenge.
"""
from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flows.store import raw_store
from flows.config import watch_ids_to_checked
from flows.store.raw_store import OBJECTS, read_state_file
from flows.schedule.sources import Found, fetch_failure, report_type
from flows.schedule.sources.download import DownloadError, Net, fetch_and_store

SOURCE = "crs"
VERSIONED_NAME_RE = re.compile(r"^(?P<report_id>[A-Z]{1,3}\d{3,6})\.(?P<version>\d+)\.pdf$", re.I)
MAX_NEW_VERSIONS_PER_PASS = 50   # a runaway server cannot keep a pass going for ever
# A report found nowhere costs max_first_version requests; search for it again at most this often.
# (A dot name: raw_store.inbox_files treats any other file under raw/ as a document to ingest.)
NOT_FOUND_STATE = ".crs_not_found.json"
SEARCH_AGAIN_AFTER = timedelta(hours=24)


def versioned_pdf_url(base_url: str, report_id: str, version: int) -> str:
    kind = report_type(report_id)
    return f"{base_url.rstrip('/')}/crs_external_products/{kind}/PDF/{report_id}/{report_id}.{version}.pdf"


def known_versions(raw_dir: Path, processed_dir: Path) -> dict[str, set[int]]:
    """Versions already held per report: stored originals (their record or name) and the catalog."""
    known: dict[str, set[int]] = {}
    for meta_path in (raw_dir / OBJECTS).glob("*/*.json"):
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            continue
        # `version` is the footer's (or, without one, what the source claimed); a claimed version can be
        # far off (the congress.gov API said 102 for IF10753 version 7), so it never counts on its own.
        if meta.get("report_id") and isinstance(meta.get("version"), int):
            known.setdefault(meta["report_id"], set()).add(meta["version"])
        match = VERSIONED_NAME_RE.match(meta.get("name", ""))
        if match:
            known.setdefault(match["report_id"].upper(), set()).add(int(match["version"]))
    catalog = processed_dir / "catalog.csv"
    if catalog.exists():
        with catalog.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if (row.get("version") or "").isdigit():
                    known.setdefault(row["report_id"], set()).add(int(row["version"]))
    return known


def newest_published_version(net: Net, base_url: str, report_id: str, max_version: int) -> list[int]:
    """Versions that exist, found from version 1 up; stops at the first miss after a hit."""
    hits: list[int] = []
    for version in range(1, max_version + 1):
        if net.exists(versioned_pdf_url(base_url, report_id, version)):
            hits.append(version)
        elif hits:
            break
    return hits


def fetch_version(net: Net, raw_dir: Path, base_url: str, report_id: str, version: int):
    url = versioned_pdf_url(base_url, report_id, version)
    return fetch_and_store(net.fetch, raw_dir, url, f"{report_id}.{version}.pdf", SOURCE, report_id, version)


def load_not_found(raw_dir: Path) -> dict[str, str]:
    return read_state_file(raw_dir / NOT_FOUND_STATE, {})


def check_report(net: Net, raw_dir: Path, base_url: str, report_id: str, held: set[int],
                 max_first_version: int, backfill: bool, not_found: dict[str, str]) -> Found:
    found = Found(checked=[report_id])
    now = datetime.now(timezone.utc)
    if not held and report_id in not_found:
        if now - datetime.fromisoformat(not_found[report_id]) < SEARCH_AGAIN_AFTER:
            found.checked = [f"{report_id} (no version found on {not_found[report_id][:10]}; searched again daily)"]
            return found
    try:
        if held:
            version = max(held) + 1
            for _ in range(MAX_NEW_VERSIONS_PER_PASS):
                fetched = fetch_version(net, raw_dir, base_url, report_id, version)
                if fetched is None:
                    break
                found.fetched.append(fetched)
                version += 1
        else:
            existing = newest_published_version(net, base_url, report_id, max_first_version)
            if existing:
                not_found.pop(report_id, None)
            else:
                not_found[report_id] = now.isoformat(timespec="seconds")
            for version in existing if backfill else existing[-1:]:
                fetched = fetch_version(net, raw_dir, base_url, report_id, version)
                if fetched is not None:
                    found.fetched.append(fetched)
    except DownloadError as exc:
        found.failures.append(fetch_failure(exc.subject, exc.reason, SOURCE))
    return found


def find_new_versions(net: Net, raw_dir: Path, processed_dir: Path, watch: list[str], base_url: str, *,
                      max_first_version: int = 60, backfill: bool = False) -> Found:
    """Download every version of the watched reports newer than the newest already held.

    A watch list with a number that is not a CRS product number raises `ConfigError` before any request."""
    watch = list(watch_ids_to_checked(watch, "watch list"))
    held = known_versions(raw_dir, processed_dir)
    not_found = load_not_found(raw_dir)
    before = dict(not_found)
    found = Found()
    for report_id in watch:
        found.extend(check_report(net, raw_dir, base_url, report_id, held.get(report_id, set()), max_first_version,
                                  backfill, not_found))
    if not_found != before:
        raw_store.write_atomically(raw_dir / NOT_FOUND_STATE, json.dumps(not_found, indent=2).encode())
    return found
