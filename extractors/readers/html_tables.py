"""HTML ``<table>`` -> ``RawTable`` (a data table), ``FigureRef`` (a layout table framing an image
with a "Figure N." caption) or None (a layout table with neither)."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from extractors.model import FigureRef, RawTable
from extractors.readers.text_tables import clean_cell_text, is_numeric_cell
from extractors.patterns import CAPTION_LABEL, SOURCE_LABEL

CAPTION_RE = re.compile(rf"^{CAPTION_LABEL}\s")
SOURCE_RE = re.compile(rf"^{SOURCE_LABEL}\s*:\s*", re.I)
UNITS_LINE_RE = re.compile(r"^\(?(?:in\s+)?(?:millions|billions|thousands|trillions|current|constant|U\.S\. \$|\$|percent)", re.I)


def element_to_text(element: Tag) -> str:
    return clean_cell_text(element.get_text(" "))


def table_element_to_grid(table: Tag) -> tuple[list[list[str]], int]:
    """Expand rowspan/colspan into a full grid (a spanned cell's text repeats in every slot it
    covers, so multi-level headers label each column) and count the leading ``<th>`` rows."""
    grid: dict[tuple[int, int], str] = {}
    header_rows = 0
    counting_headers = True
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for r, tr in enumerate(rows):
        cells = tr.find_all(["td", "th"], recursive=False)
        if counting_headers and cells and all(c.name == "th" for c in cells):
            header_rows += 1
        else:
            counting_headers = False
        c = 0
        for cell in cells:
            while (r, c) in grid:
                c += 1
            rowspan = max(1, int(cell.get("rowspan", 1) or 1))
            colspan = max(1, int(cell.get("colspan", 1) or 1))
            text = element_to_text(cell)
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = text
            c += colspan
    if not grid:
        return [], 0
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)], header_rows


def is_figure_frame(table: Tag) -> bool:
    return table.find("img") is not None or table.find("svg") is not None


def figure_frame_to_figure(table: Tag) -> FigureRef | None:
    """The caption and source note printed in the frame around an image."""
    texts = [element_to_text(p) for p in table.find_all(["p", "td", "th", "caption"]) if not p.find(["p", "td"])]
    texts = [t for t in texts if t]
    caption = next((t for t in texts if CAPTION_RE.match(t)), None)
    if caption is None:
        return None
    source = next((SOURCE_RE.sub("", t, count=1) for t in texts if SOURCE_RE.match(t) and t.lower().startswith("source")), None)
    return FigureRef(caption=caption, source_note=source or None)


def grid_to_caption_and_notes(
    grid: list[list[str]], header_rows: int
) -> tuple[list[list[str]], int, str | None, str | None, str | None]:
    """CRS web tables often print the caption, units line and source inside the table as
    single-cell full-width rows: lift them out of the grid (and out of the header count)."""
    caption = units = source = None
    kept: list[list[str]] = []
    kept_headers = 0
    for index, row in enumerate(grid):
        distinct = {c for c in row if c}
        if len(distinct) == 1:
            text = distinct.pop()
            if CAPTION_RE.match(text) and caption is None:
                caption = text
                continue
            if SOURCE_RE.match(text):
                if text.lower().startswith("source"):
                    source = SOURCE_RE.sub("", text, count=1)
                continue
            if UNITS_LINE_RE.match(text) and len(text) < 100 and units is None:
                units = text
                continue
        kept.append(row)
        kept_headers += index < header_rows
    return kept, kept_headers, caption, units, source


def html_table_to_table(table_element: Tag | str) -> RawTable | FigureRef | None:
    if isinstance(table_element, str):
        table_element = BeautifulSoup(table_element, "lxml").find("table")
        if table_element is None:
            return None
    if is_figure_frame(table_element):
        return figure_frame_to_figure(table_element)
    grid, th_rows = table_element_to_grid(table_element)
    grid, th_rows, caption, units, source = grid_to_caption_and_notes(grid, th_rows)
    th_rows -= sum(not any(row) for row in grid[:th_rows])
    grid = [row for row in grid if any(row)]
    if len(grid) < 2 or len(grid[0]) < 2:
        return None
    has_data = any(is_numeric_cell(c) for row in grid[1:] for c in row[1:] if c)
    if not has_data and th_rows == 0:
        return None  # a layout table of prose, not data
    caption_tag = table_element.find("caption")
    if caption is None and caption_tag is not None:
        caption = element_to_text(caption_tag) or None
    return RawTable(
        rows=tuple(tuple(r) for r in grid),
        header_rows=th_rows if th_rows else 1,
        caption=caption,
        units_note=units,
        source_note=source,
        method="html",
    )
