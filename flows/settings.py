"""Run settings in one dataclass that checks itself."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from flows.store.location import data_dir_to_location

MIB = 1024 * 1024
# Address space (RLIMIT_AS) a document may add to its worker, beyond what the worker maps when the
# document starts. Measured on the 2-core machine: a forked worker with spaCy loaded maps ~470 MB
# (118 MB resident); the largest corpus report (R48694, 57 pages) adds 230-370 MB. A worker then
# stays under ~120 + 640 MB resident, and the rest of a run (parent ~320 MB, Prefect's server
# ~200 MB, a second worker ~200 MB) keeps the whole run under 1.5 GB with 2 workers. A 1 MB PDF
# holding a 1 GB flate stream of spaces fails alone at 1.24 GB for the whole run (1 worker).
DEFAULT_MAX_MEMORY_MB = 640


def default_data_dir() -> Path:
    return Path(os.environ.get("CRSDATA_HOME") or ".").resolve()


@dataclass(frozen=True)
class Settings:
    # A folder, or an fsspec URL (s3://bucket/prefix): then data_dir becomes the local mirror of
    # that store (flows.store.remote) and store_url keeps the URL.
    data_dir: Path | str = field(default_factory=default_data_dir)
    # spaCy pipeline package; None = official en_core_web_sm when installed, else its PyPI copy
    spacy_model: str | None = field(default_factory=lambda: os.environ.get("CRSDATA_SPACY_MODEL") or None)
    workers: int = 1
    max_bytes: int = 60 * MIB        # per document
    max_pages: int = 400             # per PDF
    timeout_seconds: int = 600       # per document, parse to staged datasets
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB  # per document, in its worker (RLIMIT_AS above the worker's size)
    force: bool = False
    # Report number for documents that do not print it (--report-id); checked before Prefect starts.
    report_id: str | None = None
    # A symbolic link in a folder being read is refused unless this is set and its target is a
    # regular file inside that folder; a link given by itself is always refused.
    allow_links_inside: bool = False
    store_url: str | None = None

    def __post_init__(self) -> None:
        folder, url = data_dir_to_location(self.data_dir)
        object.__setattr__(self, "data_dir", folder)
        if url:
            object.__setattr__(self, "store_url", url)
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.max_bytes < 1 or self.max_pages < 1 or self.timeout_seconds < 1:
            raise ValueError("max_bytes, max_pages and timeout_seconds must be positive")
        if self.max_memory_mb < 128:
            raise ValueError("max_memory_mb must be at least 128")

    @property
    def location(self) -> str:
        """What names this data folder to another process or machine: the store URL, or the folder."""
        return self.store_url or str(self.data_dir)

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"

    def failure_conditions(self) -> dict:
        """What a document's failure depends on besides its bytes and the pipeline version: a
        remembered failure is retried when one of these changes (e.g. a new --report-id)."""
        return {
            "report_id": self.report_id,
            "spacy_model": self.spacy_model,
            "max_pages": self.max_pages,
            "timeout_seconds": self.timeout_seconds,
            "max_memory_mb": self.max_memory_mb,
        }
