"""Prefect-facing commands: `crsdata runs` (a data folder's run history) and `crsdata deploy` (deployments on a work pool)."""
from __future__ import annotations

import click

from flows.cli.common import DATA_DIR_OPTION, existing_data_dir
from flows.cli.poll import config_options, load_poll_config


@click.command()
@DATA_DIR_OPTION
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many runs, newest first.")
def runs(data_dir, limit):
    """List the newest runs of `run`, `poll` and `serve` on this data folder (state, time, summary).

    Every run of a data folder is recorded in <data-dir>/.prefect/prefect.db (or on the server named
    by PREFECT_API_URL); `crsdata serve` shows the same history in the Prefect UI.

    \b
    Example:
      crsdata runs --data-dir data --limit 5
    """
    from flows.prefect_server import recent_runs

    settings = existing_data_dir(data_dir)
    api, records = recent_runs(settings.data_dir, limit)
    if not records:
        click.echo(f"No runs recorded yet for {settings.data_dir}.")
        return
    for record in records:
        seconds = f"{record.seconds:.1f} s" if record.seconds is not None else ""
        click.echo(f"{record.started:19}  {record.state:10}  {record.flow:24}  {record.name:24}  {seconds:>8}  {record.summary}".rstrip())


@click.command()
@click.option("--pool", required=True, help="The Prefect work pool whose workers run the flows (prefect work-pool create POOL --type process).")
@click.option("--cron", default=None, help="Schedule of the poll deployment (default: the file's [schedule] cron, else '0 6 * * *').")
@config_options
def deploy(pool, cron, config_path, watch, inbox, crs_base_url, data_dir, workers):
    """Register, on the Prefect server named by PREFECT_API_URL, the deployments the pool's workers run:
    the batch flow (`crsdata run --pool` submits to it) and the scheduled poll (its sources from
    --config / --watch / --inbox, as for `crsdata serve`). Run it again to update them.

    \b
    Example:
      export PREFECT_API_URL=http://127.0.0.1:4200/api
      prefect work-pool create crsdata --type process
      crsdata deploy --pool crsdata --data-dir /srv/crsdata --watch IF10199
      prefect worker start --pool crsdata     # on each machine
    """
    from flows.pipeline.pool_run import deploy as deploy_flows

    config_path, config = load_poll_config(config_path, watch, inbox, crs_base_url, data_dir, workers)
    overrides = {"watch": list(watch), "inboxes": [str(p.resolve()) for p in inbox], "crs_base_url": crs_base_url,
                 "data_dir": config.location, "workers": workers}
    names = deploy_flows(pool, config.location, cron or config.cron,
                         str(config_path.resolve()) if config_path else None, overrides)
    for name in names:
        click.echo(f"deployed  {name}  (pool {pool}, data folder {config.location})")
