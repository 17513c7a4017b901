"""Raw tables -> tidy cells (one row per data cell) and a ``tables`` index (one row per table or figure).

A cell's row label is its row-header text (stub columns and any group-label rows above it joined with
" / "); its column label is its header text (multi-level headers joined with " / "). The value stays as
printed; ``number`` is parsed only when the whole cell is a number (with an optional footnote marker
and scale word), so "$2,385 + 12% of the amount over $23,850" keeps value text and a null number.
"""
from __future__ import annotations

import re

from extractors.model import FigureRef, RawTable

UNITS = ("USD", "USD thousands", "USD millions", "USD billions", "USD trillions", "percent")
SCALE_WORDS = {"thousand": "thousands", "million": "millions", "billion": "billions", "trillion": "trillions"}
SCALE_RE = re.compile(r"\b(thousand|million|billion|trillion)s?\b", re.I)
CURRENCY_RE = re.compile(r"\$|\bdollars?\b|\bUSD\b", re.I)
PERCENT_HEADER_RE = re.compile(r"\bpercent(?:age)?\b|%", re.I)
NULL_TEXTS = {"", "\u2014", "\u2013", "-", "--", "n/a", "na", "n.a.", "*", "x", "\u2012"}
# sign, currency, digits with thousands separators, decimals, percent, footnote marker, scale word
NUMBER_CELL_RE = re.compile(
    r"""^(?P<open>\()?\s*
    (?P<sign>[+\-\u2212\u2013])?\s*
    (?P<currency>\$)?\s*
    (?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    \s*(?P<percent>%)?
    \s*(?P<close>\))?
    (?:\s?(?P<footnote>[a-z]{1,2}|\*{1,3}|\u2020|\u2021))?
    (?:\s+(?P<scale>thousand|million|billion|trillion)s?)?
    \s*$""",
    re.X | re.I,
)
NULL_WITH_FOOTNOTE_RE = re.compile(r"^(?P<null>n/a|na|\u2014|\u2013|-)\s?(?P<footnote>[a-z]{1,2}|\*{1,3})?$", re.I)


def cell_text_to_number(text: str) -> tuple[float | None, str | None]:
    """Parse a printed cell: "$30.1" -> 30.1, "(5.2)" -> -5.2, "31%" -> 31, "$1.4a" -> (1.4, "a").

    Returns (number, footnote marker). Dashes and "n/a" are no number; prose is no number.
    """
    compact = text.strip()
    if compact.lower() in NULL_TEXTS:
        return None, None
    null_match = NULL_WITH_FOOTNOTE_RE.match(compact)
    if null_match:
        return None, null_match["footnote"]
    match = NUMBER_CELL_RE.match(compact)
    if not match or bool(match["open"]) != bool(match["close"]):
        return None, None
    # a lowercase letter glued to a number is a footnote marker; an uppercase one is not a number
    footnote = match["footnote"]
    if footnote and not (footnote.islower() or not footnote.isalpha()):
        return None, None
    number = float(match["digits"].replace(",", ""))
    if match["open"] or match["sign"] in ("-", "\u2212", "\u2013"):
        number = -number
    return number, footnote


def text_to_scale(text: str | None) -> str | None:
    if not text:
        return None
    match = SCALE_RE.search(text)
    return SCALE_WORDS[match[1].lower()] if match else None


def texts_to_unit(cell: str, column_label: str, units_note: str | None, caption: str | None) -> str | None:
    """The unit of one cell, from the most specific place that states one: the cell, its column
    header, the table's units line, the caption. Only units from ``UNITS`` are ever returned."""
    number_match = NUMBER_CELL_RE.match(cell.strip())
    if number_match and number_match["percent"]:
        return "percent"
    if PERCENT_HEADER_RE.search(column_label) and not (number_match and number_match["currency"]):
        return "percent"
    context = [column_label, units_note or "", caption or ""]
    cell_scale = number_match["scale"].lower() + "s" if number_match and number_match["scale"] else None
    scale = cell_scale or next((s for s in map(text_to_scale, context) if s), None)
    currency = bool(number_match and number_match["currency"]) or any(CURRENCY_RE.search(t) for t in context)
    if not currency:
        return None
    return f"USD {scale}" if scale else "USD"


def header_rows_to_column_labels(table: RawTable) -> list[str]:
    """One label per value column: the header rows' texts over it, joined with " / "."""
    width = max((len(r) for r in table.rows), default=0)
    labels: list[str] = []
    for col in range(table.stub_columns, width):
        parts: list[str] = []
        for row in table.rows[: table.header_rows]:
            text = row[col].strip() if col < len(row) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        labels.append(" / ".join(parts))
    value_columns = width - table.stub_columns
    if not any(labels):
        # a key-value table without headers: "value", or numbered columns when there are several
        return ["value"] if value_columns == 1 else [f"column {i + 1}" for i in range(value_columns)]
    return [label or f"column {i + 1}" for i, label in enumerate(labels)]


def body_rows_to_labelled_rows(table: RawTable) -> list[tuple[str, tuple[str, ...]]]:
    """Data rows with their row labels. A row with only stub text ("Standard Deduction:") labels the
    rows under it and is not data itself."""
    labelled: list[tuple[str, tuple[str, ...]]] = []
    group: list[str] = []
    previous_was_group = False
    for row in table.rows[table.header_rows:]:
        stub = [c.strip() for c in row[: table.stub_columns] if c.strip()]
        values = tuple(row[table.stub_columns:])
        if stub and not any(v.strip() for v in values):
            group = group + [" / ".join(stub)] if previous_was_group else [" / ".join(stub)]
            previous_was_group = True
            continue
        previous_was_group = False
        if not stub and not any(v.strip() for v in values):
            continue
        labelled.append((" / ".join(group + stub), values))
    return labelled


def unique_row_labels(labels: list[str]) -> list[str]:
    """A label printed twice in one table ("Individual" under two groups) gets " (2)", " (3)"."""
    seen: dict[str, int] = {}
    result: list[str] = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        result.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return result


def table_to_cells(table: RawTable, table_id: str) -> list[dict]:
    columns = header_rows_to_column_labels(table)
    labelled = body_rows_to_labelled_rows(table)
    row_labels = unique_row_labels([label for label, _ in labelled])
    column_labels = unique_row_labels(columns)
    cells: list[dict] = []
    for row_label, (_, values) in zip(row_labels, labelled):
        for column_label, value in zip(column_labels, values):
            value = value.strip()
            number, footnote = cell_text_to_number(value)
            cells.append(
                {
                    "table_id": table_id,
                    "caption": table.caption,
                    "row": row_label,
                    "column": column_label,
                    "value": value,
                    "number": number,
                    "unit": texts_to_unit(value, column_label, table.units_note, table.caption) if number is not None else None,
                    "footnote": footnote,
                    "source_note": table.source_note,
                    "page": table.page,
                    "method": table.method,
                }
            )
    return cells


def cells_to_table_unit(cells: list[dict]) -> str | None:
    """The table's unit when its numeric cells share one; None when mixed or absent."""
    units = {c["unit"] for c in cells if c["number"] is not None}
    return units.pop() if len(units) == 1 else None


def tables_to_cells(tables: list[RawTable], figures: list[FigureRef]) -> tuple[list[dict], list[dict]]:
    """(cells, table_index). Tables are numbered t01, t02... and figures f01, f02... in the order
    given (document order), so adding a detected figure never renumbers the tables."""
    cells: list[dict] = []
    index: list[dict] = []
    for number, table in enumerate(tables, start=1):
        table_id = f"t{number:02d}"
        table_cells = table_to_cells(table, table_id)
        cells.extend(table_cells)
        index.append(
            {
                "table_id": table_id,
                "caption": table.caption,
                "kind": "table",
                "rows": len({c["row"] for c in table_cells}),
                "columns": len({c["column"] for c in table_cells}),
                "cells": len(table_cells),
                "unit": cells_to_table_unit(table_cells),
                "units_note": table.units_note,
                "source_note": table.source_note,
                "page": table.page,
                "method": table.method,
            }
        )
    for number, figure in enumerate(figures, start=1):
        index.append(
            {
                "table_id": f"f{number:02d}",
                "caption": figure.caption,
                "kind": "figure_without_data",
                "rows": 0,
                "columns": 0,
                "cells": 0,
                "unit": None,
                "units_note": None,
                "source_note": figure.source_note,
                "page": figure.page,
                "method": "figure",
            }
        )
    return cells, index
