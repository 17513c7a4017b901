"""Table, cell and trade-flow changes: tables matched by caption stem, cells by (caption, row, column)."""
from __future__ import annotations

import math
import re

from extractors.diff.comparable_text import CAPTION_NUMBER_RE, YEAR_IN_CAPTION_RE, show, text_to_comparable
from extractors.diff.editions import EditionData, change


def caption_to_stem(caption: str | None) -> str:
    """'Figure 1. Top U.S. Trade Partners, 2023' -> 'topustradepartners' (no number, no year)."""
    text = CAPTION_NUMBER_RE.sub("", caption or "")
    return text_to_comparable(YEAR_IN_CAPTION_RE.sub("", text))


def caption_years(caption: str | None) -> list[str]:
    return [m.group() for m in YEAR_IN_CAPTION_RE.finditer(CAPTION_NUMBER_RE.sub("", caption or ""))]


def match_tables(old_tables: list[dict], new_tables: list[dict]) -> list[tuple[dict, dict]]:
    pairs, used = [], set()
    for a in old_tables:
        stem = caption_to_stem(a.get("caption"))
        for index, b in enumerate(new_tables):
            if index in used:
                continue
            if (stem and stem == caption_to_stem(b.get("caption"))) or (not stem and not caption_to_stem(b.get("caption")) and a.get("table_id") == b.get("table_id")):
                pairs.append((a, b))
                used.add(index)
                break
    return pairs


def table_label(table: dict) -> str:
    """The caption without its number and year: the same label in every edition."""
    caption = YEAR_IN_CAPTION_RE.sub("", CAPTION_NUMBER_RE.sub("", table.get("caption") or ""))
    caption = re.sub(r"\s{2,}", " ", caption).strip(" ,;:.-\u2013")
    return caption or f"table {table.get('table_id')}"


def cell_value_key(cell: dict) -> str:
    """Numbers compare as numbers (a footnote letter is no change), text in comparable form."""
    if cell.get("number") is not None:
        return repr(float(cell["number"]))
    return text_to_comparable(cell.get("value"))


def caption_year_moves(old_years: list[str], new_years: list[str]) -> dict[str, str]:
    """A one-year snapshot ("Top partners, 2023" -> "2025") may label a column by its year; a moved
    range (FY2016-FY2025 -> FY2017-FY2026) is a window: rows come and go, nothing is renamed."""
    if len(old_years) == len(new_years) == 1 and old_years[0].isdigit() and new_years[0].isdigit():
        return {old_years[0]: new_years[0]}
    return {}


def cells_by_key(old_cells: list[dict], new_cells: list[dict], year_moves: dict[str, str]) -> tuple[dict, dict]:
    """The cells of two matched tables keyed on comparable (row, column), the old side's moved
    table year renamed to the new one; the key both sides share is the same cell."""
    def key(cell: dict) -> tuple[str, str]:
        row, column = cell.get("row") or "", cell.get("column") or ""
        for old_year, new_year in year_moves.items():
            row, column = row.replace(old_year, new_year), column.replace(old_year, new_year)
        return text_to_comparable(row), text_to_comparable(column)

    old_by_key = {key(c): c for c in old_cells}
    new_by_key = {(text_to_comparable(c.get("row")), text_to_comparable(c.get("column"))): c for c in new_cells}
    return old_by_key, new_by_key


def cells_to_changes(a: dict, b: dict, old_cells: list[dict], new_cells: list[dict], year_moves: dict[str, str]) -> list[dict]:
    label = table_label(b)
    old_by_key, new_by_key = cells_by_key(old_cells, new_cells, year_moves)
    rows = []
    for k, c in old_by_key.items():
        d = new_by_key.get(k)
        name = f"{label} / {c.get('row')} / {c.get('column')}"
        if d is None:
            rows.append(change("table_cells", "removed", name, "value", c.get("value"), None, a.get("caption"), None, label))
        elif cell_value_key(c) != cell_value_key(d):
            rows.append(change("table_cells", "changed", f"{label} / {d.get('row')} / {d.get('column')}", "value", c.get("value"), d.get("value"), a.get("caption"), b.get("caption"), label))
    for k, d in new_by_key.items():
        if k not in old_by_key:
            rows.append(change("table_cells", "added", f"{label} / {d.get('row')} / {d.get('column')}", "value", None, d.get("value"), None, b.get("caption"), label))
    return rows


def tables_to_changes(old: EditionData, new: EditionData) -> tuple[list[dict], set[str], set[str]]:
    """Rows for tables and their cells; also the table ids (old, new) whose cells were comparable,
    so trade flows are compared only where the data exists on both sides."""
    old_tables, new_tables = old.records("tables"), new.records("tables")
    old_cells, new_cells = old.records("table_cells"), new.records("table_cells")
    pairs = match_tables(old_tables, new_tables)
    rows: list[dict] = []
    comparable_old, comparable_new = set(), set()
    for a, b in pairs:
        label = table_label(b)
        old_years, new_years = caption_years(a.get("caption")), caption_years(b.get("caption"))
        year_moves = {}
        if old_years != new_years:
            rows.append(change("tables", "changed", label, "year", ", ".join(old_years) or None, ", ".join(new_years) or None, a.get("caption"), b.get("caption"), label))
            year_moves = caption_year_moves(old_years, new_years)
        a_cells = [c for c in old_cells if c.get("table_id") == a.get("table_id")]
        b_cells = [c for c in new_cells if c.get("table_id") == b.get("table_id")]
        if a_cells and b_cells:
            comparable_old.add(a["table_id"])
            comparable_new.add(b["table_id"])
            rows.extend(cells_to_changes(a, b, a_cells, b_cells, year_moves))
        elif a_cells or b_cells:
            # printed as an image on one side: its numbers cannot be compared, say so once
            rows.append(change("tables", "changed", label, "data",
                               f"{len(a_cells)} cells" if a_cells else "image only (no data)",
                               f"{len(b_cells)} cells" if b_cells else "image only (no data)", a.get("caption"), b.get("caption"), label))
    matched_old = {id(a) for a, _ in pairs}
    matched_new = {id(b) for _, b in pairs}
    for a in old_tables:
        if id(a) not in matched_old:
            rows.append(change("tables", "removed", table_label(a), "caption", a.get("caption"), None, a.get("caption"), None, table_label(a)))
    for b in new_tables:
        if id(b) not in matched_new:
            rows.append(change("tables", "added", table_label(b), "caption", None, b.get("caption"), None, b.get("caption"), table_label(b)))
    return rows, comparable_old, comparable_new


def trade_flows_to_changes(old: EditionData, new: EditionData, comparable_old: set[str], comparable_new: set[str]) -> list[dict]:
    def key(flow: dict) -> tuple:
        return (flow.get("partner"), flow.get("flow"), flow.get("year"), flow.get("scope"), flow.get("product"))

    def name(flow: dict) -> str:
        parts = [flow.get("partner"), flow.get("flow"), show(flow.get("year")), flow.get("scope"), flow.get("product")]
        return " / ".join(p for p in parts if p)

    old_by_key = {key(f): f for f in old.records("trade_flows") if f.get("table_id") in comparable_old}
    new_by_key = {key(f): f for f in new.records("trade_flows") if f.get("table_id") in comparable_new}
    rows = []
    for k, f in old_by_key.items():
        g = new_by_key.get(k)
        if g is None:
            rows.append(change("trade_flows", "removed", name(f), "value", f.get("value"), None))
        elif not math.isclose(f.get("value") or 0.0, g.get("value") or 0.0, rel_tol=1e-9):
            rows.append(change("trade_flows", "changed", name(f), "value", f.get("value"), g.get("value")))
    for k, g in new_by_key.items():
        if k not in old_by_key:
            rows.append(change("trade_flows", "added", name(g), "value", None, g.get("value")))
    return rows
