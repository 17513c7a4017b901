"""The raw store: every original kept once, by content (sha256), never modified.

Layout: ``raw/objects/<sha[:2]>/<sha>`` holds the bytes; ``<sha>.json`` beside it records where the
original came from (file name, source URL, when). Anything else under ``raw/`` (e.g. ``raw/samples/``,
an inbox) is input waiting to be ingested.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from flows.errors import BadInputError

OBJECTS = "objects"


@dataclass(frozen=True)
class StoredOriginal:
    sha256: str
    path: Path          # where the bytes live in the store
    name: str           # original file name
    size: int
    source: str         # where it came from: a local path or a URL


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file, read in chunks so large files never sit in memory whole."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def object_path(raw_dir: Path, sha: str) -> Path:
    return raw_dir / OBJECTS / sha[:2] / sha


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_input(path: Path, max_bytes: int) -> bytes:
    """Read one input file, refusing what cannot be a document before reading it whole."""
    if not path.exists():
        raise BadInputError(str(path), "no such file")
    if not path.is_file():
        raise BadInputError(str(path), "not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise BadInputError(str(path), "empty file")
    if size > max_bytes:
        raise BadInputError(str(path), f"file too large ({size} bytes > limit {max_bytes}); raise --max-bytes")
    return path.read_bytes()


def store_original(raw_dir: Path, data: bytes, name: str, source: str) -> StoredOriginal:
    """Keep the bytes under their sha256; a stored original is never overwritten."""
    sha = sha256_of(data)
    target = object_path(raw_dir, sha)
    if not target.exists():
        write_atomically(target, data)
    meta_path = target.with_name(sha + ".json")
    if not meta_path.exists():
        meta = {
            "sha256": sha,
            "name": name,
            "size": len(data),
            "source": source,
            "stored_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        write_atomically(meta_path, json.dumps(meta, indent=2).encode())
    return StoredOriginal(sha, target, name, len(data), source)


def stored_metadata(raw_dir: Path, sha: str) -> dict:
    meta_path = object_path(raw_dir, sha).with_name(sha + ".json")
    return json.loads(meta_path.read_text()) if meta_path.exists() else {}


def stored_originals(raw_dir: Path) -> list[StoredOriginal]:
    """Every original already in the store, oldest name first for a stable order."""
    found = []
    for meta_path in sorted((raw_dir / OBJECTS).glob("*/*.json")):
        meta = json.loads(meta_path.read_text())
        found.append(StoredOriginal(meta["sha256"], meta_path.with_suffix(""), meta["name"], meta["size"], meta["source"]))
    return found


def inbox_files(raw_dir: Path) -> list[Path]:
    """Files dropped under raw/ (outside the object store) waiting to be ingested."""
    if not raw_dir.exists():
        return []
    return sorted(
        p for p in raw_dir.rglob("*")
        if p.is_file() and OBJECTS not in p.relative_to(raw_dir).parts[:1] and not p.name.startswith(".")
    )


def as_dict(original: StoredOriginal) -> dict:
    return {**asdict(original), "path": str(original.path)}
