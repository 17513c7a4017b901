"""The Prefect flow of `crsdata run`: one task per document to extract it in a worker process, one to
publish it (with its diffs), and a summary published as Prefect artifacts.

What travels to the Prefect API is small whatever the batch size: the flow's parameters are the data
folder and a count, never the job list (the API refuses bodies over 512 KiB; 1,670 documents used to).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from flows.outcome import count_statuses
from flows.settings import Settings
from flows.pipeline.workers import Job, JobResult, dead_worker_reason, extract_job, failed_result, start_pool

class WorkerPool:
    """The process pool, replaced when a worker dies so the documents after it still run."""

    def __init__(self, workers: int, spacy_model: str | None):
        self.workers, self.spacy_model = workers, spacy_model
        self._lock = threading.Lock()
        self.pool: ProcessPoolExecutor = start_pool(workers, spacy_model)

    def extract(self, job: Job) -> JobResult:
        # A broken pool fails every document it held, not only the one that killed it: each gets
        # one more try in a fresh pool; a document that breaks that one too is the culprit.
        for _ in range(2):
            pool = self.pool
            try:
                return pool.submit(extract_job, job).result()
            except BrokenProcessPool:
                self.replace(pool)
        return failed_result(job, dead_worker_reason(job))

    def replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self.pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self.pool = start_pool(self.workers, self.spacy_model)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def outcomes_to_markdown(outcomes: list, seconds: float) -> str:
    counts = count_statuses(outcomes, ("published", "republished", "unchanged", "failed"))
    lines = ["# crsdata run", "", ", ".join(f"{n} {s}" for s, n in counts.items() if n or s != "republished")
             + f" in {seconds:.1f} s", ""]
    published = [o for o in outcomes if o.status in ("published", "republished")]
    if published:
        lines += ["## Editions published", "", "| report | edition | source | pages | seconds | diff |", "|---|---|---|---|---|---|"]
        lines += [f"| {o.report_id} | {o.edition} | {o.name} | {o.pages} | {o.seconds:.1f} | {o.diff or ''} |" for o in published]
        lines.append("")
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        lines += ["## Failed", ""] + [f"- `{o.name}`: {o.reason}" for o in failed] + [""]
    return "\n".join(lines)


def diff_summaries(outcomes: list, processed: Path) -> str:
    """The headline of every diff this run published (from its summary.md)."""
    parts = []
    for outcome in outcomes:
        for folder in filter(None, (outcome.diff or "").split(", ")):
            summary = processed / folder / "summary.md"
            if summary.exists():
                parts.append("\n".join(summary.read_text(encoding="utf-8").splitlines()[:3]))
    return "\n\n".join(parts)


def publish_artifacts(outcomes: list, seconds: float, processed: Path) -> None:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(key="crsdata-run-summary", markdown=outcomes_to_markdown(outcomes, seconds),
                             description="Documents published, unchanged and failed in this run")
    table = [{"report_id": o.report_id, "edition": o.edition, "status": o.status, "source": o.name, "diff": o.diff}
             for o in outcomes if o.status in ("published", "republished")]
    if table:
        create_table_artifact(key="crsdata-editions", table=table, description="Editions published in this run")
    diffs = diff_summaries(outcomes, processed)
    if diffs:
        create_markdown_artifact(key="crsdata-diffs", markdown=diffs, description="What changed in each new edition")


def build_flow(workers: int, jobs: list[Job], settings: Settings, pool: WorkerPool, report: Callable):
    """The flow for this batch; the jobs and the pool reach the tasks by closure, not as parameters."""
    from prefect import flow, get_run_logger, task
    from prefect.cache_policies import NO_CACHE
    from prefect.context import TagsContext
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.pipeline.run_flow import outcome_with_diff, result_to_outcome

    @task(name="extract-document", cache_policy=NO_CACHE, log_prints=False)
    def extract_document(index: int) -> tuple[JobResult, float]:
        started = time.perf_counter()
        return pool.extract(jobs[index]), time.perf_counter() - started

    @task(name="publish-edition", cache_policy=NO_CACHE)
    def publish(index: int, result: JobResult, seconds: float):
        outcome = result_to_outcome(result, settings, seconds)
        if outcome.status in ("published", "republished"):
            outcome = outcome_with_diff(outcome, settings)
        return outcome

    @flow(name="crsdata-run", log_prints=False, validate_parameters=False)
    def run_documents(data_dir: str, documents: int) -> list:
        # The owner tags belong on the flow run (a later process tells from them whether its owner
        # died). On a task run every tag costs a concurrency-limit lease from the API per run
        # (about 0.5 s per task on the 2-core machine), so the tasks run without them.
        with TagsContext(current_tags=set()):
            started = time.perf_counter()
            logger = get_run_logger()
            futures = [extract_document.with_options(task_run_name=f"extract {job.name}"[:200]).submit(i)
                       for i, job in enumerate(jobs)]
            outcomes = []
            for index, future in enumerate(futures):
                result, seconds = future.result()
                outcome = publish.with_options(task_run_name=f"publish {result.job.name}"[:200])(index, result, seconds)
                outcomes.append(outcome)
                report(outcome)
                logger.info("%s %s %s%s", outcome.status, outcome.name,
                            f"{outcome.report_id}/{outcome.edition}" if outcome.report_id else "",
                            f": {outcome.reason}" if outcome.reason else "")
            seconds = time.perf_counter() - started
            counts = count_statuses(outcomes, ("published", "republished", "unchanged", "failed"))
            logger.info("Summary: %s of %d document(s) in %.1f s",
                        ", ".join(f"{n} {s}" for s, n in counts.items()), documents, seconds)
            publish_artifacts(outcomes, seconds, Path(data_dir) / "processed")
            return outcomes

    # Threads only wait on the process pool, so one per worker is enough.
    return run_documents.with_options(task_runner=ThreadPoolTaskRunner(max_workers=workers))


def run_jobs(jobs: list[Job], settings: Settings, report: Callable) -> list:
    """Fork the workers (before Prefect starts its threads), then run the flow on this folder's API."""
    from prefect import tags

    from flows.prefect_server import owner_tags, prefect_api

    pool = WorkerPool(settings.workers, settings.spacy_model)
    try:
        with prefect_api(settings.data_dir), tags(*owner_tags()):
            return build_flow(settings.workers, jobs, settings, pool, report)(str(settings.data_dir), len(jobs))
    finally:
        pool.shutdown()
