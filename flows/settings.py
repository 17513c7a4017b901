"""Run settings in one dataclass that checks itself."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024


def default_data_dir() -> Path:
    return Path(os.environ.get("CRSDATA_HOME") or ".").resolve()


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    # spaCy pipeline package; None = official en_core_web_sm when installed, else its PyPI copy
    spacy_model: str | None = field(default_factory=lambda: os.environ.get("CRSDATA_SPACY_MODEL") or None)
    workers: int = 1
    max_bytes: int = 60 * MIB        # per document
    max_pages: int = 400             # per PDF
    timeout_seconds: int = 600       # per document, parse to staged datasets
    force: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir).resolve())
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.max_bytes < 1 or self.max_pages < 1 or self.timeout_seconds < 1:
            raise ValueError("max_bytes, max_pages and timeout_seconds must be positive")

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"
