"""Tables printed as text -> ``RawTable``: tab-separated blocks (the seed) and markdown pipe tables.

Both are pure functions of the table's lines; the caller (``text_to_document``) finds the block and
the caption above it.
"""
from __future__ import annotations

import re

from extractors.model import RawTable

MARKUP_TAG_RE = re.compile(r"</?(?:b|strong|i|em|u|sup|sub|span|a)\b[^>]*>", re.I)
LINK_RE = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
SEPARATOR_CELL_RE = re.compile(r"^:?-{3,}:?$")
# a cell made only of digits, money, percent or dashes: data, never a header
NUMERIC_CELL_RE = re.compile(r"^[+\-\u2212(]?\$?\s?[\d.,]+%?\)?[a-z*]?$|^[\u2014\u2013-]$")
AMOUNT_IN_CELL_RE = re.compile(r"\$\s?\d|\d\s?%|\d\s(?:thousand|million|billion|trillion)\b")
# "Goods and Services; U.S. $ billions", "(in millions of dollars)", "In Millions of Dollars"
UNITS_TEXT_RE = re.compile(
    r"(?:\$|dollars?\b|percent\b|billions?\b|millions?\b|thousands?\b|trillions?\b)", re.I
)


def clean_cell_text(text: str) -> str:
    """Markup is emphasis, not data: drop tags, bold markers and escapes, fold whitespace."""
    text = LINK_RE.sub(r"\1", text)
    text = MARKUP_TAG_RE.sub("", text)
    text = text.replace("**", "").replace("\\$", "$").replace("\\_", "_").replace("\\*", "*")
    text = text.replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def is_numeric_cell(text: str) -> bool:
    return bool(NUMERIC_CELL_RE.match(text.replace(" ", "")))


def holds_amount(text: str) -> bool:
    """An amount somewhere in the cell ("$3$4$5", stacked values glued by the web rendering of
    IN12317's Table 1; "42.38 million in an average month"): data, never a column header."""
    return bool(AMOUNT_IN_CELL_RE.search(text))


def looks_like_units_note(text: str) -> bool:
    return bool(text) and not is_numeric_cell(text) and bool(UNITS_TEXT_RE.search(text)) and len(text) < 120


def strip_trailing_empty(cells: list[str]) -> list[str]:
    while cells and cells[-1] == "":
        cells = cells[:-1]
    return cells


def is_year_header(cells: list[str]) -> bool:
    """A header row of years ("| | 2015 | 2016 |", "| Office | 2018 | 2019 |" in R48725) is
    numeric but still a header; the stub cell may name the row labels."""
    values = [c for c in cells[1:] if c]
    return len(values) >= 2 and all(re.fullmatch(r"(?:FY)?(?:19|20)\d\d", c) for c in values)


def pad_rows(rows: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    width = max((len(r) for r in rows), default=0)
    return tuple(tuple(r + [""] * (width - len(r))) for r in rows)


def tsv_block_to_table(lines: list[str], caption: str | None, source_note: str | None) -> RawTable:
    """A tab-separated block: first line is the header (an empty top-left cell), then data rows.

    A cell past the header's width that is not numeric ("Goods and Services; U.S. $ billions"
    trailing the last row) is the table's units note, not data.
    """
    split = [[clean_cell_text(c) for c in line.rstrip("\n").split("\t")] for line in lines if line.strip()]
    # a trailing tab leaves an empty last cell: it is not a column
    split = [strip_trailing_empty(r) for r in split]
    if not split:
        return RawTable(rows=(), header_rows=0, caption=caption, source_note=source_note, method="tsv")
    header = split[0]
    body_widths = [len(r) for r in split[1:]]
    if body_widths:
        typical = max(set(body_widths), key=lambda w: (body_widths.count(w), -w))
        if len(header) == typical - 1 and header and header[0]:
            # the header's empty top-left cell was lost when the block was stripped
            header = [""] + header
    width = len(header)
    units_notes: list[str] = []
    rows: list[list[str]] = [header]
    for row in split[1:]:
        extra = [c for c in row[width:] if c]
        if any(looks_like_units_note(c) for c in extra):
            units_notes.extend(c for c in extra if looks_like_units_note(c))
            row = row[:width]
        elif extra:
            width = len(row)  # a genuinely wider data row: keep every cell, pad the rest
        rows.append(row)
    header_rows = 0 if all(is_numeric_cell(c) for c in header if c) and any(header) else 1
    return RawTable(
        rows=pad_rows(rows),
        header_rows=header_rows,
        caption=caption,
        units_note="; ".join(units_notes) or None,
        source_note=source_note,
        method="tsv",
    )


def pipe_line_to_cells(line: str, closing_pipes: bool = True) -> list[str]:
    """``| a | b |`` and ``| a | b`` (web markdown often drops the closing pipe) -> cells. In a
    table that drops its closing pipes (``closing_pipes=False``), a last pipe ends an empty cell."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if closing_pipes and text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells = re.split(r"(?<!\\)\|", text)
    return [clean_cell_text(c.replace("\\|", "|")) for c in cells]


def is_separator_row(cells: list[str]) -> bool:
    return bool(cells) and all(SEPARATOR_CELL_RE.match(c.replace(" ", "")) for c in cells if c) and any(cells)


def pipe_rows_to_header_count(rows: list[list[str]], had_separator_at: int | None) -> int:
    """Header rows: those above a ``|---|`` separator; otherwise the leading rows with no numbers
    in the value columns (web markdown renders multi-level headers as plain rows). A lower level
    exists only under a level with gaps (a spanning label leaves the cells it spans empty, an upper
    level leaves the stub empty, R48906 Table 1): a first row that labels every column is the
    whole header (R47438 Table 1, a table of text)."""
    if had_separator_at is not None:
        return had_separator_at
    count = 0
    width = max(len(r) for r in rows)
    for index, row in enumerate(rows):
        if index == 0 and is_year_header(row) and len(rows) > 1:
            count = 1
            continue
        above = rows[index - 1] if index else None
        if above is not None and len(above) == width and all(above):
            break
        values = [c for c in row[1:] if c]
        if not values or any(is_numeric_cell(c) or holds_amount(c) for c in values) or any(is_numeric_cell(c) for c in row[:1] if c):
            break
        count += 1
    # a table of text only: its first row is the header; never call every row a header
    return count if count < len(rows) else 1


# "Amount($ millions)", "Annual Average(FY2022-FY2026)": a header the PDF prints on two lines
# ("Amount" / "($ millions)"), whose line break the web rendering dropped with no space (R47194)
LOST_BREAK_RE = re.compile(r"(?<=[a-z])\((?=[$A-Z0-9])")


def header_rows_with_lost_breaks(rows: list[list[str]], header_rows: int) -> list[list[str]]:
    return [[LOST_BREAK_RE.sub(" (", c) for c in row] for row in rows[:header_rows]] + rows[header_rows:]


def spread_upper_header_levels(rows: list[list[str]], header_rows: int) -> list[list[str]]:
    """Web markdown drops colspans: an upper header level prints one cell per group ("| Fiscal Year
    | SSA Total Staff on Duty | ... |" over "| | SSA Data | OPM Data | ... |", R48725 Table A-1).
    Leading columns without a label below take one upper label each ("All Bridges (number)" over
    an empty cell, R47194 Table A-1); when the rest of the level below has exactly k times as many
    labels as the upper labels left, each of those spans k columns."""
    out = [list(r) for r in rows]
    for level in range(header_rows - 1, 0, -1):
        upper, lower = out[level - 1], out[level]
        k, rest = divmod(len(lower), len(upper))
        if all(upper) and all(lower) and k >= 2 and rest == 0:
            # every column, the stub too, is under one of the upper labels ("House Committee
            # Directives | Senate Committee Directives" over three columns each, R48917 Table 2)
            out[level - 1] = [label for label in upper for _ in range(k)]
            continue
        upper_values = [c for c in upper[1:] if c]
        lower_cells = lower[1:]
        single = next((i for i, c in enumerate(lower_cells) if c), len(lower_cells))
        spanned, spanning = lower_cells[single:], upper_values[single:]
        if not upper_values or len(upper_values) != len(upper) - 1 or not spanning or not all(spanned):
            continue  # gaps already place the upper labels, or the lower level has gaps of its own
        k, rest = divmod(len(spanned), len(spanning))
        if k >= 2 and rest == 0:
            out[level - 1] = upper[:1] + upper_values[:single] + [label for label in spanning for _ in range(k)]
    return [spread_lone_label_over_dropped_cells(row, len(rows[-1])) for row in out[:header_rows - 1]] + out[header_rows - 1:]


def spread_lone_label_over_dropped_cells(row: list[str], width: int) -> list[str]:
    """An upper header row with fewer cells than the table and one label: the missing cells are
    that label's colspan, dropped by the rendering, so the label spans them ("| | | | |
    FY2025-FY2026 Request" over "Dollar Change | Percentage Change", R48694 Table 2; "| | FY2025 |
    | | |" over "Estimate | Enacted | FY2026 Request | ...", R48694 Table 9)."""
    labels = [i for i, c in enumerate(row) if c]
    if len(row) >= width or len(row) < 2 or row[0] or len(labels) != 1:
        return row
    at = labels[0]
    return row[:at + 1] + [row[at]] * (width - len(row)) + row[at + 1:]


def short_rows_by_group(rows: list[list[str]], header_rows: int) -> list[list[str]]:
    """A table whose top header level splits every column into equal groups ("House Committee
    Directives | Senate Committee Directives", three columns each): a body row short of cells by
    the same count in each group lost one colspan per group, so its cells go group by group, from
    each group's first column ("| Maximum Deficit Increase | $140 billion | Maximum Deficit
    Increase | $140 billion", R48917 Table 2, as the PDF rules it)."""
    if header_rows < 2 or not rows:
        return rows
    top, width = rows[0], len(rows[header_rows - 1])
    starts = [i for i, label in enumerate(top) if label and (i == 0 or top[i - 1] != label)]
    k = width // len(starts) if starts else 0
    if len(starts) < 2 or len(top) != width or starts != list(range(0, width, k)) or not all(top):
        return rows
    out = rows[:header_rows]
    for row in rows[header_rows:]:
        per_group, rest = divmod(len(row), len(starts))
        if len(row) >= width or rest or not 0 < per_group < k:
            out.append(row)
            continue
        out.append([c for g in range(len(starts)) for c in row[g * per_group:(g + 1) * per_group] + [""] * (k - per_group)])
    return out


def pipe_table_to_table(lines: list[str], caption: str | None) -> RawTable | None:
    """Markdown pipe table -> RawTable; None when the block is not a data table (a figure
    placeholder or a one-column list such as a caption box)."""
    rows: list[list[str]] = []
    separator_at: int | None = None
    # a row ending without a pipe: the rendering drops closing pipes, so a row printed "| | FY2025
    # | | | | " keeps its empty last cell (R48694 Table 9)
    closing_pipes = all(l.strip().endswith("|") for l in lines if l.strip().startswith("|"))
    for line in lines:
        if not line.strip().startswith("|"):
            # web markdown breaks a long cell onto a bare line: it continues the row's last cell
            if line.strip() and rows:
                # ... and may carry the row's next cells after a pipe
                first, *more = pipe_line_to_cells("|" + line)
                rows[-1][-1] = clean_cell_text(rows[-1][-1] + " " + first)
                rows[-1].extend(more)
            continue
        cells = pipe_line_to_cells(line, closing_pipes)
        if is_separator_row(cells):
            separator_at = len(rows) if separator_at is None else separator_at
            continue
        rows.append(cells)
    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) < 2 or max(len(r) for r in rows) < 2:
        return None
    if rows[0] and rows[0][0].lower().startswith(("figure ", "table ")) and len(rows[0]) <= 2:
        return None  # a figure box rendered with pipes: caption, image, source
    header_rows = pipe_rows_to_header_count(rows, separator_at)
    return RawTable(
        rows=pad_rows(short_rows_by_group(spread_upper_header_levels(header_rows_with_lost_breaks(rows, header_rows), header_rows), header_rows)),
        header_rows=header_rows,
        caption=caption,
        method="markdown",
    )
