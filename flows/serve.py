"""`crsdata serve`: a Prefect deployment of the poll flow on a cron schedule, served from this process.

Prefect's temporary in-process server cannot schedule anything, so when ``PREFECT_API_URL`` is not set
a real Prefect server is started here (``prefect server start`` on 127.0.0.1 and a free port, SQLite
under ``<data_dir>/.prefect``) and stopped again when `serve` stops (SIGINT or SIGTERM).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import flows.prefect_env  # noqa: F401  (settings before prefect is imported)
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.errors import CrsdataError

DEPLOYMENT_NAME = "crsdata-poll"
FLOW_NAME = "crsdata-scheduled-poll"


class ServeError(CrsdataError):
    """The Prefect server could not be started or reached."""


@dataclass
class LocalServer:
    process: subprocess.Popen
    url: str            # the API URL, ending in /api
    home: Path

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server and anything it started (it leads its own process group)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prefect_command() -> list[str]:
    script = Path(sys.executable).with_name("prefect")
    return [str(script)] if script.exists() else [sys.executable, "-m", "prefect"]


def wait_until_healthy(server: LocalServer, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (server.home / "server.log").read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise ServeError("prefect server", f"exited with code {server.process.returncode}: {log[0]}")
        try:
            if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.stop()
    raise ServeError("prefect server", f"not healthy after {timeout:.0f} s (see {server.home / 'server.log'})")


def start_local_server(data_dir: Path, timeout: float = 120.0) -> LocalServer:
    """A Prefect server on 127.0.0.1 with its SQLite database under the data folder."""
    home = Path(data_dir) / ".prefect"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "false"),
    }
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "ab")
    process = subprocess.Popen(
        prefect_command() + ["server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    log.close()
    server = LocalServer(process, f"http://127.0.0.1:{port}/api", home)
    wait_until_healthy(server, timeout)
    return server


def only_transient(task_, task_run, state) -> bool:
    """Retry server errors and timeouts; a 403 or an HTML page at a PDF URL will not get better."""
    from flows.sources.download import DownloadError

    try:
        state.result()
    except DownloadError as exc:
        return exc.transient
    except Exception:
        return True
    return False


@task(name="download-original", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=only_transient)
def download_original(client, url: str, expect: str):
    from flows.sources.download import get_document

    return get_document(client, url, expect)


def prefect_net(config):
    """The sources' network with downloads as Prefect tasks, so retries show in the Prefect UI."""
    from flows.sources.download import Net, PoliteClient

    client = PoliteClient(min_interval=config.min_interval_seconds, timeout=config.timeout_seconds, max_bytes=config.max_bytes)
    delays = list(config.retry_delay_seconds)
    download = download_original.with_options(retries=len(delays), retry_delay_seconds=delays or 0)

    def fetch(url: str, expect: str):
        from flows.sources.download import redact_url

        return download.with_options(task_run_name=f"download {redact_url(url)}")(client, url, expect)

    return Net(client, config.retry_delay_seconds, fetch=fetch)


@flow(name=FLOW_NAME, log_prints=False, validate_parameters=False)
def scheduled_poll(config_path: str | None = None, overrides: dict | None = None) -> dict:
    """One poll pass (what `crsdata poll` does), run by the schedule."""
    from flows.config import load_config
    from flows.poll import poll_once

    logger = get_run_logger()
    config = load_config(Path(config_path) if config_path else None).with_overrides(**(overrides or {}))
    net = prefect_net(config)
    try:
        result = poll_once(config, net=net)
    finally:
        net.client.close()
    for failure in result.failures:
        logger.error("%s: %s", failure.subject, failure.reason)
    published = result.summary.count("published") if result.summary else 0
    summary = {"fetched": len(result.found.fetched), "new_local_files": len(result.found.local_files),
               "published": published, "failed": len(result.failures), "seconds": round(result.seconds, 2)}
    logger.warning("poll: %s", summary)
    if result.failures:
        raise RuntimeError(f"{len(result.failures)} document(s) failed; the next scheduled run retries downloads")
    return summary


def stop_on_sigterm() -> None:
    """SIGTERM behaves like Ctrl-C, so the `finally` that stops the server runs."""
    def handler(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, handler)


def serve_schedule(config_path: Path | None, cron: str, data_dir: Path, overrides: dict | None = None,
                   echo: Callable[[str], None] = print) -> None:
    """Register the deployment with `cron` and serve it until interrupted."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    stop_on_sigterm()
    server = None
    api_url = os.environ.get("PREFECT_API_URL")
    try:
        if not api_url:
            server = start_local_server(data_dir)
            api_url = server.url
            os.environ["PREFECT_API_URL"] = api_url   # flow runs start in subprocesses and read it there
            echo(f"Prefect server: {api_url} (pid {server.process.pid}, database {server.home / 'prefect.db'})")
        else:
            echo(f"Prefect server: {api_url} (from PREFECT_API_URL)")
        parameters = {"config_path": str(config_path) if config_path else None, "overrides": overrides or {}}
        echo(f"Serving deployment {FLOW_NAME}/{DEPLOYMENT_NAME} on cron '{cron}'. Stop with Ctrl-C.")
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            scheduled_poll.serve(name=DEPLOYMENT_NAME, cron=cron, parameters=parameters, print_starting_message=False,
                                 pause_on_shutdown=True)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()
            echo("Prefect server stopped.")
