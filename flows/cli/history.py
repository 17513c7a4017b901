"""`crsdata history`: the timeline of every figure or table cell of a report, across its editions."""
from __future__ import annotations

from pathlib import Path

import click



@click.command()
@click.argument("report_id")
@click.option("--dataset", type=click.Choice(["figures", "table_cells"]), default="figures", show_default=True,
              help="figures (numbers in the text) or table_cells.")
@click.option("--search", default=None, help="Only facts whose label, text or sentence (caption, row, column for cells) contains TEXT in some edition (case-insensitive).")
@click.option("--changed-only", is_flag=True, help="Only facts whose value changed at least once.")
@click.option("--editions", "editions_only", is_flag=True, help="Only the edition list: per edition, how many facts were new, same, changed, dropped.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "png"]), default="table", show_default=True,
              help="table: one block per fact, oldest edition first; csv/json: the history rows; png: one chart per fact whose value moved.")
@click.option("--to", "target", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to FILE instead of printing (png default: <REPORT_ID>_<dataset>_history.png).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding raw/ and processed/ (default: $CRSDATA_HOME or the current folder).")
def history(report_id, dataset, search, changed_only, editions_only, fmt, target, data_dir):
    """Show how every figure (or table cell) of REPORT_ID moved over its editions: one fact per
    line block, with its status in each edition (new, same, changed, dropped).

    The history is published to processed/<REPORT_ID>/history/ (figure_history, cell_history as
    CSV and Parquet) and rebuilt whenever an edition of the report is published.

    \b
    Example:
      crsdata history IF10199 --search troops
      crsdata history IF10199 --editions
      crsdata history IF10753 --dataset table_cells --format csv --to cells.csv
      crsdata history IF10199 --changed-only --format png --to if10199.png
    """
    from flows.cli.common import existing_data_dir
    from flows.changes.history import read_history
    from flows.browse.history_view import editions_summary, render_history, write_output

    settings = existing_data_dir(data_dir)
    report = read_history(settings.processed_dir, report_id)
    if editions_only:
        click.echo(editions_summary(report))
        return
    data = render_history(report, dataset, fmt, search, changed_only)
    if fmt == "png" and target is None:
        target = Path(f"{report.report_id}_{dataset}_history.png")
    if target is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        click.echo(f"Wrote {write_output(data, target)}")
