"""`crsdata db` and `crsdata browse`: each calls one library function."""
from __future__ import annotations

import click

from flows.cli.common import DATA_DIR_OPTION, settings_to_read


@click.command()
@DATA_DIR_OPTION
@click.option("--rebuild", is_flag=True, help="Start over: rebuild the database and the Parquet archive from the edition folders.")
def db(data_dir, rebuild):
    """Build or update processed/crsdata.db and processed/all/<dataset>.parquet from the published editions.

    Editions already loaded are not loaded again; new or re-published editions are added, each in
    one transaction. `run` and `poll` do this by themselves after publishing.

    \b
    Example:
      crsdata db --data-dir .
      crsdata db --rebuild
    """
    from flows.browse.database import describe_refresh, refresh_browse_data

    settings = settings_to_read(data_dir)
    report, archive = refresh_browse_data(settings.processed_dir, rebuild=rebuild)
    click.echo(describe_refresh(report, archive))


@click.command()
@DATA_DIR_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 makes it reachable from other machines).")
@click.option("--port", type=int, default=8001, show_default=True, help="Port to listen on.")
def browse(data_dir, host, port):
    """Explore every edition in a web browser (Datasette): tables, facets, search, CSV/JSON downloads.

    The database is brought up to date first. Ctrl-C stops the server.

    \b
    Example:
      crsdata browse --data-dir . --port 8001
    """
    from flows.browse.site import serve_browser

    settings = settings_to_read(data_dir)
    serve_browser(settings.processed_dir, settings.raw_dir, host, port, announce=click.echo)
    click.echo("Stopped.")
