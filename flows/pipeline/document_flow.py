"""The Prefect flow of `crsdata run`: one task per document to extract it in a worker process, one to
publish it (with its diffs), and a summary published as Prefect artifacts.

What travels to the Prefect API is small whatever the batch size: the flow's parameters are the data
folder and a count, never the job list (the API refuses bodies over 512 KiB; 1,670 documents used to).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from flows.outcome import count_statuses
from flows.settings import Settings
from flows.pipeline.workers import Job, JobResult, dead_worker_reason, extract_job, failed_result, start_pool

# Jobs handed to each worker ahead of the one the flow collects: enough to keep a worker busy through
# the Prefect server's start (4-11 s; a short product takes ~0.4 s), few enough that the finished
# datasets held for the parent stay small.
PREFETCH_PER_WORKER = 16

class WorkerPool:
    """The process pool working through the run's jobs, replaced when a worker dies so the documents
    after it still run.

    Jobs are handed to the workers ahead of the Prefect tasks that collect them (at most
    ``PREFETCH_PER_WORKER`` per worker ahead of the one collected last, so finished datasets waiting
    for the parent stay few): extraction needs no API, so it starts while the folder's Prefect server
    is still booting, and the one worker of ``--workers 1`` never waits for the parent."""

    def __init__(self, workers: int, spacy_model: str | None, jobs: list[Job]):
        self.workers, self.spacy_model, self.jobs = workers, spacy_model, jobs
        self._lock = threading.Lock()
        self._futures: dict[int, tuple[ProcessPoolExecutor, Future]] = {}
        self._submitted = 0
        self.pool: ProcessPoolExecutor = start_pool(workers, spacy_model)
        self.prefetch(0)

    def prefetch(self, collecting: int) -> None:
        """Submit the jobs up to PREFETCH_PER_WORKER per worker past the one being collected."""
        with self._lock:
            while self._submitted < min(len(self.jobs), collecting + 1 + PREFETCH_PER_WORKER * self.workers):
                self._futures[self._submitted] = self._submit(self.jobs[self._submitted])
                self._submitted += 1

    def _submit(self, job: Job) -> tuple[ProcessPoolExecutor, Future]:
        """(the pool, the future) of a job; a pool found broken on submit is replaced first (caller holds the lock)."""
        try:
            return self.pool, self.pool.submit(extract_job, job)
        except BrokenProcessPool:
            self._replace(self.pool)
            return self.pool, self.pool.submit(extract_job, job)

    def extract(self, index: int) -> JobResult:
        # A broken pool fails every document it held, not only the one that killed it: each gets
        # one more try in a fresh pool; a document that breaks that one too is the culprit.
        self.prefetch(index)
        with self._lock:
            pool, future = self._futures.pop(index)
        for attempt in range(2):
            try:
                return future.result()
            except BrokenProcessPool:
                if attempt:
                    break
                with self._lock:
                    self._replace(pool)
                    pool, future = self._submit(self.jobs[index])
        return failed_result(self.jobs[index], dead_worker_reason(self.jobs[index]))

    def _replace(self, broken: ProcessPoolExecutor) -> None:
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
    def extract_document(index: int) -> JobResult:
        return pool.extract(index)

    @task(name="publish-edition", cache_policy=NO_CACHE)
    def publish(index: int, result: JobResult):
        outcome = result_to_outcome(result, settings)
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
                result = future.result()
                outcome = publish.with_options(task_run_name=f"publish {result.job.name}"[:200])(index, result)
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
    """Fork the workers and start extracting while this folder's Prefect server starts (before Prefect
    starts its threads), then run the flow on its API."""
    from flows.prefect_server import owner_tags, prefect_api

    pools: list[WorkerPool] = []
    try:
        with prefect_api(settings.data_dir, while_starting=lambda: pools.append(WorkerPool(settings.workers, settings.spacy_model, jobs))):
            from prefect import tags  # imported after the fork: the workers never use it

            with tags(*owner_tags()):
                return build_flow(settings.workers, jobs, settings, pools[0], report)(str(settings.data_dir), len(jobs))
    finally:
        for pool in pools:
            pool.shutdown()
