"""A table region to a grid: columns from the rules or the header, lines to cells, multi-level headers."""
from __future__ import annotations

import re

from extractors.readers.pdf_table_lines import WordRow, RuleRow, YEAR_LABEL_RE, line_to_phrases, line_to_word_runs, lines_in_column, overlaps, word_is_bold
from extractors.readers.pdf_settings import PDF_SETTINGS


# ---------------------------------------------------------------- grid building


def rule_rows_to_columns(rule_rows: list[RuleRow]) -> list[tuple[float, float]]:
    """The rule row cut into the most cells gives the column boundaries."""
    best = max(rule_rows, key=lambda r: (len(r.segments), -r.top))
    return sorted(best.segments)


def phrase_to_columns(x0: float, x1: float, columns: list[tuple[float, float]]) -> list[int]:
    """Columns a phrase covers: the ones it overlaps by more than a few points; at least the
    column nearest its centre."""
    covered = [i for i, (c0, c1) in enumerate(columns) if overlaps(x0, x1, c0, c1) > PDF_SETTINGS.column_overlap]
    if covered:
        return covered
    centre = (x0 + x1) / 2
    return [min(range(len(columns)), key=lambda i: min(abs(centre - columns[i][0]), abs(centre - columns[i][1])))]


def header_lines_to_rows(lines: list[WordRow], columns: list[tuple[float, float]]) -> list[list[str]]:
    """Header lines -> header rows. A phrase spanning several columns ("FY2025-FY2026 Request")
    is a level of its own, repeated over the columns it spans; the other phrases stack, line by
    line, into the bottom level ("FY2025" over "Enacted" -> "FY2025 Enacted"). A spanning label
    wrapped onto the next line ("SSA Total Staff on" / "Duty" over the same two columns, R48725
    Table A-1) continues its label instead of starting a level."""
    span_rows: list[list[str]] = []
    leaf = [""] * len(columns)
    previous: WordRow | None = None
    for line in lines:
        span_row = [""] * len(columns)
        # only a line set at the cell's line spacing can continue a label; a wider gap starts a
        # level ("Statutory Marginal Income Tax Rates, 1991" over "Joint Returns", RL34498)
        wrapped = previous is not None and line.top - previous.top < PDF_SETTINGS.cell_line_factor * max(line.size, previous.size)
        previous = line
        for x0, x1, text in header_line_to_phrases(line, columns):
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


def header_line_to_phrases(line: WordRow, columns: list[tuple[float, float]]) -> list[tuple[float, float, str]]:
    """A header line's phrases. Two labels set too close to part read as one phrase across a column
    border ("Annual Average Program Total" over two columns, R47194 Table 2): a phrase is cut at the
    borders that fall between its words when each piece is centred on its own column; a label
    centred over several columns ("FY2025-FY2026 Request") is not, and stays whole."""
    phrases: list[tuple[float, float, str]] = []
    for run in line_to_word_runs(line):
        pieces: dict[int, list[dict]] = {}
        for word in run:
            covered = phrase_to_columns(word["x0"], word["x1"], columns)
            pieces.setdefault(covered[0] if len(covered) == 1 else -1, []).append(word)
        centred = -1 not in pieces and len(pieces) > 1 and all(
            abs((words[0]["x0"] + words[-1]["x1"]) / 2 - sum(columns[i]) / 2) <= PDF_SETTINGS.header_piece_offset
            for i, words in pieces.items())
        groups = list(pieces.values()) if centred else [run]
        phrases.extend((g[0]["x0"], g[-1]["x1"], " ".join(w["text"] for w in g)) for g in groups)
    return phrases


def is_header_weight(line: WordRow) -> bool:
    """CRS sets column headers in bold; a parenthesised qualifier under a bold label may be in
    regular weight ("(FY2022-FY2026)" under "Annual Average", R47194 Table 2)."""
    runs = line_to_word_runs(line)
    bold = [all(map(word_is_bold, run)) for run in runs]
    return any(bold) and all(b or (run[0]["text"].startswith("(") and run[-1]["text"].endswith(")")) for b, run in zip(bold, runs))


def is_label_run(row: list[str], covered: list[int]) -> bool:
    """``row`` holds one label over exactly the columns ``covered``."""
    first, last = covered[0], covered[-1]
    label = row[first]
    return (bool(label) and all(row[i] == label for i in covered)
            and (first == 0 or row[first - 1] != label) and (last + 1 >= len(row) or row[last + 1] != label))


def line_to_cell_words(line: WordRow, columns: list[tuple[float, float]], table_x0: float, table_x1: float) -> list[list[dict]]:
    """Body line -> the words of each column. A phrase crossing a column border from the stub (or
    alone on its line) is a group label ("Additional Standard Deduction for the Elderly or the
    Blind:") and goes to the stub; so does a lone phrase centred on the table ("Joint Returns")."""
    cells: list[list[dict]] = [[] for _ in columns]
    runs = line_to_word_runs(line)
    centre = (table_x0 + table_x1) / 2
    for run in runs:
        x0, x1 = run[0]["x0"], run[-1]["x1"]
        covered = phrase_to_columns(x0, x1, columns)
        lone_centred = (len(runs) == 1 and line.bold and abs((x0 + x1) / 2 - centre) < PDF_SETTINGS.centred_label_offset
                        and x0 - table_x0 > PDF_SETTINGS.centred_label_indent)
        if len(covered) > 1 and covered[0] > 0 and len(runs) > 1:
            # two value cells set too close to part ("... redeemable for $103.955 billion",
            # IF12255 Table 1): each word goes to the column under its centre
            for word in run:
                cells[phrase_to_columns((word["x0"] + word["x1"]) / 2, (word["x0"] + word["x1"]) / 2, columns)[0]].append(word)
            continue
        cells[0 if len(covered) > 1 or lone_centred else covered[0]].extend(run)
    return cells


def words_to_text(words: list[dict]) -> str:
    return " ".join(w["text"] for w in words)


def cells_wrap_onto(above: list[list[dict]], below: list[list[dict]], columns: list[tuple[float, float]]) -> bool:
    """The cells of ``below`` continue those of ``above`` (one row wrapped over lines, no rule
    between): in every column filled on both lines the text above ends no sentence, the first word
    below would not have fitted after it inside the cell, and neither is a number (IN12680
    Table 1, "Community" / "Bank Leverage"; IN12317 Table 1). Dense single-line rows fail in some
    column: a short label with room after it, or numbers. A line starting a cell that was empty
    on the line above is a new row (IF12255 Table 1: "Senior Farmers' Market" under a statute's
    last line)."""
    shared = [i for i in range(len(columns)) if above and above[i] and below[i]]
    if not shared or any(c and not above[i] for i, c in enumerate(below)):
        return False
    for i in shared:
        text_above, text_below = words_to_text(above[i]), words_to_text(below[i])
        if is_numeric_text(text_above) or is_numeric_text(text_below) or text_above.endswith((".", ";", ":", "!", "?")):
            return False
        words = above[i] + below[i]
        space = min((b["x0"] - a["x1"] for a, b in zip(words, words[1:]) if b["x0"] > a["x1"]), default=0.0)
        first = below[i][0]
        if above[i][-1]["x1"] + space + (first["x1"] - first["x0"]) <= columns[i][1] - PDF_SETTINGS.cell_padding:
            return False
    return True


def join_cell_lines(first: str, second: str) -> str:
    """Wrapped cell text: a line broken after a hyphen ("FY2026-" / "FY2035") joins without a space."""
    if not first or not second:
        return (first or second).strip()
    if first.endswith("-") and len(first) > 1 and first[-2].isalnum():
        return first + second
    return f"{first} {second}"


def body_lines_to_rows(
    lines: list[WordRow], columns: list[tuple[float, float]], rule_tops: list[float], table_x0: float, table_x1: float
) -> list[list[str]]:
    """Lines -> rows. A line joins the row above when it sits closer than a cell's line spacing and
    no rule separates them (a wrapped stub or a multi-line text cell)."""
    rows: list[list[str]] = []
    previous: WordRow | None = None
    previous_words: list[list[dict]] = []
    row_filled: set[int] = set()
    for line in lines:
        words = line_to_cell_words(line, columns, table_x0, table_x1)
        cells = [words_to_text(c) for c in words]
        # a line filling every cell the row's first line filled starts a row of its own however
        # close it is (dense single-line rows); a wrapped row leaves some of those cells empty
        # (IF12255 Table 1: its third and fourth lines fill the stub and the summary only), or
        # wraps every cell it shares with the line above
        filled = {i for i, c in enumerate(cells) if c}
        starts_row = (bool(cells[0]) and any(cells[1:]) and filled >= row_filled
                      and not cells_wrap_onto(previous_words, words, columns))
        ruled_off = previous is not None and any(
            previous.bottom - PDF_SETTINGS.region_slack <= t <= line.top + PDF_SETTINGS.region_slack for t in rule_tops)
        close = previous is not None and line.top - previous.top < PDF_SETTINGS.cell_line_factor * max(line.size, previous.size)
        # a second paragraph in a value cell ("(2) Department of ...") has no row label of its own
        unlabelled = (
            previous is not None and bool(rows) and not cells[0] and bool(rows[-1][0])
            and line.top - previous.bottom < PDF_SETTINGS.cell_paragraph_gap * line.size
        )
        # a qualifier in parentheses under the row's values ("$166,800" / "(for all filers except
        # married persons filing separately)", RL34498 Tables 14-18) goes on with the row, its
        # stub line too ("Limitation on itemized deductions:" / "For persons whose ...")
        qualifies = (
            previous is not None and bool(rows) and line.top - previous.bottom < PDF_SETTINGS.cell_paragraph_gap * line.size
            and any(cells[1:]) and all(is_parenthesised_qualifier(c) and rows[-1][i] for i, c in enumerate(cells) if i and c)
        )
        continues = bool(rows) and not ruled_off and ((close and not starts_row) or unlabelled or qualifies)
        if continues:
            rows[-1] = [join_cell_lines(a, b) for a, b in zip(rows[-1], cells)]
        else:
            rows.append(cells)
            row_filled = filled
        previous, previous_words = line, words
    return rows


def is_parenthesised_qualifier(text: str) -> bool:
    """Words in parentheses, not a negative number: "(for all filers except ...)"."""
    return text.startswith("(") and text.endswith(")") and len(text.split()) >= 2 and not is_numeric_text(text)


def is_numeric_text(text: str) -> bool:
    return bool(re.match(r"^[+\-\u2212(]?\$?[\d.,]+%?\)?[a-z*]?$", text.replace(" ", "")))


def rows_are_prose(rows: list[list[str]]) -> bool:
    """Mostly long text cells: a boxed sidebar or a text frame, not a table."""
    cells = [c for r in rows for c in r if c]
    if not cells:
        return True
    long_cells = sum(len(c.split()) > PDF_SETTINGS.max_prose_words for c in cells)
    return long_cells * 2 >= len(cells)


def rows_are_labelled(rows: list[list[str]]) -> bool:
    """Every row has a short label in the stub and text beside it: a table of long descriptions
    (IN12680 Table 1 continued on page 2), not a box of paragraphs."""
    return bool(rows) and all(r[0] and len(r[0].split()) <= PDF_SETTINGS.max_prose_words and any(r[1:]) for r in rows)


def strip_empty_columns(rows: list[list[str]]) -> list[list[str]]:
    keep = [i for i in range(len(rows[0])) if any(r[i] for r in rows)] if rows else []
    return [[r[i] for i in keep] for r in rows]


def region_to_grid(
    lines: list[WordRow], rule_rows: list[RuleRow], top: float, bottom: float, x0: float, x1: float
) -> tuple[list[list[str]], int] | None:
    """Words between ``top`` and ``bottom`` -> (rows, header row count), header rows first."""
    region_rules = [r for r in rule_rows if top - PDF_SETTINGS.region_slack <= r.top <= bottom + PDF_SETTINGS.region_slack
                    and overlaps(r.x0, r.x1, x0, x1) > PDF_SETTINGS.rule_table_overlap]
    if not region_rules:
        return None
    columns = rule_rows_to_columns(region_rules)
    if len(columns) < 2:
        return None
    table_lines = [l for l in lines_in_column(lines, x0, x1)
                   if top - PDF_SETTINGS.region_slack <= l.top and l.bottom <= bottom + PDF_SETTINGS.region_slack]
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


def is_header_group(lines: list[WordRow], columns: list[tuple[float, float]]) -> bool:
    """Lines that read as column headers: all bold (CRS sets headers in bold; a regular-weight line
    is data or a note), no number in a value column, and labels over at least two columns (a single
    title spanning the table, "Single Returns", labels rows)."""
    if not lines or not all(map(is_header_weight, lines)):
        return False
    for line in lines:
        for x0, x1, text in line_to_phrases(line):
            # a year over each value column is a header ("Office 2018 2019 ...", R48725 Table 1)
            if phrase_to_columns(x0, x1, columns)[0] > 0 and is_numeric_text(text) and not YEAR_LABEL_RE.match(text):
                return False
    leaf = header_lines_to_rows(lines, columns)[-1:]
    return bool(leaf) and sum(bool(c) for c in leaf[0]) >= 2


def header_lines_above_rule(lines: list[WordRow], rule_tops: list[float], columns: list[tuple[float, float]]) -> list[WordRow]:
    """The column-header lines: those above the first rule that has lines on both sides, and the
    header groups ruled off below them in turn. A header of several ruled levels ("FY2025-FY2026
    Request" over "FY2026 (Request) | Dollar Change", R48694 Tables 1 and 2) is read whole."""
    rules = sorted(rule_tops)
    for k, rule in enumerate(rules):
        above = [l for l in lines if l.bottom <= rule + PDF_SETTINGS.region_slack]
        below = [l for l in lines if l.top >= rule - PDF_SETTINGS.region_slack]
        if not above or not below:
            continue
        if not is_header_group(above, columns):
            return []
        header = above
        for next_rule in rules[k + 1:]:
            group = [l for l in lines if l.top >= header[-1].bottom - PDF_SETTINGS.region_slack and l not in header
                     and l.bottom <= next_rule + PDF_SETTINGS.region_slack]
            rest = [l for l in lines if l.top >= next_rule - PDF_SETTINGS.region_slack]
            if not group:
                continue
            if not rest or not is_header_group(group, columns):
                break
            header = header + group
        return header
    return []
