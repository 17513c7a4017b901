"""Where a data folder lives: a local folder, or a remote store named by an fsspec URL
(``s3://bucket/prefix``) that the process works on through a local mirror (flows.store.remote).

Kept apart from flows.store.remote so that reading settings never imports pandas or a filesystem.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flows.errors import CrsdataError


class StoreError(CrsdataError):
    """A remote store that cannot be used: a bad URL, no such bucket, a damaged unit."""


def is_store_url(value) -> bool:
    return "://" in str(value)


def mirrors_root() -> Path:
    return Path(os.environ.get("CRSDATA_MIRRORS") or Path.home() / ".cache" / "crsdata" / "mirrors")


def url_to_location(url: str) -> tuple[Path, str | None]:
    """(the local folder to work in, the remote store URL or None) for a ``--data-dir`` URL.

    ``file://`` names a local folder, used as it is. Credentials in the URL are refused: the URL
    is printed and stored in Prefect deployments, so secrets go in the environment instead."""
    import fsspec

    protocol, _, rest = str(url).partition("://")
    if protocol == "file":
        return Path(rest).resolve(), None
    if "@" in rest.split("/", 1)[0]:
        raise StoreError(url.split("@")[-1], "credentials in a store URL are refused; "
                                             "use the environment (e.g. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
    try:
        fsspec.get_filesystem_class(protocol)
    except (ImportError, ValueError) as exc:
        raise StoreError(url, f"no filesystem for {protocol}:// ({exc})") from None
    normalized = url.rstrip("/")
    return mirrors_root() / hashlib.sha256(normalized.encode()).hexdigest()[:16], normalized


def data_dir_to_location(value) -> tuple[Path, str | None]:
    """(the resolved local folder, the store URL or None) for any ``data_dir`` a setting holds: a
    folder, or a URL whose local folder is its mirror."""
    folder, url = url_to_location(str(value)) if is_store_url(value) else (Path(value), None)
    return folder.resolve(), url
