"""Hostile inputs, measured end to end through `crsdata run` in a cold process each time.

    python -m benchmarks.hostile_inputs                 # every case (from the repository root)
    python -m benchmarks.hostile_inputs --case bomb     # one case: no-report-number, bomb, junk, long-line

Prints, per case: wall seconds, exit code, the peak resident memory of the whole run (the
`crsdata` process, its workers and Prefect's temporary server: RSS summed over the process tree,
sampled every 20 ms) and the run's summary line. Numbers, not assertions: the machine is shared.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.corpus_paths import FIXTURES, PDF_DIR
from tests.hostile_files import FLATE_BOMB, junk_files, long_line_markdown

CRSDATA = Path(sys.executable).with_name("crsdata")


def tree_rss_mb(pid: int) -> dict[int, float]:
    """RSS of `pid` and of each of its descendants, in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    found, todo = {}, [pid]
    while todo:
        current = todo.pop()
        found[current] = rss.get(current, 0) / (1 << 20)
        todo.extend(children.get(current, []))
    return found


def measure(args: list[str], data_dir: Path) -> dict:
    env = {**os.environ, "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(data_dir / ".prefect"))}
    data_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = data_dir / "stdout.txt", data_dir / "stderr.txt"
    started = time.perf_counter()
    # output to files, not pipes: 2,000 error lines would fill a pipe and stall the run
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            [str(CRSDATA), "run", *args, "--data-dir", str(data_dir)], stdout=out, stderr=err, text=True, env=env,
        )
        peak, at_peak = 0.0, {}
        while process.poll() is None:
            sample = tree_rss_mb(process.pid)
            if sum(sample.values()) > peak:
                peak, at_peak = sum(sample.values()), sample
            time.sleep(0.02)
    seconds = time.perf_counter() - started
    stdout, stderr = out_path.read_text(), err_path.read_text()
    summary = next((line for line in stdout.splitlines() if line.startswith("Summary:")), "")
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    return {
        "wall_seconds": round(seconds, 2), "exit": process.returncode, "peak_tree_rss_mb": round(peak),
        "rss_mb_per_process_at_peak": sorted((round(v) for v in at_peak.values()), reverse=True),
        "summary": summary, "error_lines": len(errors), "first_errors": errors[:3],
        "tracebacks": stderr.count("Traceback"), "stderr_lines": len(stderr.splitlines()),
        **({"stderr_tail": stderr.splitlines()[-3:]} if "Traceback" in stderr else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["no-report-number", "bomb", "junk", "long-line"], action="append")
    parser.add_argument("--junk", type=int, default=2000)
    parser.add_argument("--megabytes", type=int, default=10)
    parser.add_argument("--max-memory", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    cases = options.case or ["no-report-number", "bomb", "junk", "long-line"]
    extra = ["--max-memory", str(options.max_memory)] if options.max_memory else []
    results = {}
    with tempfile.TemporaryDirectory(prefix="crsdata-hostile-") as tmp:
        tmp = Path(tmp)
        for case in cases:
            data_dir = tmp / case
            if case == "no-report-number":
                args = [str(FIXTURES / "bad" / "no-report-number.txt")]
            elif case == "bomb":
                args = [str(FLATE_BOMB), str(PDF_DIR / "IN12682.2.pdf"), str(PDF_DIR / "IF10753.7.pdf"), "--workers", str(options.workers), *extra]
            elif case == "junk":
                args = [str(junk_files(tmp / "junk-files", options.junk))]
            else:
                args = [str(long_line_markdown(tmp / "IF13199-one-line.md", options.megabytes << 20)), *extra]
            results[case] = measure(args, data_dir)
            print(case, json.dumps(results[case]), flush=True)


if __name__ == "__main__":
    main()
