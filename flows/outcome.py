"""What happened to one document: the one result type of every stage it goes through.

A stage returns the document's Outcome with a status and a reason, and the batch goes on: a source
that could not fetch it (``failed``, with ``source`` and what a retry needs), the ingest that found
it published already (``unchanged``) or refused it, the worker that extracted it (``extracted``) or
not, publishing (``published``, ``republished``, ``unchanged``) and the diffs after it. A run, a
batch on a pool or a poll ends with the counts of their Outcomes, printed the same way
(flows.cli.common.echo_outcome and summary_line). Fetched originals, the extracted datasets and
a pass's list of sources checked travel beside the Outcome, not in it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# What a run counts, in the order the summary line prints them.
FINAL_STATUSES = ("published", "republished", "unchanged", "skipped", "failed")


@dataclass
class Outcome:
    name: str                  # the input as the user gave it (file, URL, report id), one line
    status: str                # extracted (between stages), published, republished, unchanged, skipped, failed
    reason: str = ""
    report_id: str = ""
    edition: str = ""
    seconds: float = 0.0
    pages: int = 0
    stage_seconds: dict = field(default_factory=dict)
    worker_pid: int = 0
    worker_peak_rss_mb: float = 0.0
    worker_pss_mb: float = 0.0
    diff: str = ""             # the diff folder published against the previous edition, if any
    rows_rejected: int = 0     # rows kept aside by validation (rejected_rows), counted once per row
    path: Path | None = None   # the published edition folder
    source: str = ""           # for a document that failed before ingest: folder, crs, congress_api, retry, pipeline
    retry: dict = field(default_factory=dict)   # what the next poll needs to fetch it again (no secrets)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def count_statuses(outcomes: list[Outcome], statuses: tuple[str, ...] = FINAL_STATUSES) -> dict[str, int]:
    return {status: sum(o.status == status for o in outcomes) for status in statuses}


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]
