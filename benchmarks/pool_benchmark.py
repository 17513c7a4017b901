"""Scale-out benchmark: the same PDFs through a Prefect work pool with 1 worker, then 2 workers,
beside a local `crsdata run --workers 1`; documents/s, speed-up, overhead per flow run, and whether
the published datasets are identical.

    .venv/bin/python -m benchmarks.pool_benchmark --corpus ../shared/corpus/pdf --batch-size 2

It starts its own Prefect server (the data folder's, flows.prefect_server), a process work pool and
`prefect worker start` processes, and stops them all at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BIN = Path(sys.executable).parent
PROJECT = Path(__file__).resolve().parents[1]


def datasets_of(data_dir: Path) -> dict:
    from flows.store.publish import edition_folders
    from schemas import DATASETS

    return {(f.parent.name, f.name, n): (f / f"{n}.csv").read_bytes()
            for f in edition_folders(data_dir / "processed") for n in DATASETS}


def timed(command: list[str], env: dict, cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started, done.stdout


def pool_run(pdfs: list[Path], workers: int, batch_size: int, work: Path, env: dict) -> tuple[float, Path, int]:
    pool = f"bench-{uuid.uuid4().hex[:6]}"
    data_dir = work / f"pool-{workers}"
    subprocess.run([str(BIN / "prefect"), "work-pool", "create", pool, "--type", "process"], env=env, check=True,
                   capture_output=True)
    procs = [subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", pool, "--limit", "1"], env=env,
                              cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
             for _ in range(workers)]
    try:
        timed([str(BIN / "crsdata"), "deploy", "--pool", pool, "--data-dir", str(data_dir)], env, work)
        seconds, output = timed([str(BIN / "crsdata"), "run", *map(str, pdfs), "--pool", pool, "--batch-size",
                                 str(batch_size), "--data-dir", str(data_dir)], env, work)
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(60)
    batches = -(-len(pdfs) // batch_size)
    return seconds, data_dir, batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=PROJECT / "raw" / "samples")
    parser.add_argument("--batch-size", type=int, default=4)
    args = parser.parse_args()
    pdfs = sorted(args.corpus.resolve().glob("*.pdf"))  # absolute: the runs start in other folders
    from flows.prefect_server import prefect_api

    with tempfile.TemporaryDirectory(prefix="crsdata-pool-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_WORKER_PREFETCH_SECONDS": "0"}
        env.pop("PREFECT_API_URL", None)
        local_seconds, _ = timed([str(BIN / "crsdata"), "run", *map(str, pdfs), "--data-dir", str(work / "local")],
                                 env, work)
        with prefect_api(work / "server") as api:
            env["PREFECT_API_URL"] = api.url
            one, one_dir, batches = pool_run(pdfs, 1, args.batch_size, work, env)
            two, two_dir, _ = pool_run(pdfs, 2, args.batch_size, work, env)
        local = datasets_of(work / "local")
        figures = {
            "documents": len(pdfs), "batch_size": args.batch_size, "batches": batches,
            "local_1_worker_docs_per_s": round(len(pdfs) / local_seconds, 3),
            "pool_1_worker_docs_per_s": round(len(pdfs) / one, 3),
            "pool_2_workers_docs_per_s": round(len(pdfs) / two, 3),
            "speedup_2_vs_1_workers": round(one / two, 2),
            "overhead_per_flow_run_s": round((one - local_seconds) / batches, 2),
            "identical_to_local_1_worker": datasets_of(one_dir) == local,
            "identical_to_local_2_workers": datasets_of(two_dir) == local,
        }
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
