"""`crsdata serve`: the data folder's Prefect server lists the deployment with its cron schedule,
the UI address it prints answers, and every way of stopping serve leaves no process behind.

Nothing here waits for the schedule: whether or not the cron fires during the test, what is
asserted holds (a fired run polls a closed port and fails fast, and stopping serve cancels it).
"""
from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from tests.processes import read_until, start_crsdata, wait_until_gone

CRON = "0 6 * * *"


async def deployments_on(api_url: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        async with get_client() as client:
            return await client.read_deployments()


def serve_args(tmp_path) -> list[str]:
    return ["serve", "--cron", CRON, "--watch", "IF10753", "--crs-base-url", "http://127.0.0.1:9",
            "--data-dir", str(tmp_path / "data")]


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_registers_a_cron_deployment_shows_a_working_ui_and_stops_everything(tmp_path, stop_signal):
    process = start_crsdata(*serve_args(tmp_path), cwd=tmp_path)
    try:
        seen = read_until(process, "Serving deployment", timeout=300)
        api_url = next(line.split()[2] for line in seen.splitlines() if line.startswith("Prefect server: "))
        ui_url = next(line.split()[2] for line in seen.splitlines() if line.startswith("Prefect UI: "))
        assert (tmp_path / "data" / ".prefect" / "prefect.db").exists()
        page = httpx.get(ui_url, timeout=30)
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert ui_url + "/api" == api_url

        deadline, found = time.monotonic() + 120, []
        while time.monotonic() < deadline and not found:
            found = [d for d in asyncio.run(deployments_on(api_url)) if d.name == "crsdata-poll"]
            time.sleep(0 if found else 1)
        assert found, "deployment not listed"
        assert [s.schedule.cron for s in found[0].schedules] == [CRON]
        assert found[0].parameters["overrides"]["watch"] == ["IF10753"]
    finally:
        process.send_signal(stop_signal)
        process.wait(120)
    assert wait_until_gone(tmp_path / "data", timeout=30) == []
    with pytest.raises(httpx.HTTPError):
        httpx.get(api_url + "/health", timeout=2)


def test_serve_stopped_while_its_server_starts_leaves_nothing_behind(tmp_path):
    process = start_crsdata(*serve_args(tmp_path), cwd=tmp_path)
    deadline = time.monotonic() + 120
    # As soon as the server is being started (its folder exists), stop serve.
    while time.monotonic() < deadline and not (tmp_path / "data" / ".prefect" / "server.log").exists():
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    process.wait(120)
    assert wait_until_gone(tmp_path / "data", timeout=30) == []
