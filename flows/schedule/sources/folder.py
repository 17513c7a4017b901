"""The `folder` source: a watched inbox. A file is new when its bytes are not in the raw store yet.

Files are left where they are; identity is the content hash, so a renamed or copied file that was
already taken in is not taken in again. Hashes are cached by (size, mtime) so that a pass over an
unchanged inbox reads no file contents.
"""
from __future__ import annotations

import json
from pathlib import Path

from flows.store import raw_store
from flows.store.raw_store import read_state_file
from flows.errors import BadInputError
from flows.schedule.sources import Found, fetch_failure

SOURCE = "folder"
# A dot name: raw_store.inbox_files treats any other file under raw/ as a document to ingest.
HASH_CACHE = ".folder_hashes.json"


def inbox_files(inbox: Path) -> list[Path]:
    """Regular files and links under the inbox, hidden files and folders skipped, linked folders
    not entered, in a stable order."""
    return raw_store.folder_entries(inbox)


def load_hash_cache(raw_dir: Path) -> dict:
    return read_state_file(raw_dir / HASH_CACHE, {})


def cached_sha256(path: Path, cache: dict) -> str:
    stat = path.stat()
    key = str(path.resolve())
    entry = cache.get(key)
    if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
        return entry[2]
    sha = raw_store.file_sha256(path)
    cache[key] = [stat.st_size, stat.st_mtime_ns, sha]
    return sha


def find_new_files(inboxes: list[Path], raw_dir: Path, max_bytes: int, allow_links_inside: bool = False) -> Found:
    """Files in the inboxes whose content the raw store does not hold yet (one path per content).

    A symbolic link is a failure (never read) unless `allow_links_inside` (Settings) and its
    target is a file inside the inbox; then the target's own path is the one found."""
    found = Found()
    cache = load_hash_cache(raw_dir)
    before = json.dumps(cache, sort_keys=True)
    seen: set[str] = set()
    for inbox in inboxes:
        found.checked.append(str(inbox))
        if not inbox.is_dir():
            found.failures.append(fetch_failure(str(inbox), "inbox folder does not exist", SOURCE))
            continue
        for path in inbox_files(inbox):
            try:
                path = raw_store.path_to_read(path, inbox, allow_links_inside)
            except BadInputError as exc:
                found.failures.append(fetch_failure(exc.subject, exc.reason, SOURCE))
                continue
            try:
                size = path.stat().st_size
                if size == 0 or size > max_bytes:
                    continue  # `crsdata run` explains these; an inbox keeps them quietly until someone looks
                sha = cached_sha256(path, cache)
            except OSError as exc:
                found.failures.append(fetch_failure(str(path), f"cannot read ({exc.strerror})", SOURCE))
                continue
            if sha in seen or raw_store.object_path(raw_dir, sha).exists():
                continue
            seen.add(sha)
            found.local_files.append(path)
    if json.dumps(cache, sort_keys=True) != before:
        raw_store.write_atomically(raw_dir / HASH_CACHE, json.dumps(cache).encode())
    return found
