"""`crsdata run`: ingest documents, skip what is already published, process the rest in a Prefect flow.

Deciding what is new costs a hash per file and happens before Prefect starts, so a run with nothing
new never pays Prefect's start-up.
"""
from __future__ import annotations

import time
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import flows.prefect_env  # noqa: F401  (settings before prefect is imported)
from flows import raw_store
from flows.errors import CrsdataError
from flows.publish import published_sources, publish_edition
from flows.settings import Settings
from flows.workers import Job, JobResult, extract_job, start_pool
from schemas.rejected_rows import rows_rejected


@dataclass
class Outcome:
    name: str
    status: str                # published, republished, unchanged, failed
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


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Folders expand to the files inside them (hidden files skipped); order is stable."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            files.append(path)
    return files


def ingest_inputs(
    paths: list[Path], settings: Settings, report: Callable[[Outcome], None]
) -> tuple[list[tuple[raw_store.StoredOriginal, str]], list[Outcome]]:
    """Hash and store every input; what is already published is 'unchanged' and goes no further."""
    published = published_sources(settings.processed_dir) if settings.processed_dir.exists() else set()
    if paths:
        inputs = expand_inputs(paths)
        candidates: list[tuple[Path | None, raw_store.StoredOriginal | None]] = [(p, None) for p in inputs]
    else:
        candidates = [(p, None) for p in raw_store.inbox_files(settings.raw_dir)]
        candidates += [(None, s) for s in raw_store.stored_originals(settings.raw_dir)]
    todo: list[tuple[raw_store.StoredOriginal, str]] = []
    outcomes: list[Outcome] = []
    seen: set[str] = set()
    for path, stored in candidates:
        name = str(path) if path else stored.name
        try:
            if stored is None:
                data = raw_store.read_input(path, settings.max_bytes)
                sha = raw_store.sha256_of(data)
                if sha in published and not settings.force:
                    stored = raw_store.StoredOriginal(sha, raw_store.object_path(settings.raw_dir, sha), path.name, len(data), str(path))
                else:
                    stored = raw_store.store_original(settings.raw_dir, data, path.name, str(path.resolve()))
        except CrsdataError as exc:
            outcome = Outcome(exc.subject, "failed", exc.reason)
            outcomes.append(outcome)
            report(outcome)
            continue
        if stored.sha256 in seen:
            continue
        seen.add(stored.sha256)
        if stored.sha256 in published and not settings.force:
            outcome = Outcome(name, "unchanged", "already published")
            outcomes.append(outcome)
            report(outcome)
        else:
            todo.append((stored, name))
    return todo, outcomes


def job_for(stored: raw_store.StoredOriginal, name: str, settings: Settings, report_id: str | None) -> Job:
    return Job(stored.sha256, str(stored.path), name, report_id, settings.spacy_model, settings.max_pages, settings.timeout_seconds)


def result_to_outcome(result: JobResult, settings: Settings, seconds: float) -> Outcome:
    name = result.job.name
    if not result.ok:
        if result.validation_report is not None:
            write_validation_report(settings.processed_dir, name, result.validation_report)
        return Outcome(
            name, "failed", result.reason, seconds=seconds, worker_pid=result.worker_pid,
            worker_peak_rss_mb=result.worker_peak_rss_mb, worker_pss_mb=result.worker_pss_mb,
        )
    extracted = result.extracted
    published = publish_edition(settings.processed_dir, extracted, force=settings.force)
    rejected = extracted.datasets.get("rejected_rows")
    if published.status != "unchanged" and rejected is not None and not rejected.empty:
        write_validation_report(settings.processed_dir, name, rejected)
    return Outcome(
        name, published.status, "", published.report_id, published.edition, seconds, extracted.pages, extracted.seconds,
        result.worker_pid, result.worker_peak_rss_mb, result.worker_pss_mb, rows_rejected=rows_rejected(rejected),
    )


def outcome_with_diff(outcome: Outcome, settings: Settings) -> Outcome:
    """A new edition of a report that already had one gets its diff published right away; a
    backfilled older edition is also diffed against the edition after it."""
    from flows.diffs import diff_after_publish, diff_before_next

    folders = []
    try:
        for make_diff in (diff_after_publish, diff_before_next):
            folder = make_diff(settings.processed_dir, outcome.report_id, outcome.edition)
            if folder is not None:
                folders.append(str(Path(folder).relative_to(settings.processed_dir)))
    except Exception as exc:  # the edition is published; a diff failure is reported, not fatal
        outcome.reason = f"diff against a neighbouring edition failed: {type(exc).__name__}: {exc}"
    outcome.diff = ", ".join(folders)
    return outcome


def write_validation_report(processed: Path, name: str, report) -> Path:
    """All failing checks and rows, as a CSV a person can read; nothing else is written."""
    folder = processed / "_validation_reports"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80]
    path = folder / f"{safe}.{time.strftime('%Y%m%dT%H%M%S')}.csv"
    report.to_csv(path, index=False)
    return path


def build_flow(workers: int):
    """The Prefect flow: one task per document for extraction, one per edition for publishing."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.task_runners import ThreadPoolTaskRunner

    @task(name="extract-document", cache_policy=NO_CACHE, log_prints=False)
    def extract_document(job: Job, pool) -> tuple[JobResult, float]:
        started = time.perf_counter()
        try:
            result = pool.submit(extract_job, job).result()
        except BrokenProcessPool:
            result = JobResult(job, False, "worker process died (out of memory or a crash in the PDF parser)")
        return result, time.perf_counter() - started

    @task(name="publish-edition", cache_policy=NO_CACHE)
    def publish(result: JobResult, settings: Settings, seconds: float) -> Outcome:
        return result_to_outcome(result, settings, seconds)

    @task(name="diff-edition", cache_policy=NO_CACHE)
    def diff_with_previous(outcome: Outcome, settings: Settings) -> Outcome:
        return outcome_with_diff(outcome, settings)

    @flow(name="crsdata-run", log_prints=False, validate_parameters=False)
    def run_documents(jobs: list[Job], settings: Settings, pool, report: Callable[[Outcome], None]) -> list[Outcome]:
        futures = [extract_document.with_options(task_run_name=f"extract {j.name}").submit(j, pool) for j in jobs]
        outcomes = []
        for future in futures:
            result, seconds = future.result()
            outcome = publish.with_options(task_run_name=f"publish {result.job.name}")(result, settings, seconds)
            if outcome.status in ("published", "republished"):
                outcome = diff_with_previous.with_options(task_run_name=f"diff {outcome.report_id}")(outcome, settings)
            outcomes.append(outcome)
            report(outcome)
        return outcomes

    # Threads only wait on the process pool, so one per worker is enough.
    return run_documents.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))


def run(
    paths: list[Path],
    settings: Settings,
    *,
    report_id: str | None = None,
    report: Callable[[Outcome], None] = lambda o: None,
    announce: Callable[[str], None] = lambda message: None,
) -> RunSummary:
    started = time.perf_counter()
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    settings.processed_dir.mkdir(parents=True, exist_ok=True)
    todo, outcomes = ingest_inputs(paths, settings, report)
    if todo:
        # Largest first, so a long report does not start last and leave the other workers idle.
        todo.sort(key=lambda item: -item[0].size)
        jobs = [job_for(stored, name, settings, report_id) for stored, name in todo]
        announce(f"Processing {len(jobs)} new document(s) with {settings.workers} worker(s)...")
        pool = start_pool(settings.workers, settings.spacy_model)
        try:
            outcomes.extend(build_flow(settings.workers)(jobs, settings, pool, report))
        finally:
            pool.shutdown(cancel_futures=True)
    return RunSummary(outcomes, time.perf_counter() - started)

