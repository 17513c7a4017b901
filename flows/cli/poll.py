"""`crsdata poll` and `crsdata serve`: scheduled runs from the command line.

Imports stay inside the commands: a poll that finds nothing new must not pay for pandas, spaCy or
Prefect just to say so.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from flows.cli.common import DATA_DIR_OPTION, echo_outcome, summary_line
from flows.errors import CrsdataError

DEFAULT_CONFIG = Path("crsdata.toml")


def config_options(command):
    """--config, --watch, --inbox, --crs-base-url, --data-dir, --workers (shared by poll and serve)."""
    options = [
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Settings file (default: ./crsdata.toml when it exists). See crsdata.example.toml."),
        click.option("--watch", multiple=True, metavar="REPORT_ID", help="Report to keep current (repeatable; adds to the file's list)."),
        click.option("--inbox", multiple=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to take new files from (repeatable; adds to the file's list)."),
        click.option("--crs-base-url", default=None, help="Where the versioned CRS PDFs are served (default: https://www.congress.gov)."),
        DATA_DIR_OPTION,
        click.option("--workers", type=int, default=None, help="Worker processes for the pipeline (overrides the file)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def load_poll_config(config_path, watch, inbox, crs_base_url, data_dir, workers):
    from flows.config import load_config

    if config_path is None and DEFAULT_CONFIG.is_file():
        config_path = DEFAULT_CONFIG
    return config_path, load_config(config_path).with_overrides(
        watch=watch, inboxes=inbox, crs_base_url=crs_base_url, data_dir=data_dir, workers=workers
    )


def echo_fetched(item) -> None:
    version = f"v{item.version}" if item.version is not None else "version unknown"
    note = f" (the source said v{item.claimed_version})" if item.claimed_version not in (None, item.version) else ""
    click.echo(f"{'fetched':>11}  {item.report_id} {version}{note}  <- {item.url}")


def echo_poll_outcome(outcome) -> None:
    if outcome.status != "failed":  # failures are listed once, with the download failures, at the end
        echo_outcome(outcome)


@click.command()
@config_options
def poll(config_path, watch, inbox, crs_base_url, data_dir, workers):
    """Look at every source once, fetch what is new, and publish it.

    Sources: watched reports (new versions of their CRS PDFs), inbox folders, and the congress.gov
    API (key in $CONGRESS_API_KEY). Failed downloads are listed at the end and retried next time.

    \b
    Example:
      crsdata poll --watch IF10753 --watch IF10199 --data-dir data
      crsdata poll --config crsdata.toml --inbox ~/Downloads/crs
    """
    from flows.schedule.poll import poll_once
    from flows.pipeline.processes import sigterm_as_keyboard_interrupt

    _, config = load_poll_config(config_path, watch, inbox, crs_base_url, data_dir, workers)
    if not config.has_sources:
        raise CrsdataError("poll", "no sources: give --watch REPORT_ID, --inbox DIR, or a config file with [sources.*] (see crsdata.example.toml)")
    sigterm_as_keyboard_interrupt()
    result = poll_once(config, report_fetch=echo_fetched, report_outcome=echo_poll_outcome)
    for failure in result.failures:
        echo_outcome(failure)
    if result.nothing_new:
        checked = ", ".join(result.found.checked) or "nothing"
        click.echo(f"Nothing new (checked {checked}) in {result.seconds:.1f} s.")
    else:
        summary = result.summary
        counts = {s: summary.count(s) for s in ("published", "republished", "unchanged", "failed")}
        click.echo(summary_line(counts, result.seconds, prefix=f"Poll: {len(result.found.fetched)} fetched, "
                                                              f"{len(result.found.local_files)} new in inboxes"))
    if result.failures:
        downloads = sum(f.source not in ("folder", "pipeline") for f in result.failures)
        retried = f"; the {downloads} failed download(s) are retried by the next poll" if downloads else ""
        click.echo(f"{len(result.failures)} failed{retried}.", err=True)
        sys.exit(1)


@click.command()
@click.option("--cron", default=None, help="Schedule, five cron fields (default: the file's [schedule] cron, else '0 6 * * *').")
@config_options
def serve(cron, config_path, watch, inbox, crs_base_url, data_dir, workers):
    """Run `poll` on a schedule: register a Prefect deployment with a cron schedule and serve it.

    Without PREFECT_API_URL a local Prefect server is started on 127.0.0.1 (SQLite under
    <data-dir>/.prefect) and stopped again with this command (Ctrl-C or SIGTERM).

    \b
    Example:
      crsdata serve --cron "0 6 * * *" --config crsdata.toml
      PREFECT_API_URL=http://prefect.internal:4200/api crsdata serve --watch IF10199
    """
    config_path, config = load_poll_config(config_path, watch, inbox, crs_base_url, data_dir, workers)
    cron = cron or config.cron
    if len(cron.split()) != 5:
        raise CrsdataError("--cron", f"{cron!r}: expected five fields (minute hour day month weekday), e.g. '0 6 * * *'")
    if not config.has_sources:
        raise CrsdataError("serve", "no sources: give --watch REPORT_ID, --inbox DIR, or a config file with [sources.*] (see crsdata.example.toml)")
    from flows.schedule.serve import serve_schedule

    overrides = {"watch": list(watch), "inboxes": [str(p.resolve()) for p in inbox], "crs_base_url": crs_base_url,
                 "data_dir": config.location, "workers": workers}
    serve_schedule(config_path.resolve() if config_path else None, cron, config.data_dir, overrides, echo=click.echo)
