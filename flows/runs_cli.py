"""`crsdata runs`: the history of this data folder's runs, from its Prefect server."""
from __future__ import annotations

import click

from flows.cli_common import DATA_DIR_OPTION, existing_data_dir


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
