"""What ``crsdata history`` shows: a report's fact timelines as text, CSV, JSON or small charts.

Values in (a ``flows.changes.history.History``), text or a matplotlib Figure out; only ``write_output``
touches the disk.
"""
from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd

from extractors.diff.comparable_text import frame_to_records
from extractors.facts.fact_identity import STATUSES
from flows.errors import CrsdataError
from flows.changes.history import History, history_name
from flows.store.raw_store import write_atomically

SEARCH_COLUMNS = {
    "figures": ("label", "text", "subject", "sentence"),
    "table_cells": ("label", "caption", "row", "column", "text"),
}
CHART_COLUMNS = 3


class NothingToChartError(CrsdataError):
    """No selected fact's value moved between editions."""


def select_facts(frame: pd.DataFrame, dataset: str, search: str | None = None, changed_only: bool = False) -> pd.DataFrame:
    """Every row of the facts that match: ``search`` (case-insensitive) in any edition's label,
    text or sentence (caption, row, column for cells); ``changed_only``: changed at least once."""
    keep = pd.Series(True, index=frame.index)
    if search:
        hit = pd.Series(False, index=frame.index)
        for column in SEARCH_COLUMNS[dataset]:
            hit |= frame[column].fillna("").astype(str).str.contains(search, case=False, regex=False)
        keep &= frame["fact_id"].isin(frame.loc[hit, "fact_id"])
    if changed_only:
        keep &= frame["fact_id"].isin(frame.loc[frame["status"] == "changed", "fact_id"])
    return frame[keep].reset_index(drop=True)


def edition_counts(history: History, dataset: str) -> pd.DataFrame:
    """Per edition, oldest first: how many facts were new, same, changed, dropped."""
    frame = history.frames[dataset]
    counts = frame.groupby(["edition", "status"]).size().unstack(fill_value=0) if len(frame) else pd.DataFrame()
    counts = counts.reindex(index=list(history.editions["edition"]), columns=list(STATUSES), fill_value=0).fillna(0).astype(int)
    counts.insert(0, "date", list(history.editions["date"]))
    return counts.rename_axis("edition").reset_index()


def editions_summary(history: History) -> str:
    """The edition list of the report with, per dataset, facts new / changed / dropped."""
    merged = None
    for dataset in history.frames:
        counts = edition_counts(history, dataset)
        prefix = "fig" if dataset == "figures" else "cell"
        counts = counts.rename(columns={s: f"{prefix}_{s}" for s in STATUSES})
        merged = counts if merged is None else merged.merge(counts, on=["edition", "date"])
    return f"{history.report_id}: {len(merged)} edition(s), facts per status (fig = figures, cell = table cells)\n" + merged.to_string(index=False)


def excerpt(sentence, text, width: int = 90) -> str:
    """The part of the sentence around the figure, at most ``width`` characters."""
    sentence = " ".join(str(sentence or "").split())
    if len(sentence) <= width:
        return sentence
    at = max(sentence.find(str(text or "")), 0)
    start = max(0, min(at - width // 3, len(sentence) - width))
    piece = sentence[start:start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(sentence) else "")


def show_value(row: dict) -> str:
    if row["status"] == "dropped":
        return "-"
    return str(row["text"]) if row.get("text") not in (None, "") else "(empty cell)"


def fact_lines(rows: list[dict], dataset: str) -> list[str]:
    first = rows[0]
    lines = [f"{first['label']}  [{first['fact_id']}]"]
    width = max(len(str(r["edition"])) for r in rows)
    for row in rows:
        where = excerpt(row.get("sentence"), row.get("text")) if dataset == "figures" else (row.get("caption") or "")
        value = show_value(row)
        value = value if len(value) <= 40 else value[:39] + "…"
        lines.append(f"  {row['edition']:<{width}}  {row['status']:<7}  {value:<24}  {where if row['status'] != 'dropped' else ''}".rstrip())
    return lines


def history_to_table(history: History, dataset: str, selected: pd.DataFrame, search: str | None = None) -> str:
    """Per-edition counts, then each selected fact's timeline, oldest edition first."""
    total = history.frames[dataset]["fact_id"].nunique()
    facts = selected["fact_id"].nunique()
    said = f"{facts} of {total} facts" + (f" matching {search!r}" if search else "")
    lines = [f"{history.report_id} {dataset}: {said}, {len(history.editions)} edition(s)", ""]
    lines += ["Per edition (all facts):"] + ["  " + line for line in edition_counts(history, dataset).to_string(index=False).splitlines()] + [""]
    for _, group in selected.groupby("fact_id", sort=False):
        lines += fact_lines(frame_to_records(group), dataset) + [""]
    if not facts:
        lines.append("No fact matches.")
    return "\n".join(lines).rstrip() + "\n"


def moved_facts(selected: pd.DataFrame) -> list[pd.DataFrame]:
    """The facts whose value is not the same number in every edition that prints it."""
    groups = []
    for _, group in selected.groupby("fact_id", sort=False):
        if group["value"].dropna().nunique() > 1:
            groups.append(group)
    return groups


def history_to_chart(history: History, dataset: str, selected: pd.DataFrame):
    """One small chart per fact whose value moved: value over edition date, each point labelled
    with its edition. A matplotlib Figure (Agg canvas: no display needed)."""
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    groups = moved_facts(selected)
    if not groups:
        raise NothingToChartError(history.report_id, f"no {dataset} fact's value moved between editions: nothing to chart")
    columns = min(CHART_COLUMNS, len(groups))
    rows = math.ceil(len(groups) / columns)
    figure = Figure(figsize=(4.2 * columns, 2.9 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, group in zip(axes, groups):
        printed = group[group["value"].notna()]
        dates = pd.to_datetime(printed["date"])
        ax.plot(dates, printed["value"], marker="o")
        for date, value, edition, text in zip(dates, printed["value"], printed["edition"], printed["text"]):
            ax.annotate(f"{text}\n{edition}", (date, value), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
        locator = mdates.AutoDateLocator(minticks=2, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        unit = group["unit"].dropna().iloc[0] if group["unit"].notna().any() else ""
        label = str(group["label"].iloc[0])
        ax.set_title((label if len(label) <= 48 else label[:47] + "…") + (f" ({unit})" if unit else ""), fontsize=8)
        ax.tick_params(labelsize=7)
        ax.margins(x=0.2, y=0.35)
    for ax in axes[len(groups):]:
        ax.remove()
    figure.suptitle(f"{history.report_id}: {history_name(dataset)}", fontsize=10)
    return figure


def render_history(history: History, dataset: str, fmt: str, search: str | None = None, changed_only: bool = False) -> bytes:
    """The selected facts as table, csv, json or png, as bytes to print or to write."""
    selected = select_facts(history.frames[dataset], dataset, search, changed_only)
    if fmt == "png":
        buffer = io.BytesIO()
        history_to_chart(history, dataset, selected).savefig(buffer, format="png", dpi=110)
        return buffer.getvalue()
    if fmt == "csv":
        return selected.to_csv(index=False).encode("utf-8")
    if fmt == "json":
        return (json.dumps(frame_to_records(selected), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return history_to_table(history, dataset, selected, search).encode("utf-8")


def write_output(data: bytes, target: Path) -> Path:
    """Write what ``render_history`` made to a file, atomically."""
    write_atomically(Path(target), data)
    Path(target).chmod(0o644)
    return Path(target)
