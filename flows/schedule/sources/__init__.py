"""Sources of new originals: a watched folder, the CRS versioned-PDF URLs, the congress.gov API.

Each source is one small module with one function that returns what it found: new local files
(`folder`) or downloaded originals already in the raw store (`crs`, `congress_api`). Nothing here
runs the pipeline; `flows.schedule.poll` does that on what the sources return.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flows.outcome import Outcome
from flows.store.raw_store import StoredOriginal

# The letters of a report number are its product type and the folder CRS files it under.
REPORT_TYPE_RE = re.compile(r"^([A-Z]{1,3})\d{3,6}$")


@dataclass(frozen=True)
class Fetched:
    """One downloaded original, stored in the raw store."""

    stored: StoredOriginal
    url: str                 # redacted: never carries a key
    source: str              # "crs", "congress_api", "retry"
    report_id: str
    claimed_version: int | None   # what the URL or API said
    version: int | None           # what the PDF footer says (trusted)
    is_new: bool                  # False when the same bytes were already stored


def fetch_failure(subject: str, reason: str, source: str, retry: dict | None = None) -> Outcome:
    """A document that could not be fetched this pass (`subject`: a redacted URL or a report id);
    the next pass tries again with what `retry` holds (no secrets)."""
    return Outcome(subject, "failed", reason, source=source, retry=retry or {})


@dataclass
class Found:
    local_files: list[Path] = field(default_factory=list)
    fetched: list[Fetched] = field(default_factory=list)
    failures: list[Outcome] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)   # what was looked at, for the "nothing new" line

    def extend(self, other: "Found") -> None:
        self.local_files.extend(other.local_files)
        self.fetched.extend(other.fetched)
        self.failures.extend(other.failures)
        self.checked.extend(other.checked)


def report_type(report_id: str) -> str:
    """IF10753 -> IF; numbers like 98-317 have no letter prefix and no versioned-PDF folder."""
    match = REPORT_TYPE_RE.match(report_id)
    if not match:
        raise ValueError(f"{report_id}: no product-type letters (expected e.g. IF10199, R48694)")
    return match.group(1)
