"""`crsdata serve`: a Prefect deployment of the poll flow on a cron schedule, served from this process.

The schedule needs a real Prefect server: the one named by ``PREFECT_API_URL``, else the data
folder's own (``flows.prefect_server``: SQLite under ``<data_dir>/.prefect``, the UI on, shared with
`run` and `poll` of the same folder, stopped with the last process that uses it).
"""
from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

import flows.prefect_env  # noqa: F401  (settings before prefect is imported)
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.pipeline.processes import die_with_parent

DEPLOYMENT_NAME = "crsdata-poll"
FLOW_NAME = "crsdata-scheduled-poll"


def only_transient(task_, task_run, state) -> bool:
    """Retry server errors and timeouts; a 403 or an HTML page at a PDF URL will not get better."""
    from flows.schedule.sources.download import DownloadError

    try:
        state.result()
    except DownloadError as exc:
        return exc.transient
    except Exception:
        return True
    return False


@task(name="download-original", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=only_transient)
def download_original(client, url: str, expect: str):
    from flows.schedule.sources.download import get_document

    return get_document(client, url, expect)


def prefect_net(config):
    """The sources' network with downloads as Prefect tasks, so retries show in the Prefect UI."""
    from flows.schedule.sources.download import Net, PoliteClient

    client = PoliteClient(min_interval=config.min_interval_seconds, timeout=config.timeout_seconds, max_bytes=config.max_bytes)
    delays = list(config.retry_delay_seconds)
    download = download_original.with_options(retries=len(delays), retry_delay_seconds=delays or 0)

    def fetch(url: str, expect: str):
        from flows.schedule.sources.download import redact_url

        return download.with_options(task_run_name=f"download {redact_url(url)}")(client, url, expect)

    return Net(client, config.retry_delay_seconds, fetch=fetch)


@flow(name=FLOW_NAME, log_prints=False, validate_parameters=False)
def scheduled_poll(config_path: str | None = None, overrides: dict | None = None) -> dict:
    """One poll pass (what `crsdata poll` does), run by the schedule."""
    from flows.config import load_config
    from flows.schedule.poll import poll_once

    die_with_parent(signal.SIGTERM)  # this run is a child of `serve`: it must not outlive it
    logger = get_run_logger()
    config = load_config(Path(config_path) if config_path else None).with_overrides(**(overrides or {}))
    net = prefect_net(config)
    try:
        result = poll_once(config, net=net)
    finally:
        net.client.close()
    for failure in result.failures:
        logger.error("%s: %s", failure.name, failure.reason)
    published = result.summary.count("published") if result.summary else 0
    summary = {"fetched": len(result.found.fetched), "new_local_files": len(result.found.local_files),
               "published": published, "failed": len(result.failures), "seconds": round(result.seconds, 2)}
    logger.info("Poll: %d fetched, %d new in inboxes, %d published, %d failed in %.1f s",
                summary["fetched"], summary["new_local_files"], published, summary["failed"], summary["seconds"])
    if result.failures:
        raise RuntimeError(f"{len(result.failures)} document(s) failed; the next scheduled run retries downloads")
    return summary


def serve_schedule(config_path: Path | None, cron: str, data_dir: Path, overrides: dict | None = None,
                   echo: Callable[[str], None] = print) -> None:
    """Register the deployment with `cron` and serve it until SIGINT or SIGTERM (either one cancels
    the runs in flight). The data folder's Prefect server stops with the last process using it."""
    from flows.prefect_server import home_for, prefect_api
    from flows.pipeline.processes import terminate_on_interrupt

    restore = terminate_on_interrupt()
    had_url = "PREFECT_API_URL" in os.environ
    try:
        with prefect_api(data_dir) as api:
            os.environ["PREFECT_API_URL"] = api.url   # flow runs start in subprocesses and read it there
            where = f"database {home_for(data_dir).database}" if api.home else "from PREFECT_API_URL"
            echo(f"Prefect server: {api.url} ({where})")
            echo(f"Prefect UI: {api.ui_url}")
            parameters = {"config_path": str(config_path) if config_path else None, "overrides": overrides or {}}
            echo(f"Serving deployment {FLOW_NAME}/{DEPLOYMENT_NAME} on cron '{cron}'. Stop with Ctrl-C.")
            scheduled_poll.serve(name=DEPLOYMENT_NAME, cron=cron, parameters=parameters, print_starting_message=False,
                                 pause_on_shutdown=True)
    except KeyboardInterrupt:
        pass
    finally:
        if not had_url:
            os.environ.pop("PREFECT_API_URL", None)
        restore()
        echo("Stopped.")
