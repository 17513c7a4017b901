"""Edition diffs: load two published editions of a report, match them, publish what changed.

``processed/<REPORT_ID>/diffs/<FROM>__<TO>/`` holds changes.csv/.parquet (schemas/changes.py),
summary.md (a digest, most important first) and manifest.json. Like editions, a diff folder is
written beside its final place and renamed into it; once published it is never modified.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from extractors.diff.editions import EditionData
from extractors.diff.editions_to_changes import editions_to_changes
from extractors.diff.comparable_text import frame_to_records, word_diff_excerpt
from flows import __version__
from flows.errors import CrsdataError, NotFoundError
from flows.store.publish import catalog_frame, check_path_part, new_staging_folder, sort_editions
from flows.store.raw_store import file_sha256
from schemas import DATASETS
from schemas import changes as changes_schema

DIFFS_FOLDER = "diffs"
EDITIONS_KEPT = 4   # editions held by load_edition: the new one, its two neighbours, one more
SUMMARY_LIMITS = {"figures": 25, "tables": 10, "table_cells": 25, "entities": 30, "sections": 40, "excerpts": 3}


class SameEditionError(CrsdataError):
    """Both sides of a diff are the same edition."""


class EditionOrderError(CrsdataError):
    """--from names an edition newer than --to."""


@dataclass
class DiffResult:
    report_id: str
    from_edition: str
    to_edition: str
    from_manifest: dict
    to_manifest: dict
    changes: pd.DataFrame
    summary: str


# ---------------------------------------------------------------- loading editions

def report_editions(processed_dir: Path, report_id: str) -> pd.DataFrame:
    """The report's published editions, oldest first, in the store's one edition order."""
    report_id = check_path_part(report_id.upper(), "report id")
    catalog = catalog_frame(processed_dir) if processed_dir.exists() else pd.DataFrame(columns=["report_id"])
    mine = catalog[catalog["report_id"] == report_id]
    if mine.empty:
        raise NotFoundError(report_id, "no published edition; run 'crsdata run' on it first")
    return sort_editions(mine)


def pick_editions(editions: pd.DataFrame, report_id: str, from_edition: str | None, to_edition: str | None) -> tuple[str, str]:
    keys = list(editions["edition"])

    def check(edition: str) -> str:
        if edition not in keys:
            raise NotFoundError(f"{report_id} {edition}", f"no such edition (published: {', '.join(keys)})")
        return edition

    if to_edition is None:
        to_edition = keys[-1]
    check(to_edition)
    if from_edition is None:
        earlier = keys[: keys.index(to_edition)]
        if not earlier:
            raise NotFoundError(f"{report_id} {to_edition}", "no earlier edition to compare with (pass --from)")
        from_edition = earlier[-1]
    check(from_edition)
    if from_edition == to_edition:
        raise SameEditionError(f"{report_id} {from_edition}", "--from and --to are the same edition")
    if keys.index(from_edition) > keys.index(to_edition):
        # Refused rather than swapped: each pair is published once, as <older>__<newer>, and a
        # reversed diff would read additions as removals.
        raise EditionOrderError(
            f"{report_id} {from_edition}",
            f"--from is newer than --to ({to_edition}); a diff goes from the older edition to the newer: "
            f"--from {to_edition} --to {from_edition}",
        )
    return from_edition, to_edition


def load_edition(folder: Path) -> EditionData:
    """An edition's manifest and datasets. Publishing one edition diffs it against its neighbours
    and then rebuilds the report's history, which reads each edition twice; the last editions read
    stay in memory, keyed by their manifest (a republished edition has a new one, so a new key).
    Callers read an EditionData, never change it."""
    try:
        manifest_bytes = (Path(folder) / "manifest.json").read_bytes()
    except FileNotFoundError:
        raise NotFoundError(str(folder), "no manifest.json: not a published edition") from None
    return cached_edition(str(Path(folder).resolve()), manifest_bytes)


@lru_cache(maxsize=EDITIONS_KEPT)
def cached_edition(folder: str, manifest_bytes: bytes) -> EditionData:
    manifest = json.loads(manifest_bytes)
    frames = {}
    for name in DATASETS:
        path = Path(folder) / f"{name}.parquet"
        if path.exists():
            frames[name] = pd.read_parquet(path)
    return EditionData(manifest["edition"], manifest, frames)


# ---------------------------------------------------------------- diffing

def changes_to_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(changes_schema.COLUMNS)) if rows else pd.DataFrame(columns=list(changes_schema.COLUMNS))
    frame = frame.astype(object).where(frame.notna(), None)
    return changes_schema.Schema.validate(frame[list(changes_schema.COLUMNS)], lazy=True)


def diff_editions(processed_dir: Path, report_id: str, from_edition: str | None = None, to_edition: str | None = None) -> DiffResult:
    """Compare two published editions (default: the two latest) and return the changes and summary."""
    processed_dir = Path(processed_dir)
    report_id = report_id.upper()
    editions = report_editions(processed_dir, report_id)
    from_edition, to_edition = pick_editions(editions, report_id, from_edition, to_edition)
    path_of = dict(zip(editions["edition"], editions["path"]))
    old = load_edition(processed_dir / path_of[from_edition])
    new = load_edition(processed_dir / path_of[to_edition])
    frame = changes_to_frame(editions_to_changes(old, new))
    summary = changes_to_summary(report_id, old, new, frame)
    return DiffResult(report_id, from_edition, to_edition, old.manifest, new.manifest, frame, summary)


# ---------------------------------------------------------------- summary.md

def md(text) -> str:
    """Table- and list-safe markdown text."""
    return str(text or "").replace("|", "\\|").replace("\n", " ").strip()


def quoted(text, limit: int = 220) -> str:
    text = md(text)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def changes_to_summary(report_id: str, old: EditionData, new: EditionData, frame: pd.DataFrame) -> str:
    title = new.manifest.get("title") or old.manifest.get("title") or report_id
    lines = [
        f"# {report_id} {md(title)}: {old.edition} -> {new.edition}",
        "",
        f"{len(frame)} changes: " + (", ".join(f"{n} {ds}" for ds, n in frame["dataset"].value_counts(sort=False).items()) if len(frame) else "none"),
        "",
    ]
    by = {name: frame[frame["dataset"] == name] for name in frame["dataset"].unique()} if len(frame) else {}
    lines += metadata_lines(old, new, by.get("documents"), by.get("authors"))
    lines += figure_lines(by.get("figures"))
    lines += table_lines(by.get("tables"), by.get("table_cells"), by.get("trade_flows"))
    lines += entity_lines(by.get("entities"), by.get("acronyms"), by.get("dates"))
    lines += section_lines(by.get("sections"))
    return "\n".join(lines).rstrip() + "\n"


def rows_of(frame: pd.DataFrame | None) -> list[dict]:
    return [] if frame is None else frame_to_records(frame)


def metadata_lines(old: EditionData, new: EditionData, documents, authors) -> list[str]:
    lines = ["## Metadata", ""]
    for row in rows_of(documents):
        lines.append(f"- {row['field']}: {md(row['old']) or '(not printed)'} -> {md(row['new']) or '(not printed)'}")
    for row in rows_of(authors):
        if row["change"] == "changed":
            lines.append(f"- author {md(row['key'])}: {md(row['old'])} -> {md(row['new'])}")
        else:
            lines.append(f"- author {row['change']}: {md(row['key'])}")
    old_authors, new_authors = old.records("authors"), new.records("authors")
    for edition, mine, other in ((old, old_authors, new_authors), (new, new_authors, old_authors)):
        if other and not mine:
            lines.append(f"- authors: not printed in {edition.edition} ({edition.manifest.get('source_name', 'source')}), not compared")
    if len(lines) == 2:
        lines.append("- no change in title, date, version or authors")
    return lines + [""]


def figure_lines(figures) -> list[str]:
    rows = rows_of(figures)
    if not rows:
        return ["## Figures", "", "- no figure changed", ""]
    lines = ["## Figures", ""]
    changed = [r for r in rows if r["change"] == "changed"]
    added = [r for r in rows if r["change"] == "added"]
    removed = [r for r in rows if r["change"] == "removed"]
    limit = SUMMARY_LIMITS["figures"]
    if changed:
        lines += ["Changed:", ""] + [f"- {md(r['key'])}: {md(r['old'])} -> {md(r['new'])}" for r in changed[:limit]]
        lines += more(len(changed), limit) + [""]
    for label, group, column in (("New", added, "new"), ("Dropped", removed, "old")):
        if group:
            lines += [f"{label}:", ""] + [f"- {md(r[column])} ({md(r['key'])}), in: \"{quoted(r['new_context' if column == 'new' else 'old_context'], 160)}\"" for r in group[:limit]]
            lines += more(len(group), limit) + [""]
    return lines


def table_lines(tables, cells, flows) -> list[str]:
    rows = rows_of(tables) + rows_of(cells) + rows_of(flows)
    if not rows:
        return ["## Tables", "", "- no table or table cell changed", ""]
    lines = ["## Tables", ""]
    for r in rows_of(tables):
        if r["change"] == "changed":
            lines.append(f"- {md(r['key'])}: {r['field']} {md(r['old'])} -> {md(r['new'])}")
        else:
            lines.append(f"- table {r['change']}: {md(r['old'] or r['new'])}")
    limit = SUMMARY_LIMITS["table_cells"]
    cell_rows = rows_of(cells)
    for r in cell_rows[:limit]:
        lines.append(f"- {md(r['key'])}: {md(r['old']) or '(none)'} -> {md(r['new']) or '(none)'}")
    lines += more(len(cell_rows), limit)
    flow_rows = rows_of(flows)
    for r in flow_rows[:limit]:
        lines.append(f"- trade flow {md(r['key'])}: {md(r['old']) or '(none)'} -> {md(r['new']) or '(none)'}")
    lines += more(len(flow_rows), limit)
    return lines + [""]


def entity_lines(entities, acronyms, dates) -> list[str]:
    lines = ["## Entities", ""]
    rows = rows_of(entities)
    limit = SUMMARY_LIMITS["entities"]
    for label, kind in (("New", "added"), ("Dropped", "removed")):
        group = [r for r in rows if r["change"] == kind]
        if group:
            names = ", ".join(f"{md(r['key'])} ({r['field']})" for r in group[:limit])
            lines.append(f"- {label}: {names}" + (f", and {len(group) - limit} more" if len(group) > limit else ""))
    for r in rows_of(acronyms):
        if r["change"] == "changed":
            lines.append(f"- acronym {md(r['key'])}: {md(r['old'])} -> {md(r['new'])}")
    acronym_rows = rows_of(acronyms)
    for label, kind in (("Acronyms defined", "added"), ("Acronyms no longer used", "removed")):
        group = [r["key"] for r in acronym_rows if r["change"] == kind]
        if group:
            lines.append(f"- {label}: {', '.join(md(g) for g in group)}")
    date_rows = rows_of(dates)
    for label, kind, column in (("Dates newly mentioned", "added", "new"), ("Dates no longer mentioned", "removed", "old")):
        group = [r[column] for r in date_rows if r["change"] == kind]
        if group:
            lines.append(f"- {label}: {', '.join(md(g) for g in group[:limit])}" + (f", and {len(group) - limit} more" if len(group) > limit else ""))
    if len(lines) == 2:
        lines.append("- no entity, acronym or date added or dropped")
    return lines + [""]


def section_lines(sections) -> list[str]:
    rows = rows_of(sections)
    if not rows:
        return ["## Sections", "", "- no text changed (typography, line breaks and reflow ignored)", ""]
    lines = ["## Sections", ""]
    for r in rows:
        if r["field"] == "section":
            lines.append(f"- section {r['change']}: {md(r['old'] or r['new'])}")
        elif r["field"] == "heading":
            lines.append(f"- renamed: {md(r['old'])} -> {md(r['new'])}")
    order: list[str] = []
    for r in rows:
        if r["field"] == "sentence" and r["section"] not in order:
            order.append(r["section"])
    for heading in order[: SUMMARY_LIMITS["sections"]]:
        mine = [r for r in rows if r["field"] == "sentence" and r["section"] == heading]
        counts = {kind: sum(r["change"] == kind for r in mine) for kind in ("changed", "added", "removed")}
        said = ", ".join(f"{n} sentence{'s' if n != 1 else ''} {kind}" for kind, n in counts.items() if n)
        lines.append(f"- rewritten: {md(heading)} ({said})")
        for r in mine[: SUMMARY_LIMITS["excerpts"]]:
            if r["change"] == "changed":
                lines.append(f"  - {md(word_diff_excerpt(r['old_context'] or '', r['new_context'] or '', max_runs=8))}")
            elif r["change"] == "added":
                lines.append(f"  - added: \"{quoted(r['new'])}\"")
            else:
                lines.append(f"  - removed: \"{quoted(r['old'])}\"")
        if len(mine) > SUMMARY_LIMITS["excerpts"]:
            lines.append(f"  - … {len(mine) - SUMMARY_LIMITS['excerpts']} more in changes.csv")
    return lines + [""]


def more(total: int, limit: int) -> list[str]:
    return [f"- … and {total - limit} more in changes.csv"] if total > limit else []


# ---------------------------------------------------------------- publishing

def diff_dir(processed_dir: Path, report_id: str, from_edition: str, to_edition: str) -> Path:
    return (
        Path(processed_dir) / check_path_part(report_id, "report id") / DIFFS_FOLDER
        / f"{check_path_part(from_edition, 'edition')}__{check_path_part(to_edition, 'edition')}"
    )


def publish_diff(processed_dir: Path, result: DiffResult) -> Path:
    """Write the diff folder atomically; an existing diff folder is returned unchanged."""
    final = diff_dir(processed_dir, result.report_id, result.from_edition, result.to_edition)
    if final.exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = new_staging_folder(processed_dir, f"{result.report_id}-diff")  # cleaned up by repair_store if we die
    try:
        frame = result.changes
        frame.to_csv(staging / "changes.csv", index=False)
        frame.to_parquet(staging / "changes.parquet", index=False)
        (staging / "summary.md").write_text(result.summary, encoding="utf-8")
        files = {name: {"sha256": file_sha256(staging / name), "rows": len(frame)} for name in ("changes.csv", "changes.parquet")}
        files["summary.md"] = {"sha256": file_sha256(staging / "summary.md")}
        manifest = {
            "report_id": result.report_id,
            "from_edition": result.from_edition,
            "to_edition": result.to_edition,
            "from_source_sha256": result.from_manifest.get("source_sha256"),
            "to_source_sha256": result.to_manifest.get("source_sha256"),
            "pipeline_version": __version__,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rows": len(frame),
            "changes": {f"{d}.{c}": int(n) for (d, c), n in frame.groupby(["dataset", "change"]).size().items()} if len(frame) else {},
            "files": files,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a published diff is for everyone to read
        try:
            os.rename(staging, final)
        except OSError:
            if final.exists():  # another run published the same diff first: keep theirs
                shutil.rmtree(staging, ignore_errors=True)
                return final
            raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def load_published_diff(folder: Path) -> DiffResult:
    manifest = json.loads((folder / "manifest.json").read_text())
    frame = pd.read_parquet(folder / "changes.parquet")
    frame = frame.astype(object).where(frame.notna(), None)
    return DiffResult(
        manifest["report_id"], manifest["from_edition"], manifest["to_edition"],
        {"source_sha256": manifest.get("from_source_sha256")}, {"source_sha256": manifest.get("to_source_sha256")},
        frame, (folder / "summary.md").read_text(encoding="utf-8"),
    )


def diff_and_publish(processed_dir: Path, report_id: str, from_edition: str | None = None, to_edition: str | None = None) -> tuple[DiffResult, Path]:
    """What ``crsdata diff`` does: the published diff when it exists (diffs are immutable), else
    compute it and publish it."""
    processed_dir = Path(processed_dir)
    editions = report_editions(processed_dir, report_id)
    from_key, to_key = pick_editions(editions, report_id.upper(), from_edition, to_edition)
    folder = diff_dir(processed_dir, report_id.upper(), from_key, to_key)
    if (folder / "manifest.json").exists():
        return load_published_diff(folder), folder
    result = diff_editions(processed_dir, report_id, from_key, to_key)
    return result, publish_diff(processed_dir, result)


def diff_after_publish(processed_dir: Path, report_id: str, edition: str) -> Path | None:
    """After a new edition is published: diff the edition just before it -> it, and publish.
    None when the report has no earlier edition."""
    previous, _ = neighbour_editions(processed_dir, report_id, edition)
    return None if previous is None else diff_and_publish(processed_dir, report_id, previous, edition)[1]


def diff_before_next(processed_dir: Path, report_id: str, edition: str) -> Path | None:
    """An older edition published after a newer one (a backfill): diff it -> the next edition."""
    _, following = neighbour_editions(processed_dir, report_id, edition)
    return None if following is None else diff_and_publish(processed_dir, report_id, edition, following)[1]


def neighbour_editions(processed_dir: Path, report_id: str, edition: str) -> tuple[str | None, str | None]:
    keys = list(report_editions(Path(processed_dir), report_id)["edition"])
    if edition not in keys:
        raise NotFoundError(f"{report_id} {edition}", f"no such edition (published: {', '.join(keys)})")
    position = keys.index(edition)
    previous = keys[position - 1] if position > 0 else None
    following = keys[position + 1] if position + 1 < len(keys) else None
    return previous, following


# ---------------------------------------------------------------- output formats and the flow

TABLE_COLUMNS = ["dataset", "change", "key", "field", "old", "new"]


def render_diff(result: DiffResult, fmt: str) -> str:
    frame = result.changes
    if fmt == "markdown":
        return result.summary
    if fmt == "json":
        return json.dumps(
            {"report_id": result.report_id, "from": result.from_edition, "to": result.to_edition, "changes": frame.to_dict(orient="records")},
            indent=2, ensure_ascii=False,
        )
    if fmt == "html":
        title = f"{result.report_id}: {result.from_edition} -> {result.to_edition}"
        table = frame.to_html(index=False, na_rep="", escape=True, border=0)
        return f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body><h1>{title}</h1>\n{table}\n</body></html>"
    if frame.empty:
        return f"No changes between {result.from_edition} and {result.to_edition}."
    shown = frame[TABLE_COLUMNS].fillna("")
    return shown.to_string(index=False, max_colwidth=50)


def diff_flow(processed_dir: str, report_id: str, from_edition: str | None = None, to_edition: str | None = None) -> str:
    """The diff as a Prefect flow run (Prefect is imported only when the flow is used)."""
    import flows.prefect_env  # noqa: F401  (settings before prefect is imported)
    from prefect import flow

    @flow(name="crsdata-diff", log_prints=False, validate_parameters=False)
    def run_diff(processed_dir: str, report_id: str, from_edition: str | None, to_edition: str | None) -> str:
        return str(diff_and_publish(Path(processed_dir), report_id, from_edition, to_edition)[1])

    return run_diff(processed_dir, report_id, from_edition, to_edition)
