"""`crsdata run`: ingest documents, skip what is already published, process the rest in a Prefect flow.

Deciding what is new costs a hash per file and happens before Prefect starts, so a run with nothing
new never pays Prefect's start-up.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import flows.prefect_env  # noqa: F401  (settings before prefect is imported)
from flows.store import raw_store, remote
from flows.errors import CrsdataError
from flows.store.publish import published_sources, publish_edition, repair_store
from flows.settings import Settings
from flows.pipeline.workers import Job, JobResult
from flows.outcome import Outcome, RunSummary
from schemas.rejected_rows import rows_rejected


def expand_inputs(paths: list[Path]) -> list[tuple[Path, Path | None]]:
    """(file, the folder it was found in) for every input: folders expand to their files and
    links (hidden names skipped, linked folders not entered); order is stable. A path given by
    itself has no folder, so a link given by itself is always refused."""
    files: list[tuple[Path, Path | None]] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            files.extend((p, path) for p in raw_store.folder_entries(path))
        else:
            files.append((path, None))
    return files


def ingest_inputs(
    paths: list[Path], settings: Settings, report: Callable[[Outcome], None]
) -> tuple[list[tuple[raw_store.StoredOriginal, str]], list[Outcome]]:
    """Hash, check and store every input; what is already published is 'unchanged', what failed
    before (same bytes, pipeline and limits) fails again from memory or, in a run without paths,
    is skipped; what fails the checks that need no Prefect fails here. Only the rest goes on."""
    from flows.errors import one_line
    from flows.pipeline.ingest import check_before_extraction

    store = remote.store_of(settings)
    if store is not None:  # the remote store says what is published, not the mirror (it may hold a push a crash cut short)
        published = remote.published_sources(store)
    else:
        published = published_sources(settings.processed_dir) if settings.processed_dir.exists() else set()
    failures = raw_store.load_failed_documents(settings.raw_dir)
    conditions = settings.failure_conditions()
    if paths:
        candidates: list[tuple[Path | None, Path | None, raw_store.StoredOriginal | None]] = [
            (p, folder, None) for p, folder in expand_inputs(paths)
        ]
    else:
        candidates = [(p, settings.raw_dir, None) for p in raw_store.inbox_files(settings.raw_dir)]
        candidates += [(None, None, s) for s in raw_store.stored_originals(settings.raw_dir)]
    todo: list[tuple[raw_store.StoredOriginal, str]] = []
    outcomes: list[Outcome] = []
    skipped: list[Outcome] = []
    newly_failed: dict[str, dict] = {}
    cleared: set[str] = set()
    seen: set[str] = set()
    failed_here: dict[str, str] = {}

    def failed(outcome: Outcome, sha: str | None = None) -> None:
        outcomes.append(outcome)
        report(outcome)
        if sha:
            failed_here[sha] = outcome.reason

    for path, folder, stored in candidates:
        name = str(path) if path else stored.name
        try:
            if stored is None:
                data = raw_store.read_input(path, settings.max_bytes, folder=folder, allow_links_inside=settings.allow_links_inside)
                sha = raw_store.sha256_of(data)
            else:
                data, sha = None, stored.sha256
        except CrsdataError as exc:
            failed(Outcome(exc.subject, "failed", exc.reason))
            continue
        if sha in failed_here:  # a copy of a file that failed in this run fails the same way
            failed(Outcome(one_line(name), "failed", failed_here[sha]))
            continue
        if sha in seen:
            continue
        seen.add(sha)
        record = failures.get(sha)
        if sha in published and not settings.force:
            if record:
                cleared.add(sha)
            outcome = Outcome(one_line(name), "unchanged", "already published")
            outcomes.append(outcome)
            report(outcome)
            continue
        if record and not settings.force and raw_store.failure_still_holds(record, conditions):
            remembered = Outcome(one_line(name), "failed", f"{record['reason']} (remembered from {record['failed_at']}; --force retries)")
            if paths:
                failed(remembered, sha)
            else:
                remembered.status = "skipped"
                skipped.append(remembered)
            continue
        try:
            if data is None:
                data = raw_store.read_input(stored.path, settings.max_bytes)
            check_before_extraction(data, name, settings.report_id)
        except CrsdataError as exc:
            newly_failed[sha] = raw_store.failure_record(sha, Path(name).name, exc.reason, conditions)
            failed(Outcome(one_line(name), "failed", exc.reason), sha)
            continue
        if record:
            cleared.add(sha)  # retried now; a new failure is recorded again
        if stored is None:
            source = raw_store.path_to_read(path, folder, settings.allow_links_inside).resolve()
            stored = raw_store.store_original(settings.raw_dir, data, path.name, str(source))
        todo.append((stored, name))
    raw_store.update_failed_documents(settings.raw_dir, newly_failed, cleared)
    if skipped:
        outcomes.extend(skipped)
        report(Outcome(
            f"{len(skipped)} document(s) that failed before with this pipeline version "
            "(crsdata run <file> shows why; --force retries them)", "skipped",
        ))
    return todo, outcomes


def job_for(stored: raw_store.StoredOriginal, name: str, settings: Settings, report_id: str | None) -> Job:
    return Job(
        stored.sha256, str(stored.path), name, report_id or settings.report_id, settings.spacy_model,
        settings.max_pages, settings.timeout_seconds, settings.max_memory_mb,
    )


def stored_jobs(sha256s: list[str], settings: Settings, report_id: str | None) -> list[Job]:
    """Jobs for originals already in the raw store (a batch run by a pool worker), by sha256."""
    jobs = []
    for sha in sha256s:
        meta = raw_store.stored_metadata(settings.raw_dir, sha)
        if not meta:
            raise CrsdataError(sha, f"not in the raw store at {settings.raw_dir}")
        stored = raw_store.StoredOriginal(sha, raw_store.object_path(settings.raw_dir, sha), meta["name"], meta["size"], meta["source"])
        jobs.append(job_for(stored, meta["name"], settings, report_id))
    return jobs


def result_to_outcome(result: JobResult, settings: Settings) -> Outcome:
    name = result.job.name
    done = result.outcome
    if done.failed:
        from flows.errors import one_line

        if result.validation_report is not None:
            write_validation_report(settings.processed_dir, name, result.validation_report)
        record = raw_store.failure_record(result.job.sha256, Path(name).name, done.reason, settings.failure_conditions())
        raw_store.update_failed_documents(settings.raw_dir, {result.job.sha256: record}, set())
        return replace(done, name=one_line(name), reason=one_line(done.reason))
    extracted = result.extracted
    store = remote.store_of(settings)
    if store is not None:  # what other machines published of this report, before deciding on its edition
        remote.sync_report(store, extracted.identity.report_id, prefer="remote")
    published = publish_edition(settings.processed_dir, extracted, force=settings.force)
    rejected = extracted.datasets.get("rejected_rows")
    if published.status != "unchanged" and rejected is not None and not rejected.empty:
        write_validation_report(settings.processed_dir, name, rejected)
    return replace(done, status=published.status, report_id=published.report_id, edition=published.edition,
                   path=published.path, rows_rejected=rows_rejected(rejected))


def outcome_with_diff(outcome: Outcome, settings: Settings) -> Outcome:
    """A new edition of a report that already had one gets its diff published right away; a
    backfilled older edition is also diffed against the edition after it. Then the report's fact
    history is rebuilt from all its editions."""
    from flows.changes.diffs import diff_after_publish, diff_before_next
    from flows.changes.history import write_history

    folders, warnings = [], []
    try:
        for make_diff in (diff_after_publish, diff_before_next):
            folder = make_diff(settings.processed_dir, outcome.report_id, outcome.edition)
            if folder is not None:
                folders.append(str(Path(folder).relative_to(settings.processed_dir)))
    except Exception as exc:  # the edition is published; a diff failure is reported, not fatal
        warnings.append(f"diff against a neighbouring edition failed: {type(exc).__name__}: {exc}")
    try:
        write_history(settings.processed_dir, outcome.report_id)
    except Exception as exc:  # like a diff failure: the edition is published, the history can be rebuilt later
        warnings.append(f"history rebuild failed: {type(exc).__name__}: {exc}")
    if remote.store_of(settings) is None:  # a mirror's database is built by whoever browses it
        from flows.browse.database import refresh_report

        try:
            refresh_report(settings.processed_dir, outcome.report_id)
        except CrsdataError as exc:  # the run's closing refresh (or 'crsdata db') loads it
            warnings.append(f"browse database not updated: {exc.reason}")
    diffed = replace(outcome, diff=", ".join(folders), reason="; ".join(filter(None, [outcome.reason, *warnings])))
    return outcome_sent_to_store(diffed, settings)


def outcome_sent_to_store(outcome: Outcome, settings: Settings) -> Outcome:
    """With a remote store, the report's new units go there; until they have, nothing is published.
    A push cut short is finished by the next run that touches the report (flows.store.remote.sync_report)."""
    store = remote.store_of(settings)
    if store is None:
        return outcome
    try:
        remote.sync_report(store, outcome.report_id, prefer="local")
    except Exception as exc:  # the backend's own errors: one line, the document fails, the run goes on
        return replace(outcome, status="failed", reason=f"published in the mirror but not sent to {store.url}: {type(exc).__name__}: {exc}")
    return outcome


def write_validation_report(processed: Path, name: str, report) -> Path:
    """All failing checks and rows, as a CSV a person can read; nothing else is written."""
    folder = processed / "_validation_reports"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80]
    path = folder / f"{safe}.{time.strftime('%Y%m%dT%H%M%S')}.csv"
    report.to_csv(path, index=False)
    return path


def run(
    paths: list[Path],
    settings: Settings,
    *,
    report_id: str | None = None,
    report: Callable[[Outcome], None] = lambda o: None,
    announce: Callable[[str], None] = lambda message: None,
    pool: str | None = None,
    batch_size: int = 10,
) -> RunSummary:
    """Ingest, then process what is new: here in worker processes, or with `pool` on the workers of a
    Prefect work pool (see flows.pipeline.pool_run), batch by batch."""
    started = time.perf_counter()
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    settings.processed_dir.mkdir(parents=True, exist_ok=True)
    store = remote.store_of(settings)  # unreachable: one error line before any work
    if store is not None:
        announce(f"Store: {store.url} (working in its mirror {settings.data_dir})")
    for repaired in repair_store(settings.processed_dir):
        announce(f"Repaired: {repaired}")
    todo, outcomes = ingest_inputs(paths, settings, report)
    database_before = None
    if todo and store is None:  # to say at the end what this run loaded into the browse database
        from flows.browse.database import loaded_snapshot

        database_before = loaded_snapshot(settings.processed_dir)
    if todo and store is not None:
        remote.push_originals(store, [stored for stored, _ in todo])
    if todo:
        # Largest first, so a long report does not start last and leave the other workers idle.
        todo.sort(key=lambda item: -item[0].size)
        if pool:
            from flows.pipeline.pool_run import run_on_pool

            outcomes.extend(run_on_pool(todo, settings, batch_size=batch_size, report_id=report_id, report=report,
                                        announce=announce, batch_timeout=settings.timeout_seconds * batch_size + 600))
        else:
            from flows.pipeline.document_flow import run_jobs

            jobs = [job_for(stored, name, settings, report_id) for stored, name in todo]
            announce(f"Processing {len(jobs)} new document(s) with {settings.workers} worker(s)...")
            outcomes.extend(run_jobs(jobs, settings, report))
    if store is not None:
        try:
            catalog = remote.write_remote_catalog(store)
            announce(f"Store catalog: {len(catalog)} edition(s) at {store.url} "
                     f"(browse them with: crsdata browse --data-dir {store.url})")
        except Exception as exc:  # the editions are there; the next run or 'crsdata catalog' rebuilds it
            outcomes.append(Outcome(store.url, "failed", f"catalog not updated: {type(exc).__name__}: {exc}"))
            report(outcomes[-1])
    elif any(o.status in ("published", "republished") for o in outcomes):
        from flows.browse.database import describe_refresh, refresh_browse_data, report_since  # the browse database and archive follow every publish

        try:
            closing, archive = refresh_browse_data(settings.processed_dir)
            announce(describe_refresh(report_since(database_before, closing, settings.processed_dir), archive))
        except CrsdataError as exc:  # the editions are published; the database can be rebuilt with 'crsdata db'
            outcomes.append(Outcome(exc.subject, "failed", exc.reason))
            report(outcomes[-1])
    return RunSummary(outcomes, time.perf_counter() - started)

