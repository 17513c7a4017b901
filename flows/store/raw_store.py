"""The raw store: every original kept once, by content (sha256), never modified.

Layout: ``raw/objects/<sha[:2]>/<sha>`` holds the bytes; ``<sha>.json`` beside it records where the
original came from (file name, source URL, when). Anything else under ``raw/`` (e.g. ``raw/samples/``,
an inbox) is input waiting to be ingested.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from flows import __version__
from flows.errors import BadInputError
from flows.store.locking import exclusive_lock

OBJECTS = "objects"
# Dot names: inbox_files treats any other file under raw/ as a document to ingest.
FAILED_DOCUMENTS = ".failed_documents.json"
FAILED_DOCUMENTS_LOCK = ".failed_documents.lock"


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


def read_state_file(path: Path, default):
    """A state file's JSON, or ``default`` when it is missing or damaged: a damaged state file
    only costs work done again (a retry, a re-hash), never a run."""
    try:
        return json.loads(path.read_text()) if path.exists() else default
    except ValueError:
        return default


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


def path_to_read(path: Path, folder: Path | None = None, allow_links_inside: bool = False) -> Path:
    """The path whose bytes may be read: `path` itself, or, for a symbolic link, its target when
    links are allowed inside `folder` and the target is a regular file inside it. Any other link
    is refused: following one would copy a file from anywhere (``link.txt -> /etc/passwd``)."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if allow_links_inside and folder is not None and target.is_file() and target.is_relative_to(os.path.realpath(folder)):
        return target
    where = ", outside the folder being read" if allow_links_inside and folder is not None else ""
    raise BadInputError(str(path), f"symbolic link refused (it points to {os.readlink(path)}{where}); give the file itself")


def read_input(path: Path, max_bytes: int, *, folder: Path | None = None, allow_links_inside: bool = False) -> bytes:
    """Read one input file, refusing what cannot be a document before reading it whole.

    The file is opened without following a link in its last component and checked on the open
    descriptor, so a link or a FIFO swapped in after the checks is never read."""
    real = path_to_read(path, folder, allow_links_inside)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise BadInputError(str(path), "no such file") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the last component became a link after the check
            raise BadInputError(str(path), "symbolic link refused; give the file itself") from None
        raise BadInputError(str(path), f"cannot read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadInputError(str(path), "not a regular file")
        if info.st_size == 0:
            raise BadInputError(str(path), "empty file")
        if info.st_size > max_bytes:
            raise BadInputError(str(path), f"file too large ({info.st_size} bytes > limit {max_bytes}); raise --max-bytes")
        return handle.read(max_bytes + 1)


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


def folder_entries(folder: Path, skip_top: tuple[str, ...] = ()) -> list[Path]:
    """Regular files and symbolic links under `folder` (hidden names skipped), in a stable order.

    Links are listed, not followed, so that the reader refuses or allows each one; a linked
    folder is never entered, so a walk cannot leave `folder` or loop."""
    found = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        here = Path(top)
        if here == Path(folder):
            dirs[:] = [d for d in dirs if d not in skip_top]
        linked_dirs = [d for d in dirs if (here / d).is_symlink()]
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in linked_dirs]
        for name in files + linked_dirs:
            path = here / name
            if name.startswith("."):
                continue
            try:
                mode = path.lstat().st_mode
            except FileNotFoundError:
                continue  # removed while we walked
            if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
                found.append(path)
    return sorted(found)


def inbox_files(raw_dir: Path) -> list[Path]:
    """Files dropped under raw/ (outside the object store) waiting to be ingested."""
    if not raw_dir.exists():
        return []
    return folder_entries(raw_dir, skip_top=(OBJECTS,))


# ---------------------------------------------------------------- documents that failed

def load_failed_documents(raw_dir: Path) -> dict[str, dict]:
    """sha256 -> the record of that document's last failure (see failure_record)."""
    return read_state_file(raw_dir / FAILED_DOCUMENTS, {})


def failure_record(sha: str, name: str, reason: str, conditions: dict) -> dict:
    return {
        "sha256": sha,
        "name": name,
        "reason": reason,
        "pipeline_version": __version__,
        "failed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "conditions": conditions,
    }


def failure_still_holds(record: dict, conditions: dict) -> bool:
    """A failure is worth retrying only when the pipeline or what it depended on changed."""
    return record.get("pipeline_version") == __version__ and record.get("conditions") == conditions


def update_failed_documents(raw_dir: Path, failed: dict[str, dict], cleared: set[str]) -> None:
    """Add `failed` records and drop `cleared` ones, under a lock so concurrent runs lose none."""
    if not failed and not cleared:
        return
    raw_dir.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(raw_dir / FAILED_DOCUMENTS_LOCK):
        records = load_failed_documents(raw_dir)
        kept = {sha: record for sha, record in records.items() if sha not in cleared}
        updated = {**kept, **failed}
        if updated != records:
            write_atomically(raw_dir / FAILED_DOCUMENTS, json.dumps(updated, indent=1, sort_keys=True).encode())


def as_dict(original: StoredOriginal) -> dict:
    return {**asdict(original), "path": str(original.path)}
