"""Tidy cells of trade tables -> ``trade_flows`` rows (reporter, partner, flow, year, value in USD).

A table counts as a trade table when its caption, units note or headers speak of trade, imports,
exports or a trade balance. Each numeric cell then needs, from its row label, column label or the
caption, exactly one flow, one partner, one year and a dollar unit; a cell missing any of them (or
with two candidates) yields no row: a wrong row is worse than a missing one.
"""
from __future__ import annotations

import re

from extractors.facts.countries import name_to_country, text_to_countries

REPORTER = "United States"
TRADE_WORDS_RE = re.compile(r"\btrade\b|\bimports?\b|\bexports?\b|\btrade balance\b", re.I)
FLOW_PATTERNS = (
    ("imports", re.compile(r"\bimports?\b", re.I)),
    ("exports", re.compile(r"\bexports?\b", re.I)),
    ("balance", re.compile(r"\b(?:trade )?balance\b", re.I)),
    ("total", re.compile(r"\btotal trade\b|^total$", re.I)),
)
FLOWS = tuple(flow for flow, _ in FLOW_PATTERNS)
YEAR_RE = re.compile(r"(?<!\d)(?:FY|CY)?((?:19|20)\d\d)(?!\d)")
YEAR_RANGE_RE = re.compile(r"(?:19|20)\d\d\s*[-\u2013\u2014]\s*(?:(?:19|20)\d\d|\d\d)\b|through|to (?:19|20)\d\d", re.I)
SCALES = {"USD": 1.0, "USD thousands": 1e3, "USD millions": 1e6, "USD billions": 1e9, "USD trillions": 1e12}
SCOPES = ("goods", "services", "goods and services")
NOT_A_PARTNER = {"total", "world", "all countries", "other", "all other", "rest of world", "subtotal"}


def text_to_flows(text: str) -> list[str]:
    return [flow for flow, pattern in FLOW_PATTERNS if pattern.search(text.strip())]


def texts_to_scope(texts: list[str]) -> str | None:
    joined = " ".join(t for t in texts if t).lower()
    goods = bool(re.search(r"\bgoods\b|\bmerchandise\b", joined))
    services = bool(re.search(r"\bservices\b", joined))
    if goods and services:
        return "goods and services"
    if goods:
        return "goods"
    if services:
        return "services"
    return None


def text_to_single_year(text: str) -> int | None:
    """The one year a text names; None for none, several, or a range ("2015-2024")."""
    if not text or YEAR_RANGE_RE.search(text):
        return None
    years = {int(y) for y in YEAR_RE.findall(text)}
    return years.pop() if len(years) == 1 else None


def is_trade_table(entry: dict, cells: list[dict]) -> bool:
    texts = [entry.get("caption") or ""] + [c["column"] for c in cells[:50]]
    return any(TRADE_WORDS_RE.search(t) for t in texts)


def cell_to_flow(cell: dict) -> str | None:
    """The flow named by the column, else by the row, else by the caption; it must be unambiguous."""
    for text in (cell["column"], cell["row"], cell["caption"] or ""):
        flows = text_to_flows(text)
        if len(flows) == 1:
            return flows[0]
        if len(flows) > 1:
            return None
    return None


def cell_to_partner_and_product(cell: dict) -> tuple[str | None, str | None]:
    """Partner from the row or column label when it is a country; otherwise the one partner the
    caption names, and then a non-country row label is the product."""
    for label in (cell["row"], cell["column"]):
        last = label.split(" / ")[-1]
        country = name_to_country(last)
        if country and country != REPORTER:
            return country, None
        if last.strip().lower() in NOT_A_PARTNER:
            return None, None
    partners = [c for c in text_to_countries(cell["caption"] or "") if c != REPORTER]
    if len(partners) != 1:
        return None, None
    row = cell["row"].strip()
    is_product = bool(row) and text_to_single_year(row) is None and not text_to_flows(row)
    return partners[0], (row if is_product else None)


def cell_to_year(cell: dict) -> int | None:
    for text in (cell["column"], cell["row"]):
        year = text_to_single_year(text)
        if year:
            return year
    return text_to_single_year(cell["caption"] or "")


def cells_to_trade_flows(cells: list[dict], table_index: list[dict]) -> list[dict]:
    cells_by_table: dict[str, list[dict]] = {}
    for cell in cells:
        cells_by_table.setdefault(cell["table_id"], []).append(cell)
    rows: list[dict] = []
    for entry in table_index:
        table_cells = cells_by_table.get(entry["table_id"], [])
        if entry["kind"] != "table" or not table_cells or not is_trade_table(entry, table_cells):
            continue
        rows.extend(table_cells_to_trade_flows(entry, table_cells))
    return rows


def table_cells_to_trade_flows(entry: dict, table_cells: list[dict]) -> list[dict]:
    units_texts = [entry.get("caption") or ""] + [c["column"] for c in table_cells] + [entry.get("units_note") or ""]
    rows: list[dict] = []
    for cell in table_cells:
        if cell["number"] is None or cell["unit"] not in SCALES:
            continue
        flow = cell_to_flow(cell)
        partner, product = cell_to_partner_and_product(cell)
        year = cell_to_year(cell)
        if flow is None or partner is None or year is None:
            continue
        scope = texts_to_scope(units_texts)
        rows.append(
            {
                "reporter": REPORTER,
                "partner": partner,
                "flow": flow,
                "year": year,
                "value": cell["number"] * SCALES[cell["unit"]],
                "unit": "USD",
                "scope": scope,
                "product": product,
                "table_id": cell["table_id"],
            }
        )
    return rows
