"""`crsdata serve`: a real Prefect server is started, lists the deployment with its cron schedule,
and is gone once serve is stopped. Bounded by timeouts; takes ~30-60 s on a loaded 2-core machine.
"""
from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

CRON = "*/7 * * * *"
CRSDATA = Path(sys.executable).with_name("crsdata")


def read_lines(stream, sink: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        sink.put(line)


def wait_for_line(lines: queue.Queue, pattern: str, timeout: float, seen: list[str]) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r} within {timeout} s; output so far:\n{''.join(seen)}")


async def deployments_on(api_url: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        async with get_client() as client:
            return await client.read_deployments()


def test_serve_registers_a_cron_deployment_on_its_own_server_and_stops_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    process = subprocess.Popen(
        [str(CRSDATA), "serve", "--cron", CRON, "--watch", "IF10753", "--crs-base-url", "http://127.0.0.1:9",
         "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        match = wait_for_line(lines, r"Prefect server: (http://127\.0\.0\.1:\d+/api) \(pid (\d+)", 150, seen)
        api_url, server_pid = match.group(1), int(match.group(2))
        assert (tmp_path / "data" / ".prefect" / "prefect.db").exists()

        deadline, found = time.monotonic() + 90, []
        while time.monotonic() < deadline and not found:
            found = [d for d in asyncio.run(deployments_on(api_url)) if d.name == "crsdata-poll"]
            time.sleep(1 if not found else 0)
        assert found, f"deployment not listed; output:\n{''.join(seen)}"
        crons = [s.schedule.cron for s in found[0].schedules]
        assert crons == [CRON]
        assert found[0].parameters["overrides"]["watch"] == ["IF10753"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode is not None
    # The server serve started is gone, and its port no longer answers.
    try:
        os.kill(server_pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive
    try:
        httpx.get(api_url + "/health", timeout=2)
        answered = True
    except httpx.HTTPError:
        answered = False
    assert not answered
