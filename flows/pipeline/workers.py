"""Worker processes: documents are CPU-bound and independent, so each runs in a process of its own.

The parent loads the spaCy model once and forks, so workers share it copy-on-write. A worker
enforces the per-document time limit and turns every failure into the document's Outcome (status and reason), so one bad
document never stops the batch.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flows.errors import CrsdataError, ValidationFailedError, internal_error_reason
from flows.outcome import Outcome
from flows.pipeline.processes import become_worker


@dataclass(frozen=True)
class Job:
    sha256: str
    stored_path: str
    name: str
    report_id: str | None
    nlp_model: str | None
    max_pages: int
    timeout_seconds: int
    max_memory_mb: int = 0      # address space the job may add to its worker; 0 = no limit


@dataclass
class JobResult:
    """A worker's answer: the document's Outcome (``extracted`` or ``failed``, with the worker's
    memory figures) and what travels beside it: the datasets, or the failing rows of a refused one."""
    job: Job
    outcome: Outcome
    extracted: object | None = None
    validation_report: object | None = None


def failed_result(job: Job, reason: str, validation_report=None) -> JobResult:
    return JobResult(job, Outcome(job.name, "failed", reason), validation_report=validation_report)


class DocumentTimeout(BaseException):
    """A BaseException so that parsers' broad ``except Exception`` cannot swallow the time limit."""


_deadline_passed = False
# After the deadline the alarm fires again every so often: a DocumentTimeout raised where Python
# cannot propagate it (inside a weakref or GC callback, seen in tests on R48694) is only printed
# as "Exception ignored", so it must come again; the flag catches a job that finishes meanwhile.
TIMEOUT_REPEAT_SECONDS = 0.5


def _raise_timeout(signum, frame):
    global _deadline_passed
    _deadline_passed = True
    raise DocumentTimeout()


def timeout_result(job: Job) -> JobResult:
    return failed_result(job, f"took longer than {job.timeout_seconds} s; raise --timeout")


def extract_job(job: Job) -> JobResult:
    started = time.perf_counter()
    try:
        result = _extract_job(job)
    except DocumentTimeout:  # a repeat of the alarm that landed while the first one was being handled
        signal.setitimer(signal.ITIMER_REAL, 0)
        result = timeout_result(job)
    # measured here: a job may finish long before the flow's task collects it (document_flow.WorkerPool)
    result.outcome.seconds = time.perf_counter() - started
    result.outcome.worker_pid = os.getpid()
    # ru_maxrss is in KiB on Linux: the peak of this worker process so far
    result.outcome.worker_peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result.outcome.worker_pss_mb = proportional_set_size_mb()
    return result


def proportional_set_size_mb(pid: str = "self") -> float:
    """Memory this process really costs: pages shared with the parent (the forked spaCy model)
    count once across processes, unlike RSS which counts them in every worker."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _extract_job(job: Job) -> JobResult:
    from flows.pipeline.extract import extract_edition

    in_worker = multiprocessing.current_process().name != "MainProcess"
    use_alarm = in_worker or signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    global _deadline_passed
    _deadline_passed = False
    previous_handler = signal.signal(signal.SIGALRM, _raise_timeout) if use_alarm else None
    if use_alarm:
        signal.setitimer(signal.ITIMER_REAL, job.timeout_seconds, TIMEOUT_REPEAT_SECONDS)
    # Only a worker process is limited: the parent (or a test calling this directly) keeps its own.
    previous_limit = limit_address_space(job.max_memory_mb) if in_worker and job.max_memory_mb else None
    try:
        data = Path(job.stored_path).read_bytes()
        extracted = extract_edition(
            data, job.sha256, job.name, report_id_override=job.report_id, nlp_model=job.nlp_model, max_pages=job.max_pages
        )
        if _deadline_passed:
            raise DocumentTimeout()
        return JobResult(job, Outcome(job.name, "extracted", report_id=extracted.identity.report_id,
                                      pages=extracted.pages, stage_seconds=extracted.seconds), extracted=extracted)
    except DocumentTimeout:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return timeout_result(job)
    except ValidationFailedError as exc:
        return failed_result(job, exc.reason, validation_report=getattr(exc, "report", None))
    except CrsdataError as exc:
        return failed_result(job, exc.reason)
    except MemoryError:
        return failed_result(job, out_of_memory_reason(job.max_memory_mb))
    except Exception as exc:  # an unexpected bug must not stop the batch; the reason names it
        return failed_result(job, internal_error_reason(exc))
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            # restored, so that a later job in this process (a test calling this directly) sees
            # the default handler again and arms its own time limit
            signal.signal(signal.SIGALRM, previous_handler)
        if previous_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, previous_limit)


def out_of_memory_reason(max_memory_mb: int) -> str:
    if not max_memory_mb:
        return "ran out of memory"
    return f"ran out of memory (limit {max_memory_mb} MB); raise --max-memory"


def dead_worker_reason(job: Job) -> str:
    """Why a document's worker vanished (BrokenProcessPool): the kernel's OOM killer, or a crash
    in the PDF parser's C code; either way nothing of the worker is left to say which."""
    limit = f" (limit {job.max_memory_mb} MB; lower --max-memory or --workers)" if job.max_memory_mb else ""
    return f"worker process died: killed by the system, most often for lack of memory{limit}, or crashed in the PDF parser"


def limit_address_space(max_memory_mb: int) -> tuple[int, int]:
    """Let this process map at most `max_memory_mb` more than it maps now, for one job; returns
    the limits to restore.

    Counted from what the worker already maps (its forked copy of the parent: spaCy, Prefect, and
    in a test session whatever pytest holds), so the budget of a document does not shrink as the
    parent grows. Only the soft limit moves (the hard one stays), so the next job can set its own.
    An allocation past it raises MemoryError inside the job (a flate stream inflating to 1 GB of
    spaces in a 1 MB PDF), which fails that document alone instead of the machine's memory."""
    previous = resource.getrlimit(resource.RLIMIT_AS)
    wanted = mapped_bytes() + max_memory_mb * 1024 * 1024
    hard = previous[1]
    resource.setrlimit(resource.RLIMIT_AS, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))
    return previous


def mapped_bytes() -> int:
    """This process's address space now (VmSize), what RLIMIT_AS counts."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def preload_model(nlp_model: str | None) -> None:
    from extractors.facts import nlp

    nlp.load_pipeline(nlp_model)


def start_pool(workers: int, nlp_model: str | None) -> ProcessPoolExecutor:
    """Load the model here, then fork the workers so they inherit it."""
    preload_model(nlp_model)
    context = multiprocessing.get_context("fork")
    # Workers die with this process, so a kill -9 of the run leaves none behind.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=become_worker)
    # Fork now, before Prefect starts its threads.
    list(pool.map(int, range(workers)))
    return pool
