"""Benchmark: pipeline throughput against the bare pdfplumber floor, per-stage seconds, memory, no-op times.

    python -m benchmarks.run_benchmark                       # bundled samples (raw/samples/*.pdf)
    python -m benchmarks.run_benchmark --corpus ../shared/corpus/pdf --runs 3

Everything is measured in this one run on this machine, so the ratios are what count: the machine is
shared and noisy, absolute numbers drift. Medians of --runs runs are quoted. The first pipeline run
warms Prefect's temporary server and is not counted (a cold CLI process pays that start-up once;
the no-op rows show a cold process end to end).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import flows.prefect_env  # noqa: F401
from flows.pipeline.workers import proportional_set_size_mb

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("parse", "reading_order", "ner", "other_extractors", "tables", "validation")


def pdfs_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.pdf") if p.is_file())


def floor_extract_words(pdfs: list[Path]) -> tuple[float, int]:
    """The machine's floor: bare pdfplumber extract_words over the same PDFs, one process."""
    import pdfplumber

    pages = 0
    started = time.perf_counter()
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_words()
                page.close()
                pages += 1
    return time.perf_counter() - started, pages


def limit_pdfium_text(pdfs: list[Path]) -> float:
    """The physical limit for getting the characters out: PDFium's plain text of every page."""
    from benchmarks.pdf_chars_benchmark import pdfium_text

    started = time.perf_counter()
    for path in pdfs:
        pdfium_text(path.read_bytes())
    return time.perf_counter() - started


def cold_run_seconds(pdfs: list[Path], workers: int) -> float:
    """`crsdata run` in a new process on a new data folder: Python, imports, the folder's Prefect
    server, the spaCy model, every document, the browse database: what a user waits for."""
    data_dir = Path(tempfile.mkdtemp(prefix="crsdata-cold-"))
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flows.cli", "run", *map(str, pdfs), "--data-dir", str(data_dir),
                        "--workers", str(workers)], check=True, capture_output=True, cwd=ROOT, env=env)
        return time.perf_counter() - started
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def cpu_loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def cpu_scaling(n: int = 6_000_000) -> float:
    """How much faster two processes finish two loops than one process: the ceiling for 2 workers."""
    started = time.perf_counter()
    cpu_loop(n)
    cpu_loop(n)
    one = time.perf_counter() - started
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        started = time.perf_counter()
        pool.map(cpu_loop, [n, n])
        two = time.perf_counter() - started
    return one / two


def pipeline_run(pdfs: list[Path], workers: int) -> dict:
    from flows.pipeline.run_flow import run
    from flows.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="crsdata-bench-"))
    try:
        settings = Settings(data_dir=data_dir, workers=workers)
        started = time.perf_counter()
        summary = run(list(pdfs), settings)
        wall = time.perf_counter() - started
        failed = summary.failed
        if failed:
            raise SystemExit(f"benchmark input failed: {failed[0].name}: {failed[0].reason}")
        stages = {s: sum(o.stage_seconds.get(s, 0.0) for o in summary.outcomes) for s in STAGES}
        work = sum(o.seconds for o in summary.outcomes)
        pages = sum(o.pages for o in summary.outcomes)
        worker_rss: dict[int, float] = {}
        worker_pss: dict[int, float] = {}
        for o in summary.outcomes:
            worker_rss[o.worker_pid] = max(worker_rss.get(o.worker_pid, 0.0), o.worker_peak_rss_mb)
            worker_pss[o.worker_pid] = max(worker_pss.get(o.worker_pid, 0.0), o.worker_pss_mb)
        return {
            "wall_s": wall,
            "pages": pages,
            "documents": len(summary.outcomes),
            "stage_s": stages,
            "write_and_prefect_s": max(wall - work / workers, 0.0),
            "worker_peak_rss_mb": sorted(worker_rss.values()),
            "worker_max_pss_mb": sorted(worker_pss.values()),
            "parent_pss_mb": proportional_set_size_mb(),
        }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def noop_rerun_seconds(pdfs: list[Path]) -> float:
    """A cold `crsdata run` over inputs that are all published already."""
    data_dir = Path(tempfile.mkdtemp(prefix="crsdata-noop-"))
    crsdata = [sys.executable, "-m", "flows.cli"]
    try:
        subprocess.run(crsdata + ["run", *map(str, pdfs), "--data-dir", str(data_dir)], check=True, capture_output=True, cwd=ROOT)
        started = time.perf_counter()
        subprocess.run(crsdata + ["run", *map(str, pdfs), "--data-dir", str(data_dir)], check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - started
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def noop_poll_seconds() -> float | None:
    """A cold `crsdata poll` over an empty inbox, when the poll command exists."""
    data_dir = Path(tempfile.mkdtemp(prefix="crsdata-poll-"))
    inbox = data_dir / "inbox"
    inbox.mkdir()
    crsdata = [sys.executable, "-m", "flows.cli"]
    try:
        help_text = subprocess.run(crsdata + ["--help"], capture_output=True, text=True, cwd=ROOT).stdout
        if " poll " not in help_text and "\n  poll" not in help_text:
            return None
        subprocess.run(crsdata + ["poll", "--inbox", str(inbox), "--data-dir", str(data_dir)], capture_output=True, cwd=ROOT)
        started = time.perf_counter()
        subprocess.run(crsdata + ["poll", "--inbox", str(inbox), "--data-dir", str(data_dir)], capture_output=True, cwd=ROOT)
        return time.perf_counter() - started
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT / "raw" / "samples", help="folder of PDFs")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median quoted)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="N for the N-worker rows")
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args()
    pdfs = pdfs_in(args.corpus)
    if not pdfs:
        raise SystemExit(f"Error: {args.corpus}: no PDFs found")

    # The floor runs in a child process so its parse memory does not count as the pipeline's.
    with multiprocessing.get_context("fork").Pool(1) as pool:
        floors = [pool.apply(floor_extract_words, (pdfs,)) for _ in range(args.runs)]
    floor_s = statistics.median(f[0] for f in floors)
    pages = floors[0][1]
    limit_s = statistics.median(limit_pdfium_text(pdfs) for _ in range(args.runs))
    cold_s = cold_run_seconds(pdfs, 1)
    pipeline_run(pdfs[:1], 1)  # warm Prefect's temporary server and the model; not counted
    one = [pipeline_run(pdfs, 1) for _ in range(args.runs)]
    many = [pipeline_run(pdfs, args.workers) for _ in range(args.runs)]
    scaling_ceiling = cpu_scaling()
    one_s, many_s = median_of(one, "wall_s"), median_of(many, "wall_s")
    result = {
        "corpus": str(args.corpus),
        "documents": len(pdfs),
        "pages": pages,
        "runs": args.runs,
        "floor_extract_words": {"seconds": floor_s, "pages_per_s": pages / floor_s},
        "limit_pdfium_text": {"seconds": limit_s, "pages_per_s": pages / limit_s},
        "cold_run_1_worker": {"seconds": cold_s, "pages_per_s": pages / cold_s, "ratio_to_floor": floor_s / cold_s},
        "pipeline_1_worker": {
            "seconds": one_s, "pages_per_s": pages / one_s, "documents_per_s": len(pdfs) / one_s,
            "ratio_to_floor": (pages / one_s) / (pages / floor_s),
            "stage_s": {s: statistics.median(r["stage_s"][s] for r in one) for s in STAGES},
            "write_and_prefect_s": median_of(one, "write_and_prefect_s"),
            # what a document costs beyond reading its PDF: NER, facts, validation, writing, Prefect
            "seconds_per_document_beyond_parsing": (one_s - statistics.median(r["stage_s"]["parse"] for r in one)) / len(pdfs),
            "worker_peak_rss_mb": one[-1]["worker_peak_rss_mb"],
        },
        f"pipeline_{args.workers}_workers": {
            "seconds": many_s, "pages_per_s": pages / many_s, "documents_per_s": len(pdfs) / many_s,
            "speedup_vs_1_worker": one_s / many_s,
            "cpu_loop_2_process_scaling_ceiling": scaling_ceiling,
            "worker_peak_rss_mb": many[-1]["worker_peak_rss_mb"],
            "total_peak_rss_mb": sum(many[-1]["worker_peak_rss_mb"]) + resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            # PSS counts the model pages the workers share with the parent once, as the kernel does
            "total_pss_mb": sum(many[-1]["worker_max_pss_mb"]) + many[-1]["parent_pss_mb"],
        },
        "parent_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "noop_rerun_s": noop_rerun_seconds(pdfs),
        "noop_poll_s": noop_poll_seconds(),
    }
    print_table(result, args.workers)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)


def print_table(r: dict, workers: int) -> None:
    one, many = r["pipeline_1_worker"], r[f"pipeline_{workers}_workers"]
    rows = [
        ("documents / pages", f"{r['documents']} / {r['pages']}"),
        ("floor: pdfplumber extract_words", f"{r['floor_extract_words']['pages_per_s']:.1f} pages/s"),
        ("limit: pypdfium2 plain text", f"{r['limit_pdfium_text']['pages_per_s']:.1f} pages/s"),
        ("cold `crsdata run --workers 1` (new process, Prefect included)",
         f"{r['cold_run_1_worker']['pages_per_s']:.1f} pages/s, {r['cold_run_1_worker']['ratio_to_floor']:.2f}x the floor"),
        ("pipeline, 1 worker", f"{one['pages_per_s']:.1f} pages/s, {one['documents_per_s']:.2f} docs/s"),
        ("  ratio to floor (goal >= 1.5)", f"{one['ratio_to_floor']:.2f}"),
        (f"pipeline, {workers} workers", f"{many['pages_per_s']:.1f} pages/s, {many['documents_per_s']:.2f} docs/s"),
        ("  speedup vs 1 worker (goal >= 1.8)", f"{many['speedup_vs_1_worker']:.2f}"),
        ("  CPU-loop 2-process ceiling", f"{many['cpu_loop_2_process_scaling_ceiling']:.2f}"),
    ]
    rows += [(f"  stage {s} (1 worker, s)", f"{v:.2f}") for s, v in one["stage_s"].items()]
    rows += [
        ("  write + Prefect overhead (1 worker, s)", f"{one['write_and_prefect_s']:.2f}"),
        ("  seconds per document beyond parsing (1 worker)", f"{one['seconds_per_document_beyond_parsing']:.2f}"),
        ("peak RSS per worker (MB)", ", ".join(f"{m:.0f}" for m in many["worker_peak_rss_mb"])),
        (f"peak RSS total, {workers} workers + parent (MB)", f"{many['total_peak_rss_mb']:.0f} (shared model pages counted in each)"),
        (f"memory total as PSS, {workers} workers + parent (MB, goal < 1000)", f"{many['total_pss_mb']:.0f}"),
        ("no-op re-run, cold process (s, target < 5)", f"{r['noop_rerun_s']:.2f}"),
        ("no-op poll, cold process (s, target < 5)", "n/a" if r["noop_poll_s"] is None else f"{r['noop_poll_s']:.2f}"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
