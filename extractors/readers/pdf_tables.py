"""Find tables (and data-free figures) on a PDF page -> ``(bbox, RawTable | None)`` regions.

CRS reports draw tables as Word tables: a caption "Table N. ..." above, an optional units line,
horizontal rules printed as thin filled rectangles that are cut at every cell border, then
"Source:" / "Notes:" below. The rule segments therefore give the column boundaries exactly, and
the rules between lines tell which lines are separate rows; words are assigned to those columns.
A page that continues a table from the page before has no caption: it starts with rule-segmented
rows right under the running header. Captioned tables without rules fall back to pdfplumber's
"text" table strategy. Only pages with a caption or multi-column rules are examined at all.

A region with no caption is kept only when it continues a table (at the top of the page) and its
cells are short: a boxed prose sidebar (IF11175 page 1) has long prose cells and is rejected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.model import RawTable

BBox = tuple[float, float, float, float]

TABLE_CAPTION_RE = re.compile(r"^Table\s+(?:[A-Z]-?)?\d+\.$")
FIGURE_CAPTION_RE = re.compile(r"^Figure\s+(?:[A-Z]-?)?\d+\.$")
CONTINUED_RE = re.compile(r"\(\s*continued\s*\)\s*$", re.I)
SOURCE_START_RE = re.compile(r"^(Sources?|Notes?)\s*:", re.I)
TOC_LEADER_RE = re.compile(r"\.{4,}")
YEAR_LABEL_RE = re.compile(r"^(?:FY|CY)?(?:19|20)\d\d$")
UNITS_LINE_RE = re.compile(
    r"(?:\bin\s+(?:thousands|millions|billions|trillions)\b|\$|\bdollars\b|\bpercent\b|\bbudget authority\b)",
    re.I,
)
# footer lines of Insights and Legal Sidebars, printed higher than the report footer band
PAGE_FURNITURE_RE = re.compile(r"^(?:Congressional Research Service(?: \d+)?|https?://crsreports\.congress\.gov\S*|[A-Z]{1,3}\d{4,5}(?: \u00b7 VERSION \d+ \u00b7 \w+)?|\d{1,3})$")
MARGIN = 60.0            # running header / footer band: rules there are page furniture
LINE_TOLERANCE = 3.0     # words whose tops differ by less than this share a line
PHRASE_GAP = 5.0         # a wider gap between words on a line separates phrases
CELL_LINE_FACTOR = 1.35  # lines closer than this x font size belong to one cell
MAX_PROSE_WORDS = 12     # a cell longer than this is prose
PARAGRAPH_WORDS = 40     # a cell longer than this is a paragraph
MAX_SOURCE_GAP = 14.0    # a wider gap ends the source/notes block


@dataclass
class Line:
    top: float
    bottom: float
    words: list[dict]

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    @property
    def x0(self) -> float:
        return min(w["x0"] for w in self.words)

    @property
    def x1(self) -> float:
        return max(w["x1"] for w in self.words)

    @property
    def size(self) -> float:
        # the largest size: a superscript footnote marker does not make a line small
        return max(w.get("size", 9.0) for w in self.words)

    @property
    def bold(self) -> bool:
        return all("bold" in str(w.get("fontname", "")).lower() for w in self.words)


@dataclass
class RuleRow:
    top: float
    segments: list[tuple[float, float]]

    @property
    def x0(self) -> float:
        return min(s[0] for s in self.segments)

    @property
    def x1(self) -> float:
        return max(s[1] for s in self.segments)


# ---------------------------------------------------------------- page geometry


def words_to_lines(words: list[dict]) -> list[Line]:
    """Group words into lines by their tops; mixed fonts on one line can differ by ~2 pt."""
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(word["top"] - lines[-1].top) < LINE_TOLERANCE:
            lines[-1].words.append(word)
            lines[-1].bottom = max(lines[-1].bottom, word["bottom"])
        else:
            lines.append(Line(word["top"], word["bottom"], [word]))
    for line in lines:
        line.words.sort(key=lambda w: w["x0"])
    return lines


def page_to_rule_rows(page) -> list[RuleRow]:
    """Thin horizontal rectangles and lines, grouped by height on the page. The tiny squares
    where a rule crosses a cell border are dropped so that each segment is one cell's width."""
    pieces = [
        (r["top"], r["x0"], r["x1"])
        for r in list(page.rects) + list(page.lines)
        if (r["bottom"] - r["top"]) <= 2.0 and (r["x1"] - r["x0"]) > 3.0
        and MARGIN < r["top"] < page.height - MARGIN
    ]
    rows: list[RuleRow] = []
    for top, x0, x1 in sorted(pieces):
        if rows and abs(top - rows[-1].top) < 2.0:
            rows[-1].segments.append((x0, x1))
        else:
            rows.append(RuleRow(top, [(x0, x1)]))
    for row in rows:
        row.segments = dedupe_segments(row.segments)
    return rows


def dedupe_segments(segments: list[tuple[float, float]]) -> list[tuple[float, float]]:
    result: list[tuple[float, float]] = []
    for x0, x1 in sorted(segments):
        if result and abs(x0 - result[-1][0]) < 1.5 and abs(x1 - result[-1][1]) < 1.5:
            continue
        result.append((x0, x1))
    return result


def line_to_word_runs(line: Line) -> list[list[dict]]:
    """Runs of words separated by ordinary spaces."""
    phrases: list[list[dict]] = []
    for word in line.words:
        if phrases and word["x0"] - phrases[-1][-1]["x1"] < PHRASE_GAP:
            phrases[-1].append(word)
        else:
            phrases.append([word])
    return phrases


def line_to_phrases(line: Line) -> list[tuple[float, float, str]]:
    """Runs of words separated by ordinary spaces: one phrase is one cell's text on that line."""
    return [(p[0]["x0"], p[-1]["x1"], " ".join(w["text"] for w in p)) for p in line_to_word_runs(line)]


def overlaps(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


# ---------------------------------------------------------------- captions and notes


def is_table_caption(line: Line) -> bool:
    words = [w["text"] for w in line.words]
    return len(words) >= 3 and bool(TABLE_CAPTION_RE.match(" ".join(words[:2]))) and not TOC_LEADER_RE.search(line.text)


def is_figure_caption(line: Line) -> bool:
    words = [w["text"] for w in line.words]
    return len(words) >= 3 and bool(FIGURE_CAPTION_RE.match(" ".join(words[:2]))) and not TOC_LEADER_RE.search(line.text)


def is_toc_entry(lines: list[Line], start: int) -> bool:
    """A "Table N." line in a list of tables: it or a line right after it has dot leaders."""
    return any(TOC_LEADER_RE.search(l.text) for l in lines[start:start + 3])


def caption_block(lines: list[Line], start: int) -> tuple[str, int]:
    """The caption and its wrapped continuation lines (same size, bold, close below)."""
    first = lines[start]
    parts = [first.text]
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.top - lines[end - 1].bottom > first.size * 0.8 or not line.bold or abs(line.size - first.size) > 0.6:
            break
        parts.append(line.text)
        end += 1
    return " ".join(parts), end


def lines_in_column(lines: list[Line], x0: float, x1: float) -> list[Line]:
    """Only the words of each line that fall in [x0, x1] (two-column pages share line tops)."""
    result: list[Line] = []
    for line in lines:
        words = [w for w in line.words if w["x0"] >= x0 - 2 and w["x1"] <= x1 + 2]
        if words:
            result.append(Line(min(w["top"] for w in words), max(w["bottom"] for w in words), words))
    return result


def source_block(lines: list[Line], start: int) -> tuple[str | None, str | None, float, int]:
    """Read "Source:" and "Notes:" paragraphs from ``start``; returns (source, notes, bottom, end)."""
    source: list[str] = []
    notes: list[str] = []
    current: list[str] | None = None
    bottom = lines[start - 1].bottom if start > 0 else 0.0
    index = start
    while index < len(lines):
        line = lines[index]
        label = SOURCE_START_RE.match(line.text)
        if label:
            current = source if label[1].lower().startswith("source") else notes
            current.append(line.text[label.end():].strip())
        elif current is not None and line.top - bottom < MAX_SOURCE_GAP and not is_table_caption(line) and not is_figure_caption(line):
            current.append(line.text)
        else:
            break
        bottom = line.bottom
        index += 1
    join = lambda parts: re.sub(r"\s+", " ", " ".join(parts)).strip() or None  # noqa: E731
    return join(source), join(notes), bottom, index


# ---------------------------------------------------------------- grid building


def rule_rows_to_columns(rule_rows: list[RuleRow]) -> list[tuple[float, float]]:
    """The rule row cut into the most cells gives the column boundaries."""
    best = max(rule_rows, key=lambda r: (len(r.segments), -r.top))
    return sorted(best.segments)


def phrase_to_columns(x0: float, x1: float, columns: list[tuple[float, float]]) -> list[int]:
    """Columns a phrase covers: the ones it overlaps by more than a few points; at least the
    column nearest its centre."""
    covered = [i for i, (c0, c1) in enumerate(columns) if overlaps(x0, x1, c0, c1) > 3.0]
    if covered:
        return covered
    centre = (x0 + x1) / 2
    return [min(range(len(columns)), key=lambda i: min(abs(centre - columns[i][0]), abs(centre - columns[i][1])))]


def header_lines_to_rows(lines: list[Line], columns: list[tuple[float, float]]) -> list[list[str]]:
    """Header lines -> header rows. A phrase spanning several columns ("FY2025-FY2026 Request")
    is a level of its own, repeated over the columns it spans; the other phrases stack, line by
    line, into the bottom level ("FY2025" over "Enacted" -> "FY2025 Enacted"). A spanning label
    wrapped onto the next line ("SSA Total Staff on" / "Duty" over the same two columns, R48725
    Table A-1) continues its label instead of starting a level."""
    span_rows: list[list[str]] = []
    leaf = [""] * len(columns)
    previous: Line | None = None
    for line in lines:
        span_row = [""] * len(columns)
        # only a line set at the cell's line spacing can continue a label; a wider gap starts a
        # level ("Statutory Marginal Income Tax Rates, 1991" over "Joint Returns", RL34498)
        wrapped = previous is not None and line.top - previous.top < CELL_LINE_FACTOR * max(line.size, previous.size)
        previous = line
        for x0, x1, text in line_to_phrases(line):
            covered = phrase_to_columns(x0, x1, columns)
            if len(covered) > 1:
                above = next((r for r in reversed(span_rows) if any(r[i] for i in covered)), None)
                if wrapped and above is not None and is_label_run(above, covered):
                    for i in covered:
                        above[i] = join_cell_lines(above[i], text)
                    continue
                for i in covered:
                    span_row[i] = (span_row[i] + " " + text).strip()
            else:
                i = covered[0]
                leaf[i] = join_cell_lines(leaf[i], text)
        if any(span_row):
            span_rows.append(span_row)
    return span_rows + [leaf] if any(leaf) else span_rows


def is_label_run(row: list[str], covered: list[int]) -> bool:
    """``row`` holds one label over exactly the columns ``covered``."""
    first, last = covered[0], covered[-1]
    label = row[first]
    return (bool(label) and all(row[i] == label for i in covered)
            and (first == 0 or row[first - 1] != label) and (last + 1 >= len(row) or row[last + 1] != label))


def line_to_cells(line: Line, columns: list[tuple[float, float]], table_x0: float, table_x1: float) -> list[str]:
    """Body line -> one text per column. A phrase crossing a column border from the stub (or alone
    on its line) is a group label ("Additional Standard Deduction for the Elderly or the Blind:")
    and goes to the stub; so does a lone phrase centred on the table ("Joint Returns")."""
    cells = [""] * len(columns)
    runs = line_to_word_runs(line)
    centre = (table_x0 + table_x1) / 2
    for run in runs:
        x0, x1, text = run[0]["x0"], run[-1]["x1"], " ".join(w["text"] for w in run)
        covered = phrase_to_columns(x0, x1, columns)
        lone_centred = len(runs) == 1 and line.bold and abs((x0 + x1) / 2 - centre) < 12 and x0 - table_x0 > 30
        if len(covered) > 1 and covered[0] > 0 and len(runs) > 1:
            # two value cells set too close to part ("... redeemable for $103.955 billion",
            # IF12255 Table 1): each word goes to the column under its centre
            for word in run:
                i = phrase_to_columns((word["x0"] + word["x1"]) / 2, (word["x0"] + word["x1"]) / 2, columns)[0]
                cells[i] = (cells[i] + " " + word["text"]).strip()
            continue
        target = 0 if len(covered) > 1 or lone_centred else covered[0]
        cells[target] = (cells[target] + " " + text).strip()
    return cells


def join_cell_lines(first: str, second: str) -> str:
    """Wrapped cell text: a line broken after a hyphen ("FY2026-" / "FY2035") joins without a space."""
    if not first or not second:
        return (first or second).strip()
    if first.endswith("-") and len(first) > 1 and first[-2].isalnum():
        return first + second
    return f"{first} {second}"


def body_lines_to_rows(
    lines: list[Line], columns: list[tuple[float, float]], rule_tops: list[float], table_x0: float, table_x1: float
) -> list[list[str]]:
    """Lines -> rows. A line joins the row above when it sits closer than a cell's line spacing and
    no rule separates them (a wrapped stub or a multi-line text cell)."""
    rows: list[list[str]] = []
    previous: Line | None = None
    row_filled: set[int] = set()
    for line in lines:
        cells = line_to_cells(line, columns, table_x0, table_x1)
        # a line filling every cell the row's first line filled starts a row of its own however
        # close it is (dense single-line rows); a wrapped row leaves some of those cells empty
        # (IF12255 Table 1: its third and fourth lines fill the stub and the summary only)
        filled = {i for i, c in enumerate(cells) if c}
        starts_row = bool(cells[0]) and any(cells[1:]) and filled >= row_filled
        ruled_off = previous is not None and any(previous.bottom - 1 <= t <= line.top + 1 for t in rule_tops)
        close = previous is not None and line.top - previous.top < CELL_LINE_FACTOR * max(line.size, previous.size)
        # a second paragraph in a value cell ("(2) Department of ...") has no row label of its own
        unlabelled = (
            previous is not None and bool(rows) and not cells[0] and bool(rows[-1][0])
            and line.top - previous.bottom < 2 * line.size
        )
        continues = bool(rows) and not ruled_off and ((close and not starts_row) or unlabelled)
        if continues:
            rows[-1] = [join_cell_lines(a, b) for a, b in zip(rows[-1], cells)]
        else:
            rows.append(cells)
            row_filled = filled
        previous = line
    return rows


def is_numeric_text(text: str) -> bool:
    return bool(re.match(r"^[+\-\u2212(]?\$?[\d.,]+%?\)?[a-z*]?$", text.replace(" ", "")))


def rows_are_prose(rows: list[list[str]]) -> bool:
    """Mostly long text cells: a boxed sidebar or a text frame, not a table."""
    cells = [c for r in rows for c in r if c]
    if not cells:
        return True
    long_cells = sum(len(c.split()) > MAX_PROSE_WORDS for c in cells)
    return long_cells * 2 >= len(cells)


def rows_are_labelled(rows: list[list[str]]) -> bool:
    """Every row has a short label in the stub and text beside it: a table of long descriptions
    (IN12680 Table 1 continued on page 2), not a box of paragraphs."""
    return bool(rows) and all(r[0] and len(r[0].split()) <= MAX_PROSE_WORDS and any(r[1:]) for r in rows)


def strip_empty_columns(rows: list[list[str]]) -> list[list[str]]:
    keep = [i for i in range(len(rows[0])) if any(r[i] for r in rows)] if rows else []
    return [[r[i] for i in keep] for r in rows]


def region_to_grid(
    lines: list[Line], rule_rows: list[RuleRow], top: float, bottom: float, x0: float, x1: float
) -> tuple[list[list[str]], int] | None:
    """Words between ``top`` and ``bottom`` -> (rows, header row count), header rows first."""
    region_rules = [r for r in rule_rows if top - 1 <= r.top <= bottom + 1 and overlaps(r.x0, r.x1, x0, x1) > 20]
    if not region_rules:
        return None
    columns = rule_rows_to_columns(region_rules)
    if len(columns) < 2:
        return None
    table_lines = [l for l in lines_in_column(lines, x0, x1) if top - 1 <= l.top and l.bottom <= bottom + 1]
    if not table_lines:
        return None
    rule_tops = [r.top for r in region_rules]
    header_lines = header_lines_above_rule(table_lines, rule_tops, columns)
    body_lines = table_lines[len(header_lines):]
    header = header_lines_to_rows(header_lines, columns) if header_lines else []
    body = body_lines_to_rows(body_lines, columns, rule_tops, x0, x1)
    rows = strip_empty_columns(header + body)
    if not rows or len(rows[0]) < 2:
        return None
    return rows, len(header)


def is_header_group(lines: list[Line], columns: list[tuple[float, float]]) -> bool:
    """Lines that read as column headers: all bold (CRS sets headers in bold; a regular-weight line
    is data or a note), no number in a value column, and labels over at least two columns (a single
    title spanning the table, "Single Returns", labels rows)."""
    if not lines or not all(line.bold for line in lines):
        return False
    for line in lines:
        for x0, x1, text in line_to_phrases(line):
            # a year over each value column is a header ("Office 2018 2019 ...", R48725 Table 1)
            if phrase_to_columns(x0, x1, columns)[0] > 0 and is_numeric_text(text) and not YEAR_LABEL_RE.match(text):
                return False
    leaf = header_lines_to_rows(lines, columns)[-1:]
    return bool(leaf) and sum(bool(c) for c in leaf[0]) >= 2


def header_lines_above_rule(lines: list[Line], rule_tops: list[float], columns: list[tuple[float, float]]) -> list[Line]:
    """The column-header lines: those above the first rule that has lines on both sides, and the
    header groups ruled off below them in turn. A header of several ruled levels ("FY2025-FY2026
    Request" over "FY2026 (Request) | Dollar Change", R48694 Tables 1 and 2) is read whole."""
    rules = sorted(rule_tops)
    for k, rule in enumerate(rules):
        above = [l for l in lines if l.bottom <= rule + 1]
        below = [l for l in lines if l.top >= rule - 1]
        if not above or not below:
            continue
        if not is_header_group(above, columns):
            return []
        header = above
        for next_rule in rules[k + 1:]:
            group = [l for l in lines if l.top >= header[-1].bottom - 1 and l not in header and l.bottom <= next_rule + 1]
            rest = [l for l in lines if l.top >= next_rule - 1]
            if not group:
                continue
            if not rest or not is_header_group(group, columns):
                break
            header = header + group
        return header
    return []


# ---------------------------------------------------------------- page -> regions


def caption_to_table_region(
    lines: list[Line], start: int, rule_rows: list[RuleRow], page_number: int, page_width: float
) -> tuple[BBox, RawTable | None] | None:
    caption_line = lines[start]
    caption, after_caption = caption_block(lines, start)
    col_x0, col_x1 = caption_to_column_range(caption_line, lines, page_width)
    below = [l for l in lines_in_column(lines[after_caption:], col_x0, col_x1)]
    end_top = next((l.top for l in below if SOURCE_START_RE.match(l.text) or is_table_caption(l) or is_figure_caption(l)), None)
    rules = [r for r in rule_rows if r.top > caption_line.bottom and (end_top is None or r.top < end_top)
             and r.x0 >= col_x0 - 2 and r.x1 <= col_x1 + 2]
    rules = drop_footnote_separators(rules)
    if not rules:
        return None
    x0, x1 = min(r.x0 for r in rules), max(r.x1 for r in rules)
    first_rule = rules[0].top
    units = " ".join(l.text for l in below if l.top < first_rule - 1 and not l.bold) or None
    if units and (len(units) > 160 or not UNITS_LINE_RE.search(units)):
        units = None
    bottom = end_top - 1 if end_top is not None else table_bottom_without_source(
        below, rules, x0, x1, footnote_separator_top(rule_rows, rules))
    grid = region_to_grid(below, rule_rows, first_rule, bottom, x0, x1)
    if grid is None:
        return None
    rows, header_rows = grid
    source = notes = None
    region_bottom = bottom
    source_start = next((i for i, l in enumerate(below) if l.top >= bottom - 1 and SOURCE_START_RE.match(l.text)), None)
    if source_start is not None:
        source, notes, region_bottom, _ = source_block(below, source_start)
    caption_text = CONTINUED_RE.sub("", caption).strip()
    table = RawTable(
        rows=tuple(tuple(r) for r in rows),
        header_rows=header_rows,
        caption=caption_text,
        units_note=units,
        source_note=source,
        notes=notes,
        page=page_number,
        method="pdfplumber-rules",
    )
    bbox = (min(x0, caption_line.x0), caption_line.top, max(x1, caption_line.x1), region_bottom)
    return bbox, table


def caption_to_column_range(caption_line: Line, lines: list[Line], page_width: float) -> tuple[float, float]:
    """The x-range a caption's table or figure may use: its half of a two-column page, else all."""
    half = page_width / 2
    if caption_line.x0 > half - 20:
        return half - 10, page_width
    if caption_line.x1 < half + 10 and is_two_column(lines, page_width):
        return 0.0, half + 10
    return 0.0, page_width


def is_two_column(lines: list[Line], page_width: float) -> bool:
    """In Focus pages: many lines that end before the middle while others start after it."""
    left = sum(l.x1 < page_width / 2 + 5 for l in lines)
    right = sum(l.x0 > page_width / 2 - 5 for l in lines)
    return left > 10 and right > 10


def is_footnote_separator(rule: RuleRow, widest: float) -> bool:
    return len(rule.segments) == 1 and rule.x1 - rule.x0 < 0.5 * widest


def drop_footnote_separators(rules: list[RuleRow]) -> list[RuleRow]:
    """The short rule above a page's footnotes is not part of a table, nor is anything after it."""
    if not rules:
        return rules
    widest = max(r.x1 - r.x0 for r in rules)
    kept: list[RuleRow] = []
    for rule in rules:
        if is_footnote_separator(rule, widest):
            break
        kept.append(rule)
    return kept


def footnote_separator_top(rule_rows: list[RuleRow], table_rules: list[RuleRow]) -> float:
    """Top of the footnote rule below the table, or infinity: page footnotes are never rows."""
    if not table_rules:
        return float("inf")
    widest = max(r.x1 - r.x0 for r in table_rules)
    below = [r.top for r in rule_rows if r.top > table_rules[-1].top and is_footnote_separator(r, widest)]
    return min(below, default=float("inf"))


def is_lead_in_label(lines: list[Line], index: int) -> bool:
    """A row label that wraps and ends in a colon ("... exceeded these amounts:"): the line or
    the closely following lines it wraps onto end with ":"."""
    for offset in range(3):
        if index + offset >= len(lines):
            return False
        line = lines[index + offset]
        if offset and line.top - lines[index + offset - 1].top >= CELL_LINE_FACTOR * line.size:
            return False
        if line.text.endswith(":"):
            return True
    return False


def table_bottom_without_source(
    below: list[Line], rules: list[RuleRow], x0: float, x1: float, limit: float = float("inf")
) -> float:
    """No "Source:" under the table on this page: the table runs to its last rule, and on to the
    page foot while the lines after that rule still look like its rows (it continues overleaf).
    A wide gap, a line outside the table, or regular-weight text running across a column border
    (prose, not a bold or "...:" group label) ends it."""
    last_rule = rules[-1].top
    columns = rule_rows_to_columns(rules)
    previous_bottom = last_rule
    accepted: list[Line] = []
    stopped_by_text = False
    for index, line in enumerate(below):
        if line.top <= last_rule:
            continue
        crosses = any(
            len(phrase_to_columns(a, b, columns)) > 1 and len(t.split()) >= 4 for a, b, t in line_to_phrases(line)
        )
        smaller = accepted and line.size < accepted[-1].size - 0.8  # footnotes at the page foot
        if (
            smaller
            or line.top > limit
            or line.x1 > x1 + 3
            or line.x0 < x0 - 3
            or line.top - previous_bottom > 4.5 * line.size
            or (crosses and not line.bold and not is_lead_in_label(below, index))
        ):
            stopped_by_text = True
            break
        accepted.append(line)
        previous_bottom = line.bottom
    # a lone bold line (or a lead-in ending in ":") closing the run is the next heading or
    # paragraph, not a row of the table
    # (at the page foot it is the label of the rows continued overleaf: keep it)
    while stopped_by_text and accepted and len(line_to_phrases(accepted[-1])) == 1 and (accepted[-1].bold or accepted[-1].text.endswith(":")):
        accepted.pop()
    return accepted[-1].bottom if accepted else last_rule


def continued_region(
    lines: list[Line], rule_rows: list[RuleRow], page_number: int, page_height: float
) -> tuple[BBox, RawTable] | None:
    """A caption-less table at the top of the page (a table continued from the page before)."""
    body_lines = [l for l in lines if MARGIN < l.top < page_height - MARGIN]
    if not body_lines:
        return None
    first_caption = next((l.top for l in body_lines if is_table_caption(l) or is_figure_caption(l)), page_height)
    split_rules = drop_footnote_separators([r for r in rule_rows if len(r.segments) >= 2 and r.top < first_caption])
    if not split_rules:
        return None
    x0, x1 = min(r.x0 for r in split_rules), max(r.x1 for r in split_rules)
    # the table must be the first thing on the page: no prose line above its first row
    first = body_lines[0]
    if first.x1 > x1 + 3 or first.x0 < x0 - 3 or first.top > split_rules[0].top + 40:
        return None
    end = next((l for l in body_lines if l.top > split_rules[0].top and SOURCE_START_RE.match(l.text)), None)
    top = min(first.top, split_rules[0].top)
    bottom = end.top - 1 if end is not None and end.top < first_caption else table_bottom_without_source(
        [l for l in body_lines if l.top < first_caption], split_rules, x0, x1, footnote_separator_top(rule_rows, split_rules))
    grid = region_to_grid(body_lines, rule_rows + [RuleRow(top - 0.5, split_rules[0].segments)], top - 0.5, bottom, x0, x1)
    if grid is None:
        return None
    rows, header_rows = grid
    long_rows = sum(any(len(c.split()) > PARAGRAPH_WORDS for c in r) for r in rows)
    if rows_are_prose(rows) or (long_rows >= 2 and not rows_are_labelled(rows[header_rows:])):
        return None  # a box of paragraphs (a cover-page summary) that happens to hold a table
    source = notes = None
    region_bottom = bottom
    if end is not None and end.top < first_caption:
        start = body_lines.index(end)
        source, notes, region_bottom, _ = source_block(body_lines, start)
    table = RawTable(
        rows=tuple(tuple(r) for r in rows), header_rows=header_rows, caption=None, source_note=source,
        notes=notes, page=page_number, method="pdfplumber-rules",
    )
    return (x0, top, x1, region_bottom), table


def caption_to_text_strategy_table(page, lines: list[Line], start: int) -> tuple[BBox, RawTable] | None:
    """A captioned table without rules: pdfplumber's "text" strategy inside the caption-to-source
    region, kept only when it finds a real grid of short cells."""
    caption, after = caption_block(lines, start)
    end = next((l for l in lines[after:] if SOURCE_START_RE.match(l.text) or is_table_caption(l) or is_figure_caption(l)), None)
    if end is None or end.top - lines[after - 1].bottom < 15:
        return None
    region = (0, lines[after - 1].bottom + 1, page.width, end.top - 1)
    settings = {"vertical_strategy": "text", "horizontal_strategy": "text", "min_words_vertical": 3}
    found = page.crop(region).find_tables(settings)
    if not found:
        return None
    rows = [[(c or "").replace("\n", " ").strip() for c in r] for r in found[0].extract()]
    rows = strip_empty_columns([r for r in rows if any(r)])
    if len(rows) < 2 or len(rows[0]) < 2 or rows_are_prose(rows) or any(TOC_LEADER_RE.search(c) for r in rows for c in r):
        return None
    source, notes, bottom, _ = source_block(lines, lines.index(end))
    table = RawTable(rows=tuple(tuple(r) for r in rows), header_rows=1, caption=caption, source_note=source,
                     notes=notes, page=page.page_number, method="pdfplumber-text")
    return (region[0], lines[start].top, region[2], bottom), table


def figure_caption_to_region(page, lines: list[Line], start: int) -> tuple[BBox, None] | None:
    """A "Figure N." caption over an image or chart: the region down to its source note, so the
    chart's own labels do not read as prose. The figure itself carries no cells."""
    caption_line = lines[start]
    col_x0, col_x1 = caption_to_column_range(caption_line, lines, page.width)
    below = lines_in_column(lines[start + 1:], col_x0, col_x1)
    source_at = next((i for i, l in enumerate(below) if SOURCE_START_RE.match(l.text)), None)
    if source_at is None or below[source_at].top - caption_line.bottom > 600:
        return None
    _, _, bottom, _ = source_block(below, source_at)
    return (col_x0, caption_line.top, col_x1, bottom), None


def words_to_page_lines(words: list[dict], page_width: float, page_height: float) -> list[Line]:
    """Lines of the page body, column by column on a two-column page (left column first), so a
    caption in one column is not glued to the text beside it. The running header and footer
    ("Congressional Research Service 9") are left out: they are never table rows."""
    words = [w for w in words if MARGIN < w["top"] and w["bottom"] < page_height - MARGIN + 15]
    footer = [l for l in words_to_lines(words) if l.top > page_height * 0.85 and PAGE_FURNITURE_RE.match(l.text)]
    furniture = {id(w) for l in footer for w in l.words}
    words = [w for w in words if id(w) not in furniture]
    lines = words_to_lines(words)
    if not is_two_column(lines, page_width):
        return lines
    middle = page_width / 2
    left = [w for w in words if w["x0"] < middle - 5]
    right = [w for w in words if w["x0"] >= middle - 5]
    return words_to_lines(left) + words_to_lines(right)


def page_has_candidates(page) -> bool:
    """Cheap pre-check on characters: a "Table"/"Figure" word or rules cut into cells."""
    text = "".join(c["text"] for c in page.chars[:20000])
    return "Table" in text or "Figure" in text or "continued" in text


def page_to_tables(page, words: list[dict] | None = None) -> list[tuple[BBox, RawTable | None]]:
    """Every table region on the page with its RawTable, and every figure region with None.

    ``words`` are the page's ``extract_words(extra_attrs=["fontname", "size"])`` when the caller
    already has them (the PDF reader does): extracting words is most of a page's cost."""
    rule_rows = page_to_rule_rows(page)
    split_rules = [r for r in rule_rows if len(r.segments) >= 2]
    if not split_rules and not page_has_candidates(page):
        return []
    if words is None:
        words = page.extract_words(extra_attrs=["fontname", "size"])
    lines = words_to_page_lines(words, page.width, page.height)
    regions: list[tuple[BBox, RawTable | None]] = []
    continued = continued_region(lines, rule_rows, page.page_number, page.height)
    if continued:
        regions.append(continued)
    for index, line in enumerate(lines):
        if is_toc_entry(lines, index):
            continue
        if is_table_caption(line):
            region = caption_to_table_region(lines, index, rule_rows, page.page_number, page.width)
            if region is None:
                region = caption_to_text_strategy_table(page, lines, index)
            if region is not None and not rows_are_prose([list(r) for r in region[1].rows]):
                regions.append(region)
        elif is_figure_caption(line):
            figure = figure_caption_to_region(page, lines, index)
            if figure is not None:
                regions.append(figure)
    return regions


# ---------------------------------------------------------------- across pages


def same_columns(a: RawTable, b: RawTable) -> bool:
    return bool(a.rows) and bool(b.rows) and len(a.rows[0]) == len(b.rows[0])


def span_row_to_label_row(row: tuple[str, ...]) -> tuple[str, ...]:
    """A header row repeating one spanning title in every column -> that title as a row label."""
    texts = {c for c in row if c}
    if len(texts) == 1:
        return (texts.pop(),) + ("",) * (len(row) - 1)
    return row


def merge_continued_tables(tables: list[RawTable]) -> list[RawTable]:
    """Join a table continued on the next page(s) onto the one it continues: the continuation has
    no caption, a "(continued)" caption, or the same caption; the same number of columns; and the
    first part has no source note yet (the note prints once, under the last part). A header the
    continuation repeats is dropped."""
    merged: list[RawTable] = []
    last_pages: list[int | None] = []
    for table in tables:
        previous = merged[-1] if merged else None
        caption = CONTINUED_RE.sub("", table.caption or "").strip()
        continues = (
            previous is not None
            and last_pages[-1] is not None
            and table.page == last_pages[-1] + 1
            and previous.source_note is None
            and same_columns(previous, table)
            and (not caption or caption == (previous.caption or ""))
        )
        if not continues:
            merged.append(table)
            last_pages.append(table.page)
            continue
        body = table.rows
        repeated = previous.rows[: previous.header_rows]
        if table.header_rows and body[: table.header_rows] == repeated:
            body = body[table.header_rows:]
        elif table.header_rows and previous.header_rows == 0:
            # what looked like a header on the continuation page is the table's own group labels
            body = tuple(span_row_to_label_row(r) for r in body[: table.header_rows]) + body[table.header_rows:]
        elif table.header_rows:
            # a continuation whose header differs is not safely the same table: keep it apart
            merged.append(table)
            last_pages.append(table.page)
            continue
        merged[-1] = RawTable(
            rows=previous.rows + body,
            header_rows=previous.header_rows,
            caption=previous.caption,
            units_note=previous.units_note or table.units_note,
            source_note=table.source_note,
            notes=table.notes or previous.notes,
            page=previous.page,
            method=previous.method,
            stub_columns=previous.stub_columns,
        )
        last_pages[-1] = table.page
    return merged
