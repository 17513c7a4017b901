"""What the `crsdata` commands share: the data-folder option, settings, and how an outcome is printed.

Errors are not handled here: commands raise typed errors (flows.errors) and the command group in
flows/cli/__init__.py turns every one of them into one `Error: <subject>: <reason>` line.
"""
from __future__ import annotations

from pathlib import Path

import click

from flows.errors import CrsdataError, NotFoundError
from flows.settings import Settings, default_data_dir

DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(file_okay=False),  # a str, so that an s3:// URL keeps its two slashes
    default=None,
    help="Folder holding raw/ and processed/, or a store URL such as s3://bucket/prefix "
         "(default: $CRSDATA_HOME or the current folder).",
)


def settings_from(data_dir: str | Path | None, **kwargs) -> Settings:
    try:
        return Settings(data_dir=data_dir or default_data_dir(), **kwargs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def settings_to_read(data_dir: str | None) -> Settings:
    """Settings for a command that reads every edition: a remote store is brought into the local
    mirror first (only what changed there is fetched)."""
    from flows.store.remote import pull_all, store_of

    settings = settings_from(data_dir)
    store = store_of(settings)
    if store is not None:
        pull_all(store)
    return settings


def existing_data_dir(data_dir: str | None) -> Settings:
    """Settings for a command that only reads: a data folder that is not there is said so."""
    settings = settings_to_read(data_dir)
    if not settings.data_dir.is_dir():
        raise NotFoundError(str(settings.data_dir), "data folder does not exist (give --data-dir or set $CRSDATA_HOME)")
    return settings


def echo_outcome(outcome) -> None:
    """One line per document; a failure goes to stderr as an `Error:` line."""
    if outcome.status == "failed":
        click.echo(f"Error: {CrsdataError(outcome.name, outcome.reason)}", err=True)
        return
    where = f"{outcome.report_id}/{outcome.edition}" if outcome.report_id else ""
    timing = f" ({outcome.pages} p, {outcome.seconds:.1f} s)" if outcome.seconds else ""
    note = " (already published)" if outcome.status == "unchanged" else ""
    rejected = getattr(outcome, "rows_rejected", 0)
    if rejected:
        note += f", {rejected} row{'s' if rejected != 1 else ''} rejected (see rejected_rows.csv)"
    click.echo(f"{outcome.status:>11}  {outcome.name}  {where}{timing}{note}".rstrip())
    if outcome.diff:
        click.echo(f"{'diff':>11}  {outcome.diff}")
    if outcome.reason and outcome.status != "unchanged":
        click.echo(f"{'warning':>11}  {outcome.reason}", err=True)


def summary_line(counts: dict[str, int], seconds: float, prefix: str = "Summary") -> str:
    shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n or s not in ("republished", "skipped"))
    return f"{prefix}: {shown} in {seconds:.1f} s"
