"""`crsdata diff`: what changed between two published editions of a report, as data."""
from __future__ import annotations

import click

from flows.cli.common import DATA_DIR_OPTION, existing_data_dir


@click.command()
@click.argument("report_id")
@click.option("--from", "from_edition", default=None, help="Older edition key (default: the edition before --to).")
@click.option("--to", "to_edition", default=None, help="Newer edition key (default: the latest edition).")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json", "html"]), default="table", show_default=True,
              help="table: one line per change; markdown: the summary digest; json: all change rows; html: a page with the change table.")
@DATA_DIR_OPTION
def diff(report_id, from_edition, to_edition, fmt, data_dir):
    """Show what changed between two editions of REPORT_ID: metadata, figures, table cells,
    entities and rewritten sections, with typography and reflow ignored.

    The diff is also published (once, immutable) to
    processed/<REPORT_ID>/diffs/<FROM>__<TO>/: changes.csv, changes.parquet, summary.md, manifest.json.

    \b
    Example:
      crsdata diff IF10199 --data-dir .
      crsdata diff IF10199 --from 2024-11-05 --to 2026-10-01.v49 --format markdown
    """
    from flows.changes.diffs import diff_and_publish, render_diff

    settings = existing_data_dir(data_dir)
    result, folder = diff_and_publish(settings.processed_dir, report_id, from_edition, to_edition)
    click.echo(render_diff(result, fmt))
    if fmt == "table":
        click.echo(f"Published: {folder}")
