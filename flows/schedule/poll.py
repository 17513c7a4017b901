"""`crsdata poll`: one pass over every configured source, then the pipeline on what is new.

Finding out that nothing is new costs one small request per watched report (and one list request
for the API) plus a stat per inbox file: no pandas, no spaCy, no Prefect. Only when a source brings
something new is `flows.pipeline.run_flow.run` imported and started.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from flows.config import PollConfig
from flows.errors import internal_error_reason
from flows.outcome import Outcome
from flows.schedule.sources import Fetched, Found, fetch_failure
from flows.schedule.sources.download import (
    Net, PoliteClient, load_failed_downloads, save_failed_downloads, scrub,
)


@dataclass
class PollResult:
    found: Found
    summary: object | None = None          # flows.pipeline.run_flow.RunSummary when the pipeline ran
    seconds: float = 0.0
    pipeline_failures: list[Outcome] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return not self.found.local_files and not self.found.fetched

    @property
    def failures(self) -> list[Outcome]:
        return self.found.failures + self.pipeline_failures


def make_net(config: PollConfig) -> Net:
    client = PoliteClient(min_interval=config.min_interval_seconds, timeout=config.timeout_seconds, max_bytes=config.max_bytes)
    return Net(client, config.retry_delay_seconds)


def run_source(name: str, call: Callable[[], Found]) -> Found:
    """One source's trouble (even a bug) is reported as a failure; the other sources still run."""
    try:
        return call()
    except Exception as exc:
        return Found(failures=[fetch_failure(name, scrub(internal_error_reason(exc)), name)])


def find_new(config: PollConfig, net: Net) -> Found:
    from flows.schedule.sources import congress_api, crs, folder

    raw_dir, processed_dir = config.data_dir / "raw", config.data_dir / "processed"
    previous = load_failed_downloads(raw_dir)
    found = Found()
    if config.inboxes:
        found.extend(run_source("folder", lambda: folder.find_new_files(list(config.inboxes), raw_dir, config.max_bytes)))
    if config.watch:
        found.extend(run_source("crs", lambda: crs.find_new_versions(
            net, raw_dir, processed_dir, list(config.watch), config.crs_base_url,
            max_first_version=config.max_first_version, backfill=config.backfill)))
    if config.congress_api:
        retry = [entry["retry"] for entry in previous if entry.get("source") == congress_api.SOURCE and entry.get("retry")]
        found.extend(run_source("congress_api", lambda: congress_api.find_new_reports(
            net, raw_dir, config.api_base_url, config.api_key(), lookback_days=config.api_lookback_days,
            report_ids=list(config.api_report_ids), page_size=config.api_page_size, retry=retry,
            max_walks=config.api_max_list_walks)))
    record_failures(raw_dir, previous, found.failures)
    return found


def record_failures(raw_dir: Path, previous: list[dict], failures: list[Outcome]) -> None:
    """The log holds this pass's failures; each keeps the time it first failed."""
    first_seen = {(e.get("source"), e.get("subject")): e.get("first_failed_at") for e in previous}
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    entries = []
    for failure in failures:
        if failure.source == "folder":
            continue  # a local problem, not a download to retry
        entry = {"subject": failure.name, "reason": failure.reason, "source": failure.source, "retry": failure.retry}
        entry["first_failed_at"] = first_seen.get((failure.source, failure.name)) or now
        entry["last_failed_at"] = now
        entries.append(entry)
    raw_dir.mkdir(parents=True, exist_ok=True)
    save_failed_downloads(raw_dir, entries)


def stage_downloads(fetched: list[Fetched], staging: Path) -> list[Path]:
    """Hard links (a copy across filesystems) named like the originals, so the pipeline sees
    `IF10753.7.pdf`, not a sha. Never symbolic links: the pipeline refuses those."""
    paths = []
    for index, item in enumerate(fetched):
        folder = staging / str(index)
        folder.mkdir(parents=True)
        link = folder / item.stored.name
        try:
            os.link(item.stored.path, link)
        except OSError:
            shutil.copyfile(item.stored.path, link)
        paths.append(link)
    return paths


def run_pipeline(config: PollConfig, found: Found, report) -> tuple[object, list[Outcome]]:
    from flows.pipeline.run_flow import run
    from flows.settings import Settings

    settings = Settings(data_dir=config.location, workers=config.workers, max_bytes=config.max_bytes)
    staging = Path(tempfile.mkdtemp(prefix=".poll-staging-", dir=config.data_dir))
    try:
        staged = stage_downloads(found.fetched, staging)
        shown = {str(path): item.url for path, item in zip(staged, found.fetched)}

        def report_with_urls(outcome) -> None:
            outcome.name = shown.get(outcome.name, outcome.name)  # the URL says more than a temporary link
            report(outcome)

        summary = run(list(found.local_files) + staged, settings, report=report_with_urls)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    failures = [replace(o, source="pipeline") for o in summary.failed]
    return summary, failures


def poll_once(config: PollConfig, *, net: Net | None = None, report_fetch: Callable[[Fetched], None] = lambda f: None,
              report_outcome: Callable = lambda o: None) -> PollResult:
    """Look at every source once; run the pipeline on what is new. Failures are collected, not raised."""
    started = time.perf_counter()
    (config.data_dir / "raw").mkdir(parents=True, exist_ok=True)
    own_net = net is None
    net = net or make_net(config)
    try:
        found = find_new(config, net)
    finally:
        if own_net:
            net.client.close()
    for item in found.fetched:
        report_fetch(item)
    result = PollResult(found)
    if not result.nothing_new:
        result.summary, result.pipeline_failures = run_pipeline(config, found, report_outcome)
    result.seconds = time.perf_counter() - started
    return result
