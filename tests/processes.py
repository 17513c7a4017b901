"""Test helpers for runs in subprocesses: start crsdata on its own per-folder Prefect server, find
every process a data folder's runs started (workers, the Prefect supervisor and server)."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

CRSDATA = Path(sys.executable).with_name("crsdata")


def environment_without_prefect_url(**extra: str) -> dict[str, str]:
    """A child's environment as a user's shell has it: no PREFECT_API_URL, so the folder's own server is used."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(extra)
    return env


def start_crsdata(*args: str, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [str(CRSDATA), *args], cwd=cwd, env=env or environment_without_prefect_url(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def processes_of(data_dir: Path) -> list[int]:
    """Pids whose command line or environment names the data folder (their own or PREFECT_HOME)."""
    marker = str(data_dir).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in cmdline or marker in environ:
            found.append(int(entry.name))
    return found


def wait_until_gone(data_dir: Path, timeout: float) -> list[int]:
    """Bounded wait for the folder's processes to end; returns those still alive at the deadline."""
    deadline = time.monotonic() + timeout
    alive = processes_of(data_dir)
    while alive and time.monotonic() < deadline:
        time.sleep(0.25)
        alive = processes_of(data_dir)
    return alive


def read_until(process: subprocess.Popen, needle: str, timeout: float) -> str:
    """Read the child's output until a line contains `needle` (bounded); returns what was read.

    A thread reads the pipe (a select() on it would miss lines already in Python's read buffer)."""
    lines = _line_queue(process)
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if process.poll() is not None and lines.empty():
                break
            continue
        if line is None:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"no line with {needle!r} within {timeout} s; output:\n{''.join(seen)}")


def _line_queue(process: subprocess.Popen) -> queue.Queue:
    if not hasattr(process, "_lines"):
        process._lines = queue.Queue()

        def pump() -> None:
            for line in iter(process.stdout.readline, ""):
                process._lines.put(line)
            process._lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
    return process._lines
